# image/assemble.sh - assemble a board's image; sourced by build.sh, which
# has loaded board/$BOARD/board.conf and built the libraries and services.
#
# Outputs in out/images/$BOARD/:
#   disk.img       GPT disk: boot (U-Boot script), bootenv0, bootenv1,
#                  bootA, rootA, bootB, rootB, data
#   firmware.bin   U-Boot from Debian's u-boot-qemu, passed to QEMU as -bios
#   slot/          one slot's images: boot.vfat (kernel + initramfs),
#                  root.img (squashfs + dm-verity hash tree), verity.conf,
#                  manifest (sizes and SHA-256), the update agent's input
#   sizes          sizes for docs/PERFORMANCE.md
# Work files go to out/work/$BOARD/.

# mod_deps KROOT KVER MODULE...: the .ko paths (relative to
# lib/modules/KVER/) those modules need, dependencies first, without
# duplicates or excluded modules.
mod_deps() {
	local kroot=$1 kver=$2; shift 2
	local m
	for m in "$@"; do
		modprobe -d "$kroot" -S "$kver" --show-depends "$m" ||
			die "kernel $kver has no module '$m'"
	done | awk -v pre="$kroot/lib/modules/$kver/" '
		$1 == "insmod" { p = $2; sub(pre, "", p); if (!seen[p]++) print p }' |
		grep -v -F -f <(grep -v '^#' "$TOP/board/common/modules.exclude" | sed 's/$/.ko/') || true
}

list_of() { grep -v '^[[:space:]]*\(#\|$\)' "$@" || true; }

kernel_unpack() {
	local k=$OUT/kernel/$BOARD_KVER deb
	deb=$(lock_file "^${BOARD_KERNEL_PKG}_.*\.deb$")
	if [ ! -f "$k/.unpacked" ] || [ "$(cat "$k/.unpacked")" != "$deb" ]; then
		rm -rf "$k"; mkdir -p "$k"
		dpkg-deb -x "$DL/$deb" "$k"
		depmod -b "$k" "$BOARD_KVER"
		echo "$deb" >"$k/.unpacked"
	fi
	KROOT=$k
}

