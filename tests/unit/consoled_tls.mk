# Unit tests of the web console's NTS certificate management
# (consoled/cfgtls.c: install checks, files, .prev, CSR and pending key)
# and its configuration backup format (consoled/cfgbackup.c).  cd_random
# and the supervisor (m->svc) are fakes inside the test.
UNIT_TESTS += test_consoled_tls
test_consoled_tls_SRCS := ../tests/unit/test_consoled_tls.c consoled/cfgtls.c consoled/cfgbackup.c
test_consoled_tls_LIBS := -lbearssl
