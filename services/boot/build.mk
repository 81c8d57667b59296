# services/boot: stage-1 init (in each slot's initramfs) and the A/B boot tool.
PROGS += tg-initramfs tg-bootctl
tg-initramfs_SRCS := boot/initramfs.c boot/verity.c
tg-bootctl_SRCS := boot/bootctl.c
tg-bootctl_LIBS := -lseccomp