# image.conf rows of every service whose programs were built
service_rows() { # KIND
	local f
	for f in "$TOP"/services/*/image.conf; do
		awk -v k="$1" '$1 == k' "$f"
	done
}

# Development NTS certificates (development boards only: BOARD_DEV_PKI=yes):
# a CA and a P-256 server certificate for localhost and 127.0.0.1, made
# once with the host's openssl into $TOP/keys/nts-dev (ignored by git,
# kept across `build.sh clean` so a client's ntstrustedcerts stays valid).
# A real site installs its own certificate on the device.
DEV_PKI=$TOP/keys/nts-dev
NTSD_UID=101 # services/ntsd/image.conf: user ntsd 101
CONSOLED_UID=107 # services/consoled/image.conf: user consoled 107
dev_pki() {
	[ -s "$DEV_PKI/ca.pem" ] && [ -s "$DEV_PKI/server.pem" ] && [ -s "$DEV_PKI/server.key" ] && return 0
	say "making development NTS certificates in $DEV_PKI"
	mkdir -p "$DEV_PKI"; chmod 755 "$DEV_PKI" # ca.pem must be readable by a client (chrony runs as _chrony)
	local d=$DEV_PKI
	openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
		-subj "/O=Timegate development/CN=Timegate development CA" \
		-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
		-keyout "$d/ca.key" -out "$d/ca.pem" 2>/dev/null || die "openssl: development CA"
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-subj "/O=Timegate development/CN=localhost" -keyout "$d/server.key" -out "$d/server.csr" 2>/dev/null ||
		die "openssl: development server key"
	printf '%s\n' 'subjectAltName=DNS:localhost,IP:127.0.0.1' 'basicConstraints=critical,CA:FALSE' \
		'keyUsage=critical,digitalSignature' 'extendedKeyUsage=serverAuth' >"$d/server.ext"
	openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial \
		-days 825 -extfile "$d/server.ext" -out "$d/server.pem" 2>/dev/null || die "openssl: development server certificate"
	chmod 600 "$d"/*.key
}

# The release (board/common/release, TG_VERSION / TG_SECURITY override).
release_value() { # KEY
	local v
	case $1 in
	version) v=${TG_VERSION:-} ;;
	security) v=${TG_SECURITY:-} ;;
	esac
	[ -n "$v" ] || v=$(awk -v k="$1" '$1 == k { print $2 }' "$TOP/board/common/release")
	[ -n "$v" ] || die "board/common/release has no $1"
	printf '%s\n' "$v"
}

# /etc/timegate/release of a slot (updated(8)): what runs, for whom
release_file() {
	printf 'version %s\nsecurity %s\ncompatible %s\nproduct timegate\n' \
		"$(release_value version)" "$(release_value security)" "$BOARD"
}

# Update signing keys.  The image trusts the key ring TG_UPDATE_KEYRING
# (lines "key NAME HEX", tg-bundle(1)); bundles are signed with
# TG_UPDATE_KEY (an EC P-256 private key, PEM or PKCS#8).  When neither is
# given, a development key is made once in $TOP/keys/update-dev (ignored
# by git, kept across `build.sh clean`) and trusted; a production build
# gives its key ring and signs offline with image/sign-bundle.
UPDATE_DEV=$TOP/keys/update-dev
update_keys() { # sets UPDATE_KEYRING and UPDATE_KEY ("" = no signing key here)
	if [ -n "${TG_UPDATE_KEYRING:-}" ]; then
		[ -s "$TG_UPDATE_KEYRING" ] || die "TG_UPDATE_KEYRING=$TG_UPDATE_KEYRING: no such key ring"
		UPDATE_KEYRING=$TG_UPDATE_KEYRING UPDATE_KEY=${TG_UPDATE_KEY:-}
		return 0
	fi
	UPDATE_KEY=${TG_UPDATE_KEY:-$UPDATE_DEV/key.pem}
	if [ -z "${TG_UPDATE_KEY:-}" ] && [ ! -s "$UPDATE_DEV/key.pem" ]; then
		say "making a development update signing key in $UPDATE_DEV"
		mkdir -p "$UPDATE_DEV"; chmod 700 "$UPDATE_DEV"
		(umask 077 && openssl ecparam -name prime256v1 -genkey -noout -out "$UPDATE_DEV/key.pem.tmp") ||
			die "openssl: development update key"
		mv "$UPDATE_DEV/key.pem.tmp" "$UPDATE_DEV/key.pem"
	fi
	[ -s "$UPDATE_KEY" ] || die "TG_UPDATE_KEY=$UPDATE_KEY: no such key"
	local hex
	hex=$(openssl ec -in "$UPDATE_KEY" -pubout -outform DER 2>/dev/null | tail -c 65 | od -An -tx1 -v | tr -d ' \n')
	[ ${#hex} = 130 ] && [ "${hex:0:2}" = 04 ] || die "$UPDATE_KEY is not an EC P-256 private key"
	UPDATE_KEYRING=$OUT/work/update-keys
	mkdir -p "$OUT/work"
	{
		echo "# update signing keys trusted by this image (updated(8), tg-bundle(1))"
		echo "key $( [ -z "${TG_UPDATE_KEY:-}" ] && echo dev || echo release)-${hex:2:8} $hex"
	} >"$UPDATE_KEYRING"
}

# tg-bundle, for this host (built with the host's test build settings)
bundle_tool() {
	build_deps host
	services_make host host "$OUT/host/services-host/bin/tg-bundle"
	TG_BUNDLE=$OUT/host/services-host/bin/tg-bundle
}

image_inputs_key() {
	{
		[ "${BOARD_DEV_PKI:-no}" = yes ] && dev_pki >&2 && cat "$DEV_PKI/server.pem"
		cat "$UPDATE_KEYRING"; release_file
		[ -z "$UPDATE_KEY" ] || sha256sum "$UPDATE_KEY"
		declare -f dev_pki
		declare -f image_build image_rootfs image_initramfs image_disk image_qemu_script image_bundle mod_deps timed_conf
		cat "$LOCK"
		(cd "$TOP" && find rootfs board/common "board/$BOARD" services image policy -type f \
			\( -path 'rootfs/*' -o -path 'board/*' -o -path 'image/*' -o -path policy/network.policy -o -name image.conf -o -name service.conf \) |
			LC_ALL=C sort | xargs sha256sum)
		sha256sum "$OUT/$BOARD_ARCH"/services-static/bin/* "$OUT/$BOARD_ARCH"/deps/bin/*
		[ "${BOARD_PPS_SIM:-none}" = none ] || sha256sum "$OUT/kmod/$BOARD_KVER"/*.ko
		git -C "$TOP" describe --always --dirty 2>/dev/null || true
	} | sha256sum | cut -c1-16
}

# /etc/timegate/timed.conf from board.conf: where the GNSS receiver's NMEA
# and its PPS come in (timed(8)).  timed's service file must grant the same
# device paths (services/timed/service.conf, device lines).
timed_conf() {
	cat <<-EOF
	# /etc/timegate/timed.conf - written by image/assemble.sh from board/$BOARD/board.conf
	device $BOARD_GNSS_DEVICE
	baud ${BOARD_GNSS_BAUD:-9600}
	pps ${BOARD_PPS_DEVICE:-none}
	EOF
	if [ "${BOARD_PPS_SIM:-none}" = ktimer ]; then
		cat <<-'EOF'
		# pps-ktimer ticks once a second from when it was loaded, not at the
		# UTC second: the NMEA of a second can come anywhere after a pulse
		nmea-window 0 990
		# and its pulses are timer interrupts of an emulated CPU: on a busy
		# host they come late by up to milliseconds, never settling under
		# the 50 us a real PPS line meets
		lock-jitter 1000
		EOF
	fi
}

image_rootfs() {
	local r=$W/rootfs bin=$OUT/$BOARD_ARCH/services-static/bin deps=$OUT/$BOARD_ARCH/deps/bin
	rm -rf "$r"
	mkdir -p "$r"/{bin,sbin,usr/bin,usr/sbin,etc/timegate/services,dev,proc,sys,run,tmp,data,lib/modules}
	chmod 1777 "$r/tmp"
	cp -a "$TOP/rootfs/." "$r/"

	install -m 0755 "$deps/busybox" "$r/bin/busybox"
	local l
	while read -r l; do
		[ "$l" = /bin/busybox ] || ln -sfn /bin/busybox "$r$l"
	done <"$deps/busybox.links"
	install -m 0755 "$deps/xtables-legacy-multi" "$r/usr/sbin/xtables-legacy-multi"
	for l in iptables ip6tables iptables-restore ip6tables-restore iptables-save ip6tables-save; do
		ln -sfn xtables-legacy-multi "$r/usr/sbin/$l"
	done

	# services: programs, users, folders, supervisor definitions
	local kind a b c d
	while read -r kind a b c; do
		[ -x "$bin/$a" ] || die "image.conf installs $a, which was not built"
		install -m "${c:-0755}" "$bin/$a" "$r$b"
	done < <(service_rows install)
	while read -r kind a b c; do
		printf '%s:x:%s:%s:%s service:/nonexistent:/bin/false\n' "$a" "$b" "$b" "$a" >>"$r/etc/passwd"
		printf '%s:x:%s:\n' "$a" "$b" >>"$r/etc/group"
	done < <(service_rows user)
	while read -r kind a b; do
		printf '%s:x:%s:\n' "$a" "$b" >>"$r/etc/group"
	done < <(service_rows group)
	# group memberships: "user NAME UID GROUP..." lists extra groups
	while read -r kind a b c; do
		for d in $c; do sed -i "s/^\($d:x:[0-9]*:\)\(.*\)$/\1\2,$a/; s/:,/:/" "$r/etc/group"; done
	done < <(service_rows user)
	# "primary NAME GROUP": the user's primary group is GROUP, not its own
	# (tg-supervise gives a service its primary group only)
	while read -r kind a b; do
		c=$(awk -F: -v g="$b" '$1 == g { print $3 }' "$r/etc/group")
		[ -n "$c" ] || die "image.conf: primary $a $b: no group $b"
		sed -i "s/^\($a:x:[0-9]*:\)[0-9]*:/\1$c:/" "$r/etc/passwd"
	done < <(service_rows primary)
	service_rows dir >"$r/etc/timegate/dirs"
	local f name
	for f in "$TOP"/services/*/service.conf; do
		[ -f "$f" ] || continue
		name=$(basename "$(dirname "$f")")
		install -m 0644 "$f" "$r/etc/timegate/services/$name.conf"
	done
	# this board's receiver devices: timed's Landlock grants, and the owner
	# rc.boot gives the nodes (devtmpfs makes them root's, mode 0600;
	# timed opens them as its own user)
	local timed_svc=$r/etc/timegate/services/timed.conf timed_user dev
	if [ -f "$timed_svc" ] && [ -n "${BOARD_GNSS_DEVICE:-}" ]; then
		timed_user=$(awk '$1 == "user" { print $2 }' "$timed_svc")
		echo "# added by image/assemble.sh from board/$BOARD/board.conf" >>"$timed_svc"
		echo "# receiver devices, set up by rc.boot: PATH MODE OWNER:GROUP" >"$r/etc/timegate/devices"
		for dev in "$BOARD_GNSS_DEVICE" "${BOARD_PPS_DEVICE:-none}"; do
			[ "$dev" = none ] && continue
			echo "device $dev" >>"$timed_svc"
			echo "$dev 0660 root:${timed_user:-root}" >>"$r/etc/timegate/devices"
		done
	fi
	printf '%s\n' "$BOARD_NETWORK" >"$r/etc/timegate/network"
	# what this slot is (updated compares bundles against it) and whose
	# signatures it installs
	release_file >"$r/etc/timegate/release"
	install -m 0644 "$UPDATE_KEYRING" "$r/etc/timegate/update-keys"
	# timed.conf is the site's (/data/config, edited in the web console):
	# the image ships the board's default, which rc.boot copies there when
	# the data partition has none yet
	if [ -n "${BOARD_GNSS_DEVICE:-}" ]; then
		mkdir -p "$r/etc/timegate/defaults"
		timed_conf >"$r/etc/timegate/defaults/timed.conf"
		ln -sfn /data/config/timed.conf "$r/etc/timegate/timed.conf"
	fi
	# network policy and the interface of each role (tg-firewall)
	install -m 0644 "$TOP/policy/network.policy" "$r/etc/timegate/network.policy"
	printf 'time %s\nmgmt %s\n' "$BOARD_IF_TIME" "$BOARD_IF_MGMT" >"$r/etc/timegate/roles"
	if [ -n "${BOARD_WATCHDOG_S:-}" ]; then
		printf '# from board.conf: feed the hardware watchdog, if the services are ready in time\nwatchdog /dev/watchdog0 %s\nready-timeout %s\n' \
			"$BOARD_WATCHDOG_S" "$BOARD_READY_TIMEOUT_S" >>"$r/etc/timegate/supervise.conf"
	fi
	cat >"$r/etc/os-release" <<-EOF
	NAME=Timegate
	ID=timegate
	VERSION_ID=$(git -C "$TOP" describe --always --dirty 2>/dev/null || echo unknown)
	BOARD=$BOARD
	EOF

	# kernel modules for stage 2, and the order rc.boot loads them in
	local mods ko
	mods=$(list_of "$TOP/board/common/modules.root"; printf '%s\n' $BOARD_MODULES_ROOT)
	for ko in $(mod_deps "$KROOT" "$BOARD_KVER" $mods); do
		install -D -m 0644 "$KROOT/lib/modules/$BOARD_KVER/$ko" "$r/lib/modules/$BOARD_KVER/$ko"
	done
	cp "$KROOT/lib/modules/$BOARD_KVER"/modules.{builtin,builtin.modinfo,order} "$r/lib/modules/$BOARD_KVER/"
	# out-of-tree modules (build.sh build_kmods): a simulated PPS source on
	# boards without a PPS line, loaded by rc.boot after the others
	if [ "${BOARD_PPS_SIM:-none}" = ktimer ]; then
		install -D -m 0644 "$OUT/kmod/$BOARD_KVER/pps-ktimer.ko" "$r/lib/modules/$BOARD_KVER/extra/pps-ktimer.ko"
		mods="$mods pps-ktimer"
	fi
	depmod -b "$r" "$BOARD_KVER"
	printf '%s\n' $mods >"$r/etc/modules"
	find "$r" -type f -path '*/etc/*' ! -name 'rc.*' -exec chmod 0644 {} +

	"$TOP/image/mkroot.sh" "$r" "$W"
}

