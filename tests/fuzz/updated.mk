# libFuzzer harness of the update agent's file parsers (services/updated/state.c):
# its state file, the release file, tg.slot= and the certificate's DNS name.
FUZZERS += fuzz_updated_state
fuzz_updated_state_SRCS := ../tests/fuzz/fuzz_updated_state.c updated/state.c
fuzz_updated_state_LIBS := -lbearssl
