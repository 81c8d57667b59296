# libFuzzer harness of the audit trail (lib/audit.c): line parser, chain
# verifier and recovery on any bytes, and a format/parse round trip of
# fields taken from the input.  Seeds: tests/fuzz/corpus/audit/.
FUZZERS += fuzz_audit
fuzz_audit_SRCS := ../tests/fuzz/fuzz_audit.c
fuzz_audit_LIBS := -lbearssl