image_initramfs() {
	local i=$W/initramfs bin=$OUT/$BOARD_ARCH/services-static/bin ko kind a b
	rm -rf "$i"
	mkdir -p "$i"/{dev,proc,sys,newroot,etc,lib/modules}
	while read -r kind a b; do
		install -m 0755 "$bin/$a" "$i$b"
	done < <(service_rows initramfs)
	[ -x "$i/init" ] || die "no program installs /init into the initramfs"
	install -m 0644 "$W/verity.conf" "$i/etc/verity.conf"
	[ -z "${BOARD_BOOT_WATCHDOG_S:-}" ] || echo "$BOARD_BOOT_WATCHDOG_S" >"$i/etc/watchdog"
	: >"$i/lib/modules/load.list"
	for ko in $(mod_deps "$KROOT" "$BOARD_KVER" $(list_of "$TOP/board/common/modules.initramfs") $BOARD_MODULES_INITRAMFS); do
		install -m 0644 "$KROOT/lib/modules/$BOARD_KVER/$ko" "$i/lib/modules/$(basename "$ko")"
		basename "$ko" >>"$i/lib/modules/load.list"
	done
	"$TOP/image/mkinitrd.sh" "$i" "$W/initrd"
}

image_disk() {
	local img=$OUT/images/$BOARD
	# slot boot partition: kernel and initramfs
	case $BOARD_KERNEL_NAME in
	*.gz) gzip -9n <"$KROOT/$BOARD_KERNEL_FILE" >"$W/$BOARD_KERNEL_NAME" ;;
	*) cp "$KROOT/$BOARD_KERNEL_FILE" "$W/$BOARD_KERNEL_NAME" ;;
	esac
	rm -f "$W/boot.vfat"
	mkfs.vfat -n TGSLOT -C "$W/boot.vfat" $((BOARD_SLOT_BOOT_MB * 1024)) >/dev/null
	MTOOLS_SKIP_CHECK=1 mcopy -i "$W/boot.vfat" "$W/$BOARD_KERNEL_NAME" "::$BOARD_KERNEL_NAME"
	MTOOLS_SKIP_CHECK=1 mcopy -i "$W/boot.vfat" "$W/initrd" ::initrd

	# boot script partition
	local bootkernel uarch
	case $BOARD_UBOOT_BOOTCMD in
	zboot) bootkernel='zboot ${kernel_addr_r} - ${ramdisk_addr_r} ${filesize}'; uarch=x86 ;;
	booti) bootkernel='setenv kernel_comp_addr_r 0x48000000; setenv kernel_comp_size 0x2000000; booti ${kernel_addr_r} ${ramdisk_addr_r}:${filesize} ${fdtcontroladdr}'; uarch=arm64 ;;
	*) die "board.conf: unknown BOARD_UBOOT_BOOTCMD '$BOARD_UBOOT_BOOTCMD'" ;;
	esac
	sed -e "s|@CONSOLE@|$BOARD_CONSOLE|g" -e "s|@KERNEL@|$BOARD_KERNEL_NAME|g" \
		-e "s|@BOOTKERNEL@|$bootkernel|g" "$TOP/board/common/boot.cmd" >"$W/boot.cmd"
	mkimage -A "$uarch" -O linux -T script -C none -n "timegate A/B boot" \
		-d "$W/boot.cmd" "$W/boot.scr" >/dev/null
	rm -f "$W/boot-script.vfat"
	mkfs.vfat -n TGBOOT -C "$W/boot-script.vfat" 4096 >/dev/null
	MTOOLS_SKIP_CHECK=1 mcopy -i "$W/boot-script.vfat" "$W/boot.scr" ::boot.scr

	# data partition: empty, except on development boards, which get the
	# NTS certificate made on this host (dev_pki) so NTS works at once
	rm -rf "$W/data.ext4" "$W/data"
	mkdir -p "$W/data"
	if [ "${BOARD_DEV_PKI:-no}" = yes ]; then
		dev_pki
		# where the console installs NTS certificates (services/consoled/
		# image.conf): the console's files, group ntsd (which reads them)
		install -d -m 0755 -o "$CONSOLED_UID" -g "$CONSOLED_UID" "$W/data/config"
		install -d -m 2750 -o "$CONSOLED_UID" -g "$NTSD_UID" "$W/data/config/nts"
		install -m 0644 -o "$CONSOLED_UID" -g "$NTSD_UID" "$DEV_PKI/server.pem" "$W/data/config/nts/cert.pem"
		install -m 0640 -o "$CONSOLED_UID" -g "$NTSD_UID" "$DEV_PKI/server.key" "$W/data/config/nts/key.pem"
	fi
	mkfs.ext4 -q -F -L data -E root_owner=0:0 -d "$W/data" "$W/data.ext4" "${BOARD_DATA_MB}M" >/dev/null 2>&1 ||
		die "mkfs.ext4 of the data partition failed"

	local root_size boot_size
	root_size=$(stat -c %s "$W/root.img"); boot_size=$(stat -c %s "$W/boot.vfat")
	[ "$root_size" -le $((BOARD_SLOT_ROOT_MB << 20)) ] ||
		die "root image is $root_size bytes, more than the ${BOARD_SLOT_ROOT_MB} MiB slot"

	# GPT: partitions found by name (U-Boot's script, the initramfs, tg-bootctl)
	local disk=$W/disk.img total
	total=$(( 1 + 4 + 1 + 1 + 2 * (BOARD_SLOT_BOOT_MB + BOARD_SLOT_ROOT_MB) + BOARD_DATA_MB + 1 ))
	rm -f "$disk"; truncate -s "${total}M" "$disk"
	sgdisk -o -a 2048 \
		-n 1:0:+4M -c 1:boot -t 1:0700 -A 1:set:2 \
		-n 2:0:+1M -c 2:bootenv0 -t 2:8300 \
		-n 3:0:+1M -c 3:bootenv1 -t 3:8300 \
		-n 4:0:+${BOARD_SLOT_BOOT_MB}M -c 4:bootA -t 4:0700 \
		-n 5:0:+${BOARD_SLOT_ROOT_MB}M -c 5:rootA -t 5:8300 \
		-n 6:0:+${BOARD_SLOT_BOOT_MB}M -c 6:bootB -t 6:0700 \
		-n 7:0:+${BOARD_SLOT_ROOT_MB}M -c 7:rootB -t 7:8300 \
		-n 8:0:+${BOARD_DATA_MB}M -c 8:data -t 8:8300 "$disk" >/dev/null
	local n start
	put() { # partition-number file
		start=$(sgdisk -i "$1" "$disk" | awk '/^First sector:/ { print $3 }')
		dd if="$2" of="$disk" bs=512 seek="$start" conv=notrunc,sparse status=none
	}
	put 1 "$W/boot-script.vfat"
	put 4 "$W/boot.vfat"; put 5 "$W/root.img"
	put 6 "$W/boot.vfat"; put 7 "$W/root.img"
	put 8 "$W/data.ext4"
	# bootenv0/1 stay zero: no valid copy means defaults (order A B, 3 tries)

	rm -rf "$img"; mkdir -p "$img/slot"
	mv "$disk" "$img/disk.img"
	dpkg-deb --fsys-tarfile "$DL/$(lock_file '^u-boot-qemu_.*\.deb$')" |
		tar -xO "./$BOARD_FIRMWARE" >"$W/u-boot.orig"
	# Autoboot at once with no way to interrupt it from the serial console
	# (bootdelay -2), scanning only the virtio disk; see board.conf.
	perl "$TOP/image/uboot-env-patch.pl" "$W/u-boot.orig" "$img/firmware.bin" "${BOARD_FIRMWARE_ENV[@]}"
	cp "$W/boot.vfat" "$W/root.img" "$W/verity.conf" "$img/slot/"
	release_file >"$img/slot/release"
	{
		echo "board=$BOARD"
		echo "version=$(git -C "$TOP" describe --always --dirty 2>/dev/null || echo unknown)"
		for f in boot.vfat root.img; do
			echo "$f size=$(stat -c %s "$img/slot/$f") sha256=$(sha256_of "$img/slot/$f")"
		done
		cat "$W/verity.conf"
	} >"$img/slot/manifest"
	{
		echo "kernel $(stat -c %s "$W/$BOARD_KERNEL_NAME")"
		echo "initramfs $(stat -c %s "$W/initrd")"
		echo "root_squashfs $(stat -c %s "$W/root.sqfs")"
		echo "root_with_hashtree $root_size"
		echo "slot_compressed $(( $(stat -c %s "$W/$BOARD_KERNEL_NAME") + $(stat -c %s "$W/initrd") + root_size ))"
	} >"$img/sizes"
}

