# Unit tests of services/lib (paths relative to services/).

UNIT_TESTS += test_log test_conf test_ct test_evloop test_ipc test_sandbox test_landlock test_fileio test_unixsock

test_log_SRCS := ../tests/unit/test_log.c
test_conf_SRCS := ../tests/unit/test_conf.c
test_ct_SRCS := ../tests/unit/test_ct.c
test_evloop_SRCS := ../tests/unit/test_evloop.c
test_ipc_SRCS := ../tests/unit/test_ipc.c
test_sandbox_SRCS := ../tests/unit/test_sandbox.c
test_sandbox_LIBS := -lseccomp
test_landlock_SRCS := ../tests/unit/test_landlock.c
test_fileio_SRCS := ../tests/unit/test_fileio.c
test_unixsock_SRCS := ../tests/unit/test_unixsock.c
