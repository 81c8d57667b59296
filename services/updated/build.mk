# services/updated: the update agent (updated, updatectl) and the host bundle tool (tg-bundle).
# updated's roles: updated/main.c + health.c (main: control socket, bundle
# streaming, health check), updated/helper.c (helper: partitions, boot
# environment, state file); helper_check.c (the rules), state.c (state,
# release and command-line formats) and conf.c are pure and unit-tested.
PROGS += updated updatectl
updated_SRCS := updated/main.c updated/helper.c updated/health.c updated/helper_check.c \
	updated/state.c updated/conf.c
updated_LIBS := -lseccomp -lbearssl
updatectl_SRCS := updated/updatectl.c
PROGS += tg-bundle
tg-bundle_SRCS := updated/tg-bundle.c
tg-bundle_LIBS := -lbearssl