image_build() {
	W=$OUT/work/$BOARD
	local img=$OUT/images/$BOARD key
	mkdir -p "$W"
	kernel_unpack
	update_keys
	key=$(image_inputs_key)
	if [ -f "$img/disk.img" ] && is_fresh "$img/.stamp" "$key"; then
		return 0
	fi
	say "assembling the $BOARD image"
	image_rootfs
	image_initramfs
	image_disk
	image_qemu_script
	image_bundle
	echo "$key" >"$img/.stamp"
	say "image: $img/disk.img ($(awk '/slot_compressed/ { printf "%.1f MiB slot", $2 / 1048576 }' "$img/sizes"))"
}

# image_bundle: out/images/$BOARD/update.tgb, the slot as a signed update
# bundle (image/sign-bundle, tg-bundle(1)), when a signing key is at hand.
image_bundle() {
	local img=$OUT/images/$BOARD
	rm -f "$img/update.tgb"
	if [ -z "$UPDATE_KEY" ]; then
		say "no signing key (TG_UPDATE_KEY): sign $img/slot offline with image/sign-bundle"
		return 0
	fi
	bundle_tool
	TG_BUNDLE=$TG_BUNDLE "$TOP/image/sign-bundle" -k "$UPDATE_KEY" -s "$img/slot" -o "$img/update.tgb" >/dev/null ||
		die "signing the update bundle failed"
}

