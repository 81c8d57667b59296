# Test tools: programs the system tests use to probe the real binaries
# from outside.  Built in MODE=host only, to $(O)/test-tools/ (not
# $(O)/tests/, where tests/run.sh takes every executable for a unit test).
#
# tg-sysinject: ptrace syscall injector (see the comment at its top);
# tests/system/test_sandbox_roles.sh uses it.  libseccomp for syscall names.
TEST_TOOLS += tg-sysinject
tg-sysinject_SRCS := ../tests/tools/tg-sysinject.c
tg-sysinject_LIBS := -lseccomp
