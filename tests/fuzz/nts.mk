# libFuzzer harnesses of the NTS message code (lib/nts.c; paths relative to services/).
# Seeds: tests/fuzz/corpus/ntske/, tests/fuzz/corpus/nts_ntp/ (tests/fuzz/gen_nts_seeds.py).

FUZZERS += fuzz_ntske fuzz_nts_ntp

fuzz_ntske_SRCS := ../tests/fuzz/fuzz_ntske.c
fuzz_ntske_LIBS := -lbearssl
fuzz_nts_ntp_SRCS := ../tests/fuzz/fuzz_nts_ntp.c
fuzz_nts_ntp_LIBS := -lbearssl

# The NTS client's session file (lib/ntsclient.c tg_ntsc_decode).
# Seeds: tests/fuzz/corpus/ntsc_session/ (tests/fuzz/gen_nts_seeds.py).
FUZZERS += fuzz_ntsc_session
fuzz_ntsc_session_SRCS := ../tests/fuzz/fuzz_ntsc_session.c
fuzz_ntsc_session_LIBS := -lbearssl