# image_qemu_script: out/images/$BOARD/qemu.sh DISK [QEMU ARGS...] boots
# the board on DISK (TCG always: KVM does not work on our build machines).
# Host ports on 127.0.0.1 come from TG_FWD_NTSKE, TG_FWD_NTP and
# TG_FWD_CONSOLE (defaults 4460, 11123, 8443); tests give each QEMU its own.
# TG_NETDEV_TIME / TG_NETDEV_MGMT replace a NIC's user-mode network by
# another -netdev backend (e.g. "tap,ifname=X,script=no,downscript=no",
# for the firewall scans of tests/image/test_firewall.py).  The NICs have
# fixed MAC addresses: time 52:54:00:12:34:56, management ...:57.
# Boards with BOARD_GNSS_QEMU=virtio-serial get the GNSS receiver's NMEA
# channel: a virtio-serial port named gnss0 (BOARD_GNSS_DEVICE in the
# guest) whose host side is a Unix socket QEMU listens on, TG_GNSS_SOCK
# (default out/run/BOARD/gnss.sock); tests/system/gnss_sim.py --socket
# connects to it.  QEMU is the server so that the port exists from boot
# (the guest reads EOF while nothing is connected, and timed reopens).
image_qemu_script() {
	local img=$OUT/images/$BOARD gnss_args=""
	case ${BOARD_GNSS_QEMU:-none} in
	none) ;;
	virtio-serial)
		gnss_args='-chardev "socket,id=gnss,path=$gnss_sock_q,server=on,wait=off"'
		gnss_args="$gnss_args -device virtio-serial-pci,id=gnssbus -device virtserialport,bus=gnssbus.0,nr=1,chardev=gnss,name=gnss0" ;;
	*) die "board.conf: unknown BOARD_GNSS_QEMU '$BOARD_GNSS_QEMU' (virtio-serial or none)" ;;
	esac
	cat >"$img/qemu.sh" <<-EOF
	#!/bin/sh
	# Boot the $BOARD image: qemu.sh DISK [QEMU ARGS...]  (made by build.sh)
	[ \$# -ge 1 ] || { echo "usage: \$0 DISK [QEMU ARGS...]" >&2; exit 100; }
	disk=\$1; shift
	here=\$(cd "\$(dirname "\$0")" && pwd)
	time_fwd="hostfwd=tcp:127.0.0.1:\${TG_FWD_NTSKE:-4460}-:4460,hostfwd=udp:127.0.0.1:\${TG_FWD_NTP:-11123}-:123"
	mgmt_fwd="hostfwd=tcp:127.0.0.1:\${TG_FWD_CONSOLE:-8443}-:443"
	gnss_sock=\${TG_GNSS_SOCK:-\$(cd "\$here/../.." && pwd)/run/$BOARD/gnss.sock}
	mkdir -p "\$(dirname "\$gnss_sock")" || exit 1
	gnss_sock_q=\$(printf '%s' "\$gnss_sock" | sed 's/,/,,/g') # QEMU option syntax
	exec $BOARD_QEMU -accel tcg $BOARD_QEMU_MACHINE -nographic -no-user-config -nodefaults \\
		-serial mon:stdio -bios "\$here/firmware.bin" \\
		-drive "if=none,id=disk0,format=raw,file=\$disk" $BOARD_DISK_IF \\
		-netdev "\${TG_NETDEV_TIME:-user,net=10.0.2.0/24,\$time_fwd},id=time" \\
		-device "$BOARD_NIC,netdev=time,mac=52:54:00:12:34:56,romfile=" \\
		-netdev "\${TG_NETDEV_MGMT:-user,net=10.0.3.0/24,\$mgmt_fwd},id=mgmt" \\
		-device "$BOARD_NIC,netdev=mgmt,mac=52:54:00:12:34:57,romfile=" \\
		-device virtio-rng-pci $BOARD_WATCHDOG_DEV $gnss_args "\$@"
	EOF
	chmod +x "$img/qemu.sh"
}

