# Unit test of the console's hash-chained audit trail (lib/audit.c):
# formatter, parser, chain verifier, recovery, append.  Paths relative to services/.
UNIT_TESTS += test_audit
test_audit_SRCS := ../tests/unit/test_audit.c
test_audit_LIBS := -lbearssl
