# Timegate A/B boot script for U-Boot (hush).  Built into boot.scr on the
# "boot" partition; U-Boot's distro boot finds and runs it.
#
# State (see services/lib/bootenv.h, which reads and writes the same):
# two raw partitions "bootenv0" and "bootenv1", each one copy in U-Boot's
# CRC-protected `env export -c` format with BOOT_ORDER, BOOT_A_LEFT,
# BOOT_B_LEFT and TG_SEQ.  Copy 0 is always written first, so it wins
# when both are valid.  Each boot takes one try from the first slot in
# BOOT_ORDER that has tries left; Linux restores the tries (mark-good) once
# its services are up.  A slot that fails to come up 3 times is passed
# over for the other.  The x86 U-Boot has no setexpr: counters count down
# through a table.
#
# Board values are filled in at build time: @CONSOLE@ @KERNEL@ @BOOTKERNEL@

setenv tg_env_vars BOOT_ORDER BOOT_A_LEFT BOOT_B_LEFT TG_SEQ
setenv tg_save 'env export -c -s 0x4000 ${loadaddr} ${tg_env_vars}; part start virtio 0 bootenv0 tg_blk && virtio write ${loadaddr} ${tg_blk} 0x20; part start virtio 0 bootenv1 tg_blk && virtio write ${loadaddr} ${tg_blk} 0x20'

virtio scan
setenv BOOT_ORDER "A B"
setenv BOOT_A_LEFT 3
setenv BOOT_B_LEFT 3
setenv TG_SEQ 0
setenv tg_env none
# copy 1 first, then copy 0 over it: a valid copy 0 is the newer one
if part start virtio 0 bootenv1 tg_blk && virtio read ${loadaddr} ${tg_blk} 0x20 && env import -d -c ${loadaddr} 0x4000 ${tg_env_vars}; then setenv tg_env 1; fi
if part start virtio 0 bootenv0 tg_blk && virtio read ${loadaddr} ${tg_blk} 0x20 && env import -d -c ${loadaddr} 0x4000 ${tg_env_vars}; then setenv tg_env 0; fi

# normalise exactly as tg_bootenv_decode does
if test "${BOOT_ORDER}" = "A B" || test "${BOOT_ORDER}" = "B A" || test "${BOOT_ORDER}" = "A" || test "${BOOT_ORDER}" = "B"; then true; else setenv BOOT_ORDER "A B"; fi
for tg_v in BOOT_A_LEFT BOOT_B_LEFT; do
	if env exists ${tg_v}; then true; else setenv ${tg_v} 3; fi
done
if test "${BOOT_A_LEFT}" = 0 || test "${BOOT_A_LEFT}" = 1 || test "${BOOT_A_LEFT}" = 2 || test "${BOOT_A_LEFT}" = 3; then true; else setenv BOOT_A_LEFT 0; fi
if test "${BOOT_B_LEFT}" = 0 || test "${BOOT_B_LEFT}" = 1 || test "${BOOT_B_LEFT}" = 2 || test "${BOOT_B_LEFT}" = 3; then true; else setenv BOOT_B_LEFT 0; fi
echo "timegate-boot: environment copy ${tg_env}: order ${BOOT_ORDER}, A ${BOOT_A_LEFT} tries, B ${BOOT_B_LEFT} tries"

setenv tg_slot
for tg_s in ${BOOT_ORDER}; do
	if test -z "${tg_slot}"; then
		if test "${tg_s}" = A; then
			if test ${BOOT_A_LEFT} = 3; then setenv BOOT_A_LEFT 2; setenv tg_slot A; elif test ${BOOT_A_LEFT} = 2; then setenv BOOT_A_LEFT 1; setenv tg_slot A; elif test ${BOOT_A_LEFT} = 1; then setenv BOOT_A_LEFT 0; setenv tg_slot A; fi
		fi
		if test "${tg_s}" = B; then
			if test ${BOOT_B_LEFT} = 3; then setenv BOOT_B_LEFT 2; setenv tg_slot B; elif test ${BOOT_B_LEFT} = 2; then setenv BOOT_B_LEFT 1; setenv tg_slot B; elif test ${BOOT_B_LEFT} = 1; then setenv BOOT_B_LEFT 0; setenv tg_slot B; fi
		fi
	fi
done

if test -z "${tg_slot}"; then
	# every slot failed 3 times: start over rather than brick the box
	echo "timegate-boot: no slot has tries left; restoring 3 tries each and resetting"
	setenv BOOT_A_LEFT 3
	setenv BOOT_B_LEFT 3
	run tg_save
	reset
fi

run tg_save
echo "timegate-boot: booting slot ${tg_slot} (tries left now: A ${BOOT_A_LEFT}, B ${BOOT_B_LEFT})"
part number virtio 0 boot${tg_slot} tg_part
setenv bootargs "console=@CONSOLE@ panic=5 quiet loglevel=4 tg.slot=${tg_slot}"
if load virtio 0:${tg_part} ${kernel_addr_r} @KERNEL@ && load virtio 0:${tg_part} ${ramdisk_addr_r} initrd; then
	@BOOTKERNEL@
fi
echo "timegate-boot: slot ${tg_slot} did not start; resetting"
reset