image_run() {
	local img=$OUT/images/$BOARD run=$OUT/run/$BOARD
	mkdir -p "$run"
	# the running disk keeps its data partition and boot state across runs;
	# a new image replaces it
	if [ ! -f "$run/disk.img" ] || [ "$img/disk.img" -nt "$run/disk.img" ]; then
		cp --sparse=always "$img/disk.img" "$run/disk.img"
	fi
	# say which forwarded ports a service of this image actually listens on
	local svc=$OUT/work/$BOARD/rootfs/etc/timegate/services ke_note="" console_note=""
	# our NTS client for this host: the static build of its architecture if
	# an image of it was built (it runs on the host), else the test build
	local q=$OUT/$(uname -m)/services-static/bin/nts-query
	[ -x "$q" ] || q=$OUT/host/services-host/bin/nts-query
	grep -qsE '^listen tcp [^ ]+ 4460 ' "$svc"/*.conf || ke_note=" -- no service of this image serves it yet"
	grep -qsE '^listen tcp [^ ]+ 443 ' "$svc"/*.conf || console_note=" -- no service of this image serves it yet"
	# the simulated GNSS receiver: NMEA into the guest's gnss0 port each
	# second (the host's clock is the truth), as long as QEMU runs
	local sim_pid="" sync_note ind=$'\n          ' # the note's continuation lines
	sync_note="Without a GNSS time source it answers \"unsynchronised\" (leap 3),${ind}which clients rightly refuse to follow."
	if [ "${BOARD_GNSS_QEMU:-none}" != none ]; then
		export TG_GNSS_SOCK=${TG_GNSS_SOCK:-$run/gnss.sock}
		# --rephase-ntp: pps-ktimer pulses at the phase of its loading, so the
		# NMEA may need to move within the second before timed can pair it
		python3 "$TOP/tests/system/gnss_sim.py" --socket "$TG_GNSS_SOCK" \
			--rephase-ntp "${TG_FWD_NTP:-11123}" >"$run/gnss_sim.log" 2>&1 &
		sim_pid=$!
		# shellcheck disable=SC2064
		trap "kill $sim_pid 2>/dev/null" EXIT
		trap 'exit 143' INT TERM HUP # through the EXIT trap
		if [ -f "$svc/timed.conf" ]; then
			sync_note="A simulated GNSS receiver (tests/system/gnss_sim.py, log in"
			sync_note="$sync_note${ind}$run/gnss_sim.log) sends NMEA to the guest's gnss0"
			sync_note="$sync_note${ind}port, and pps-ktimer ticks /dev/pps0.  Once timed locks (console:"
			sync_note="$sync_note${ind}\"timed[main] ... state locked\") it answers stratum 1, refid PPS;"
			sync_note="$sync_note${ind}until then \"unsynchronised\" (leap 3), which clients refuse."
		else
			sync_note="$sync_note${ind}(gnss_sim.py feeds the guest's gnss0 port; this image has no timed.)"
		fi
	fi
	cat <<-EOF

	Timegate on $BOARD (QEMU, TCG).  When the console shows "all services ready":
	  NTP     udp 127.0.0.1:${TG_FWD_NTP:-11123}  (guest port 123)
	          chronyd -Q -t 20 'server 127.0.0.1 port ${TG_FWD_NTP:-11123} iburst'
	          $sync_note
	  NTS-KE  tcp 127.0.0.1:${TG_FWD_NTSKE:-4460}  (guest port 4460)$ke_note
	          chrony.conf:  server 127.0.0.1 port ${TG_FWD_NTP:-11123} nts ntsport ${TG_FWD_NTSKE:-4460} iburst
	                        ntstrustedcerts $DEV_PKI/ca.pem
	          then: chronyc -N authdata   (mode NTS, AEAD 15, cookies)
	          or:   $q -c $DEV_PKI/ca.pem -n localhost \\
	                    -p ${TG_FWD_NTSKE:-4460} -P ${TG_FWD_NTP:-11123} 127.0.0.1
	  Console https://127.0.0.1:${TG_FWD_CONSOLE:-8443}/  (guest port 443, management interface)$console_note
	          self-signed certificate; on first boot the console below shows
	          "consoled[main] warn: no administrator yet: setup code XXXXX-XXXXX":
	          the page asks for it to create the first administrator
	Quit QEMU with Ctrl-A then X.  Disk: $run/disk.img

	EOF
	[ -n "$sim_pid" ] || exec "$img/qemu.sh" "$run/disk.img"
	local rc=0
	"$img/qemu.sh" "$run/disk.img" || rc=$?
	kill "$sim_pid" 2>/dev/null || true
	wait "$sim_pid" 2>/dev/null || true
	trap - EXIT INT TERM HUP
	return "$rc"
}
