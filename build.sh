#!/usr/bin/env bash
# Timegate build driver.  Run ./build.sh --help.
#
# Everything it makes goes under out/ (build outputs) and cache/ (pinned
# downloads); both are ignored by git.  Each step is skipped when its
# inputs (the pinned files, the recipe, the sources) did not change.
set -Eeuo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT=${TG_OUT:-$TOP/out}
CACHE=${TG_CACHE:-$TOP/cache}
LOCK=$TOP/board/common/inputs.lock
BOARDS="qemu-x86_64 qemu-aarch64"
JOBS=${TG_JOBS:-$(nproc)}

trap '[ "$BASH_SUBSHELL" = 0 ] && printf "build.sh: error: step failed (line %s): %s\n" "$LINENO" "$BASH_COMMAND" >&2' ERR

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'build.sh: error: %s\n' "$*" >&2; exit 1; }

usage() {
	cat <<'EOF'
Usage: ./build.sh COMMAND [--board BOARD]

Commands:
  run      install what is missing, build, boot the image in QEMU (TCG) and
           forward NTS-KE tcp 127.0.0.1:4460, NTP udp 127.0.0.1:11123 and
           the console https://127.0.0.1:8443 to it; a simulated GNSS
           receiver (tests/system/gnss_sim.py) feeds the guest NMEA while
           QEMU runs; prints where to point a client and a browser.
           Ctrl-A X quits QEMU.
  test     the whole suite: unit (ASan+UBSan), fuzz smoke, system, static
           binary checks and image boots of both boards; ends with
           "N passed, M failed" and exits non-zero on any failure.
           TG_TEST_FILTER=REGEX runs only matching tests.
  image    build the disk image, slot images and a signed update bundle per board
           (out/images/BOARD/).
  bench    benchmarks (speed, size, boot time); see docs/PERFORMANCE.md.
  fuzz     run each fuzzer for TG_FUZZ_SECONDS (default 300) seconds.
  deps     install host packages, fetch pinned inputs, build the libraries.
  pin      re-pin board/common/inputs.lock to the archive's current versions.
  clean    remove out/ (keeps the download cache; clean --all removes it too).

Options:
  --board BOARD   qemu-x86_64 (default) or qemu-aarch64 (run, image)

Environment: TG_OUT, TG_CACHE (folders), TG_JOBS (parallel make jobs),
CI=true (no interactive QEMU).
EOF
}

# ---------------------------------------------------------------- host packages

# Debian packages each part needs.  `run` needs the build and QEMU set,
# `test` everything.
PKGS_BUILD="gcc make libc6-dev musl-tools gcc-aarch64-linux-gnu libc6-dev-arm64-cross
	linux-libc-dev linux-libc-dev-arm64-cross gperf dpkg-dev file kmod cpio xz-utils gzip
	squashfs-tools cryptsetup-bin mtools dosfstools gdisk e2fsprogs u-boot-tools pkg-config"
PKGS_RUN="qemu-system-x86 qemu-system-arm qemu-utils openssl python3"
PKGS_TEST="clang libclang-rt-14-dev chrony qemu-user-static iproute2 python3 procps nmap iputils-ping valgrind
	curl netcat-openbsd chromium"

install_packages() {
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	[ "$(id -u)" = 0 ] || die "missing Debian packages: ${missing[*]} (run as root, or apt-get install them)"
	say "installing host packages: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null ||
		{ apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null; } ||
		die "apt-get could not install: ${missing[*]}"
}

# Test peers that cannot be installed beside the others: NTPsec's package
# conflicts with chrony's (both provide time-daemon), so its .deb is
# downloaded from the host's apt sources and unpacked into $OUT/peers/ntpsec
# (its libraries are the host's: libssl3, libbsd0, libcap2).  Never in the image.
fetch_test_peers() {
	local d=$OUT/peers/ntpsec
	[ -x "$d/usr/sbin/ntpd" ] && return 0
	install_packages libbsd0 libcap2 libssl3
	mkdir -p "$OUT/peers/dl" && rm -rf "$d"
	(cd "$OUT/peers/dl" && rm -f ntpsec_*.deb && { apt-get download -q ntpsec >/dev/null 2>&1 ||
		{ apt-get update -q >/dev/null && apt-get download -q ntpsec >/dev/null 2>&1; }; }) ||
		{ say "WARNING: cannot download ntpsec: its interop test will be skipped"; return 0; }
	dpkg-deb -x "$OUT/peers/dl"/ntpsec_*.deb "$d" || die "cannot unpack ntpsec"
}

# The console's browser test: Debian's chromium (PKGS_TEST) driven by
# playwright-core from npm, pinned in tests/browser/package-lock.json and
# installed into tests/browser/node_modules (git-ignored).  Node.js is the
# machine's, else Debian's.  Without them the browser cases are skipped
# and say so.
fetch_browser_test() {
	command -v npm >/dev/null || install_packages nodejs npm
	[ -d "$TOP/tests/browser/node_modules/playwright-core" ] && return 0
	(cd "$TOP/tests/browser" && npm ci --no-audit --no-fund --loglevel=error >/dev/null 2>&1) ||
		say "WARNING: npm could not install playwright-core: the browser tests will be skipped"
}

# ---------------------------------------------------------------- pinned inputs

APT_DIR=$CACHE/apt
DL=$CACHE/dl

apt_private() {
	# apt with our own source list and state: the system's apt sources and
	# lists are neither read nor changed.
	local tool=$1; shift
	"$tool" -o Dir::Etc::SourceList="$APT_DIR/sources.list" -o Dir::Etc::SourceParts=/dev/null \
		-o Dir::State::Lists="$APT_DIR/lists" -o Dir::Cache="$APT_DIR/cache" \
		-o Dir::State::status=/dev/null \
		-o APT::Architectures::=amd64 -o APT::Architectures::=arm64 \
		-o APT::Sandbox::User=root -o Debug::NoLocking=1 -q "$@"
}

apt_private_update() {
	mkdir -p "$APT_DIR/lists/partial" "$APT_DIR/cache/archives/partial"
	cat >"$APT_DIR/sources.list" <<-'EOF'
	deb [arch=amd64,arm64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm main
	deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm main
	EOF
	say "updating the private apt lists (cache/apt)"
	apt_private apt-get update >/dev/null || die "apt-get update of the private lists failed"
	touch "$APT_DIR/.updated"
}

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

# lock_rows KIND: "package version arch file sha" rows of that kind
lock_rows() { awk -v k="$1" '$1 == k { print $2, $3, $4, $5, $6 }' "$LOCK"; }

# lock_file PATTERN: the file name of the single pinned file matching PATTERN
lock_file() {
	local f
	f=$(awk -v p="$1" '$1 !~ /^#/ && $5 ~ p { print $5 }' "$LOCK")
	[ -n "$f" ] && [ "$(wc -l <<<"$f")" = 1 ] || die "inputs.lock: expected one file matching $1"
	printf '%s\n' "$f"
}

verify_file() { # file sha -> 0 if present with the pinned hash
	[ -f "$DL/$1" ] && [ "$(sha256_of "$DL/$1")" = "$2" ]
}

fetch_inputs() {
	mkdir -p "$DL"
	local pkg ver arch file sha need=() tmp got
	while read -r pkg ver arch file sha; do
		verify_file "$file" "$sha" || need+=("$pkg $ver $arch")
	done < <(lock_rows src; lock_rows deb)
	[ ${#need[@]} -eq 0 ] && return 0
	[ -f "$APT_DIR/.updated" ] || apt_private_update
	tmp=$(mktemp -d "$DL/.fetch.XXXXXX")
	local item
	for item in $(printf '%s\n' "${need[@]}" | sort -u | tr ' ' '|'); do
		IFS='|' read -r pkg ver arch <<<"$item"
		say "fetching $pkg $ver${arch:+ ($arch)}"
		if [ "$arch" = - ]; then
			(cd "$tmp" && apt_private apt-get source --download-only "$pkg=$ver" >/dev/null 2>&1) ||
				{ apt_private_update; (cd "$tmp" && apt_private apt-get source --download-only "$pkg=$ver" >/dev/null); } ||
				die "pinned source $pkg=$ver is not in the archive any more; run ./build.sh pin and review the diff"
		else
			local spec=$pkg; [ "$arch" = all ] || spec="$pkg:$arch"
			(cd "$tmp" && apt_private apt-get download "$spec=$ver" >/dev/null 2>&1) ||
				{ apt_private_update; (cd "$tmp" && apt_private apt-get download "$spec=$ver" >/dev/null); } ||
				die "pinned package $spec=$ver is not in the archive any more; run ./build.sh pin and review the diff"
		fi
	done
	# every file of the fetched packages must match its pin before it is used
	while read -r pkg ver arch file sha; do
		[ -f "$tmp/$file" ] || continue
		got=$(sha256_of "$tmp/$file")
		[ "$got" = "$sha" ] || { rm -rf "$tmp"; die "pinned input $file: SHA-256 mismatch (expected $sha, got $got); the archive's file changed or the download is corrupt"; }
		mv -f "$tmp/$file" "$DL/$file"
	done < <(lock_rows src; lock_rows deb)
	rm -rf "$tmp"
	while read -r pkg ver arch file sha; do
		verify_file "$file" "$sha" || die "pinned input $file was not fetched ($pkg $ver)"
	done < <(lock_rows src; lock_rows deb)
}

cmd_pin() {
	install_packages $PKGS_BUILD
	apt_private_update
	local tmp new pkg ver arch file sha spec cur
	tmp=$(mktemp -d); new=$(mktemp)
	sed -n '/^#/p' "$LOCK" >"$new"
	while read -r pkg ver arch; do
		if [ "$arch" = - ]; then
			cur=$(apt_private apt-cache showsrc "$pkg" | awk '/^Version:/ { print $2 }' | sort -V | tail -1)
			(cd "$tmp" && rm -f ./* && apt_private apt-get source --download-only "$pkg=$cur" >/dev/null)
		else
			spec=$pkg; [ "$arch" = all ] || spec="$pkg:$arch"
			cur=$(apt_private apt-cache policy "$spec" | awk '/Candidate:/ { print $2 }')
			(cd "$tmp" && rm -f ./* && apt_private apt-get download "$spec=$cur" >/dev/null)
		fi
		for file in $(cd "$tmp" && ls); do
			printf '%-4s %-30s %-23s %-6s %s %s\n' "$([ "$arch" = - ] && echo src || echo deb)" \
				"$pkg" "$cur" "$arch" "$file" "$(sha256_of "$tmp/$file")" >>"$new"
		done
	done < <(awk '$1 !~ /^#/ && NF { print $2, $3, $4 }' "$LOCK" | sort -u -k1,1 -k3,3)
	mv "$new" "$LOCK"; rm -rf "$tmp"
	say "rewrote $LOCK; review with git diff (kernel package names carry the ABI and may need a board.conf change)"
}

# ---------------------------------------------------------------- toolchains

# arch: host (system gcc, glibc), x86_64 or aarch64 (musl, static)
toolchain() {
	local arch=$1 tc=$OUT/toolchain/$arch
	[ "$arch" = host ] && return 0
	[ -x "$tc/bin/cc" ] && [ "$tc/bin/cc" -nt "$TOP/build.sh" ] && return 0
	mkdir -p "$tc/bin" "$tc/khdr"
	local libdir incdir gcc kinc asminc
	case $arch in
	x86_64)
		libdir=/usr/lib/x86_64-linux-musl; incdir=/usr/include/x86_64-linux-musl
		gcc=gcc; kinc=/usr/include; asminc=/usr/include/x86_64-linux-gnu/asm ;;
	aarch64)
		local sysroot=$OUT/toolchain/aarch64/sysroot
		rm -rf "$sysroot"; mkdir -p "$sysroot"
		dpkg-deb -x "$DL/$(lock_file '^musl-dev_.*_arm64\.deb$')" "$sysroot"
		libdir=$sysroot/usr/lib/aarch64-linux-musl; incdir=$sysroot/usr/include/aarch64-linux-musl
		gcc=aarch64-linux-gnu-gcc; kinc=/usr/aarch64-linux-gnu/include; asminc=$kinc/asm ;;
	esac
	# musl has no kernel headers: a private folder with just the uapi ones
	ln -sfn "$kinc/linux" "$tc/khdr/linux"
	ln -sfn "$kinc/asm-generic" "$tc/khdr/asm-generic"
	ln -sfn "$kinc/mtd" "$tc/khdr/mtd"
	ln -sfn "$asminc" "$tc/khdr/asm"
	# musl-gcc's own specs cannot link static-pie; ours can
	cat >"$tc/musl.specs" <<-EOF
	%rename cpp_options old_cpp_options

	*cpp_options:
	-nostdinc -isystem $incdir -isystem include%s -idirafter $tc/khdr %(old_cpp_options)

	*cc1:
	%(cc1_cpu) -nostdinc -isystem $incdir -isystem include%s -idirafter $tc/khdr

	*link_libgcc:
	-L$libdir -L .%s

	*libgcc:
	libgcc.a%s %:if-exists(libgcc_eh.a%s)

	*startfile:
	%{static-pie:$libdir/rcrt1.o} %{!static-pie:%{!shared: $libdir/Scrt1.o}} $libdir/crti.o crtbeginS.o%s

	*endfile:
	crtendS.o%s $libdir/crtn.o

	*link:
	%{static-pie:-static -pie --no-dynamic-linker -z text} %{!static-pie:-dynamic-linker /lib/ld-musl-$arch.so.1} -nostdlib %{shared:-shared} %{static:-static} %{rdynamic:-export-dynamic}

	EOF
	printf '#!/bin/sh\nexec %s -specs %s "$@"\n' "$gcc" "$tc/musl.specs" >"$tc/bin/cc"
	chmod +x "$tc/bin/cc"
	local p
	for p in ar ranlib strip nm objcopy; do
		if [ "$arch" = aarch64 ]; then ln -sfn "/usr/bin/aarch64-linux-gnu-$p" "$tc/bin/$p"
		else ln -sfn "/usr/bin/$p" "$tc/bin/$p"; fi
	done
}

tc_env() { # print CC/AR for an arch
	case $1 in
	host) echo "CC=gcc AR=ar" ;;
	*) echo "CC=$OUT/toolchain/$1/bin/cc AR=$OUT/toolchain/$1/bin/ar" ;;
	esac
}
gnu_host() { case $1 in host) gcc -dumpmachine ;; x86_64) echo x86_64-linux-musl ;; aarch64) echo aarch64-linux-musl ;; esac; }

# ---------------------------------------------------------------- libraries

# unpack PKG: extract the pinned Debian source package (patches applied) once
unpack() {
	local pkg=$1 dsc dir
	dsc=$(lock_file "^${pkg}_.*\.dsc$")
	dir=$OUT/src/${dsc%.dsc}
	if [ ! -f "$dir/.unpacked" ]; then
		rm -rf "$dir"; mkdir -p "$OUT/src"
		# hashes were checked against inputs.lock; dpkg-source checks the
		# .dsc's own checksums of the tarballs as it extracts
		dpkg-source --no-check -x "$DL/$dsc" "$dir" >/dev/null || die "could not unpack $dsc"
		touch "$dir/.unpacked"
	fi
	printf '%s\n' "$dir"
}

# stamp NAME INPUT...: true (0) if the stamp matches the inputs' hash
stamp_key() { { declare -f "$1"; shift; cat "$LOCK" "$@" 2>/dev/null || true; } | sha256sum | cut -c1-16; }
is_fresh() { [ -f "$1" ] && [ "$(cat "$1")" = "$2" ]; }

build_bearssl() {
	local arch=$1 pre=$OUT/$arch/deps src; src=$(unpack bearssl)
	eval "$(tc_env "$arch")"
	local flags="-W -Wall -O2 -fPIE"
	[ "$arch" = host ] && flags="-W -Wall -O2 -fPIE -g"
	make -s -C "$src" -j"$JOBS" lib BUILD="$OUT/$arch/build/bearssl" CC="$CC" AR="$AR" CFLAGS="$flags" >/dev/null
	mkdir -p "$pre/lib" "$pre/include"
	cp "$OUT/$arch/build/bearssl/libbearssl.a" "$pre/lib/"
	cp "$src"/inc/*.h "$pre/include/"
}

build_libseccomp() {
	local arch=$1 pre=$OUT/$arch/deps src b=$OUT/$arch/build/libseccomp; src=$(unpack libseccomp)
	eval "$(tc_env "$arch")"
	rm -rf "$b"; mkdir -p "$b"
	(cd "$b" && CC="$CC" AR="$AR" CFLAGS="-O2 -fPIE" "$src/configure" --host="$(gnu_host "$arch")" \
		--prefix="$pre" --enable-static --disable-shared --disable-python >/dev/null &&
		make -s -j"$JOBS" -C src AR_FLAGS=cr >/dev/null && make -s -C src install >/dev/null &&
		make -s -C include install >/dev/null)
}

build_busybox() {
	local arch=$1 src b=$OUT/$arch/build/busybox; src=$(unpack busybox)
	eval "$(tc_env "$arch")"
	rm -rf "$b"; mkdir -p "$b"
	local mk=(make -s -C "$src" O="$b" CC="$CC" HOSTCC=gcc CROSS_COMPILE= AR="$AR" STRIP="$OUT/toolchain/$arch/bin/strip")
	"${mk[@]}" allnoconfig >/dev/null
	# the applets and features the image really uses: board/common/busybox.symbols
	local sym
	while read -r sym; do
		case $sym in ''|'#'*) continue ;; esac
		case $sym in
		*=*) sed -i "s|^# ${sym%%=*} is not set|$sym|; s|^${sym%%=*}=.*|$sym|" "$b/.config" ;;
		*) sed -i "s|^# $sym is not set|$sym=y|" "$b/.config" ;;
		esac
	done <"$TOP/board/common/busybox.symbols"
	"${mk[@]}" oldconfig < <(yes "") >/dev/null 2>&1
	while read -r sym; do
		case $sym in ''|'#'*|*=*) continue ;; esac
		grep -q "^$sym=y" "$b/.config" || die "busybox: $sym did not stay set (dependency missing?)"
	done <"$TOP/board/common/busybox.symbols"
	"${mk[@]}" -j"$JOBS" busybox >/dev/null 2>&1 || die "busybox build failed ($arch); rerun: ${mk[*]} busybox"
	mkdir -p "$OUT/$arch/deps/bin"
	cp "$b/busybox" "$OUT/$arch/deps/bin/busybox"
	"$OUT/toolchain/$arch/bin/strip" "$OUT/$arch/deps/bin/busybox"
	# the applet list, for the image to make its links
	"${mk[@]}" busybox.links >/dev/null 2>&1
	cp "$b/busybox.links" "$OUT/$arch/deps/bin/busybox.links"
}

build_iptables() {
	local arch=$1 src b=$OUT/$arch/build/iptables pre=$OUT/$arch/deps; src=$(unpack iptables)
	eval "$(tc_env "$arch")"
	rm -rf "$b"; mkdir -p "$b"
	(cd "$b" && CC="$CC" AR="$AR" CFLAGS="-O2" "$src/configure" --host="$(gnu_host "$arch")" \
		--prefix=/usr --sbindir=/usr/sbin --disable-nftables --enable-static --disable-shared \
		--disable-devel --disable-libipq --without-kernel >/dev/null &&
		make -s -j"$JOBS" LDFLAGS=-all-static >/dev/null 2>&1) ||
		die "iptables build failed ($arch); see $b"
	mkdir -p "$pre/bin"
	cp "$b/iptables/xtables-legacy-multi" "$pre/bin/xtables-legacy-multi"
	"$OUT/toolchain/$arch/bin/strip" "$pre/bin/xtables-legacy-multi"
}

# deps ARCH: the libraries (and, for the image, programs) for one arch
build_deps() {
	local arch=$1 lib key
	toolchain "$arch"
	local libs="bearssl libseccomp"
	[ "$arch" = host ] || libs="$libs busybox iptables"
	for lib in $libs; do
		key=$(stamp_key "build_$lib" "$OUT/toolchain/$arch/musl.specs" \
			$([ "$lib" = busybox ] && echo "$TOP/board/common/busybox.symbols"))
		is_fresh "$OUT/$arch/deps/.stamp-$lib" "$key" && continue
		say "building $lib ($arch)"
		"build_$lib" "$arch"
		echo "$key" >"$OUT/$arch/deps/.stamp-$lib"
	done
}

# ---------------------------------------------------------------- kernel modules

# Out-of-tree modules for the board's kernel (board.conf loaded).
# pps-ktimer: the kernel's dummy PPS source, for boards without a real PPS
# line (BOARD_PPS_SIM=ktimer, the QEMU boards): Debian does not build it.
# Its source comes from the pinned linux-source-6.1 (only that one file is
# extracted, once: about 10 s to decompress the 138 MB tarball), patched
# to tick once a second of the unadjusted clock, dated when due
# (board/common/pps-ktimer/hrtimer.patch says why), and built against the
# pinned linux-headers of the board's kernel with the host's linux-kbuild
# tools (a few seconds a board).  Output: $OUT/kmod/$BOARD_KVER/pps-ktimer.ko.
KMOD_SRC=$TOP/board/common/pps-ktimer

pps_ktimer_source() { # -> $OUT/kmod/src/pps-ktimer.c, from the pinned linux-source
	local deb s=$OUT/kmod/src
	deb=$(lock_file '^linux-source-[0-9.]*_.*_all\.deb$')
	[ -f "$s/pps-ktimer.c" ] && [ "$(cat "$s/.from" 2>/dev/null)" = "$deb" ] && return 0
	mkdir -p "$s"; rm -f "$s/pps-ktimer.c" "$s/.from"
	dpkg-deb --fsys-tarfile "$DL/$deb" | tar -xO --wildcards './usr/src/linux-source-*.tar.xz' |
		tar -xJO --wildcards '*/drivers/pps/clients/pps-ktimer.c' >"$s/pps-ktimer.c.tmp" &&
		[ -s "$s/pps-ktimer.c.tmp" ] || die "no drivers/pps/clients/pps-ktimer.c in $deb"
	mv "$s/pps-ktimer.c.tmp" "$s/pps-ktimer.c"
	echo "$deb" >"$s/.from"
}

build_pps_ktimer() {
	local k=$OUT/kmod/$BOARD_KVER hdr b pat deb
	hdr=$k/headers; b=$k/build
	pps_ktimer_source
	rm -rf "$k"; mkdir -p "$hdr" "$b"
	# headers of this kernel flavour, the -common ones they include, and
	# kbuild's tools (fixdep, modpost) for the build host's architecture
	for pat in "^linux-headers-${BOARD_KVER}_.*\.deb$" "^linux-headers-${BOARD_KVER%-*}-common_.*_all\.deb$" \
		"^linux-kbuild-[0-9.]*_.*_$(dpkg --print-architecture)\.deb$"; do
		deb=$(lock_file "$pat")
		dpkg-deb -x "$DL/$deb" "$hdr"
	done
	# Debian's flavour Makefile includes the -common one by absolute path
	sed -i "s|^include /usr/src/|include $hdr/usr/src/|" "$hdr/usr/src/linux-headers-$BOARD_KVER/Makefile"
	cp "$KMOD_SRC/Kbuild" "$KMOD_SRC/Makefile" "$OUT/kmod/src/pps-ktimer.c" "$b/"
	# pulses 1 s apart on the raw clock, dated when due (hrtimer.patch says why)
	patch -s -d "$b" -p1 <"$KMOD_SRC/hrtimer.patch" || die "pps-ktimer: $KMOD_SRC/hrtimer.patch does not apply"
	# cross builds (arm64 on an amd64 host): Debian's arch name is the
	# kernel's ARCH there; a native build takes ARCH from the headers
	local cross=() strip=strip
	if [ "$BOARD_DEB_ARCH" != "$(dpkg --print-architecture)" ]; then
		cross=(ARCH="$BOARD_DEB_ARCH" CROSS_COMPILE="$(gnu_host "$BOARD_ARCH" | sed 's/-musl$/-gnu/')-")
		strip=$(gnu_host "$BOARD_ARCH" | sed 's/-musl$/-gnu/')-strip
	fi
	# the build folder's path kept out of the module (same bytes from any $OUT)
	make -s -C "$b" KDIR="$hdr/usr/src/linux-headers-$BOARD_KVER" "${cross[@]}" \
		KCFLAGS="-ffile-prefix-map=$b/= -ffile-prefix-map=$hdr/=/" >"$b/build.log" 2>&1 ||
		{ cat "$b/build.log" >&2; die "pps-ktimer build failed ($BOARD_KVER)"; }
	# as the kernel's INSTALL_MOD_STRIP does: no debug sections in the image
	"$strip" --strip-debug -o "$k/pps-ktimer.ko" "$b/pps-ktimer.ko"
	rm -rf "$hdr"
}

build_kmods() { # the out-of-tree modules the loaded board asks for
	case ${BOARD_PPS_SIM:-none} in
	none) return 0 ;;
	ktimer) ;;
	*) die "board.conf: unknown BOARD_PPS_SIM '$BOARD_PPS_SIM' (ktimer or none)" ;;
	esac
	local key
	key=$(stamp_key build_pps_ktimer "$KMOD_SRC/Kbuild" "$KMOD_SRC/Makefile" "$KMOD_SRC/hrtimer.patch")
	is_fresh "$OUT/kmod/$BOARD_KVER/.stamp" "$key" && [ -f "$OUT/kmod/$BOARD_KVER/pps-ktimer.ko" ] && return 0
	say "building pps-ktimer.ko ($BOARD_KVER)"
	build_pps_ktimer
	echo "$key" >"$OUT/kmod/$BOARD_KVER/.stamp"
}

# ---------------------------------------------------------------- services

services_make() { # ARCH MODE [make args]
	local arch=$1 mode=$2; shift 2
	local cc ar
	case $mode in
	fuzz) cc=clang; ar=ar ;;
	*) eval "$(tc_env "$arch")"; cc=$CC; ar=$AR ;;
	esac
	make -s -C "$TOP/services" -j"$JOBS" O="$OUT/$arch/services-$mode" DEPS="$OUT/$arch/deps" \
		MODE="$mode" CC="$cc" AR="$ar" "$@"
}

build_services() { # ARCH
	local arch=$1
	if [ "$arch" = host ]; then services_make host host
	else services_make "$arch" static; fi
}

# ---------------------------------------------------------------- image, run

. "$TOP/image/assemble.sh"

board_load() {
	local board=$1
	[ -f "$TOP/board/$board/board.conf" ] || die "unknown board '$board' (expected one of: $BOARDS)"
	# shellcheck disable=SC1090
	. "$TOP/board/$board/board.conf"
	BOARD=$board
}

prepare() { # everything the image of the given boards needs
	install_packages $PKGS_BUILD
	fetch_inputs
	local b arch
	for b in "$@"; do
		board_load "$b"
		build_deps "$BOARD_ARCH"
		build_kmods
		build_services "$BOARD_ARCH"
	done
}

cmd_image() {
	local boards=${1:-$BOARDS} b
	prepare $boards
	for b in $boards; do
		board_load "$b"
		image_build
	done
}

cmd_run() {
	local board=${1:-qemu-x86_64}
	install_packages $PKGS_RUN
	cmd_image "$board"
	board_load "$board"
	image_run
}

cmd_test() {
	install_packages $PKGS_BUILD $PKGS_RUN $PKGS_TEST
	fetch_test_peers
	fetch_browser_test
	fetch_inputs
	build_deps host
	build_services host
	services_make host fuzz
	prepare $BOARDS
	local b
	for b in $BOARDS; do board_load "$b"; image_build; done
	TOP=$TOP OUT=$OUT JOBS=$JOBS "$TOP/tests/run.sh"
}

cmd_fuzz() {
	install_packages $PKGS_BUILD $PKGS_TEST
	fetch_inputs
	build_deps host
	services_make host fuzz
	TG_FUZZ_SECONDS=${TG_FUZZ_SECONDS:-300} TOP=$TOP OUT=$OUT "$TOP/tests/fuzz/run.sh" long
}

cmd_bench() {
	install_packages $PKGS_BUILD $PKGS_RUN $PKGS_TEST
	prepare $BOARDS
	local b
	for b in $BOARDS; do board_load "$b"; image_build; done
	TOP=$TOP OUT=$OUT "$TOP/tests/bench/run.sh"
}

main() {
	local cmd=${1:-}; [ $# -gt 0 ] && shift
	local board=""
	while [ $# -gt 0 ]; do
		case $1 in
		--board) [ $# -ge 2 ] || die "--board needs a value ($BOARDS)"; board=$2; shift 2 ;;
		--board=*) board=${1#--board=}; shift ;;
		--all) CLEAN_ALL=1; shift ;;
		-h|--help) usage; exit 0 ;;
		*) die "unknown argument '$1' (see ./build.sh --help)" ;;
		esac
	done
	if [ -n "$board" ]; then board_load "$board" >/dev/null; fi
	case $cmd in
	run) cmd_run "${board:-qemu-x86_64}" ;;
	test) cmd_test ;;
	image) cmd_image "${board:-}" ;;
	bench) cmd_bench ;;
	fuzz) cmd_fuzz ;;
	deps) prepare ${board:-$BOARDS}; build_deps host ;;
	pin) cmd_pin ;;
	clean) rm -rf "$OUT"; [ "${CLEAN_ALL:-0}" = 1 ] && rm -rf "$CACHE"; say "cleaned" ;;
	-h|--help|help) usage ;;
	"") usage; exit 100 ;;
	*) usage >&2; die "unknown command '$cmd'" ;;
	esac
}

# sourcing build.sh (for debugging a step) defines the functions only
if [ "${BASH_SOURCE[0]}" = "$0" ]; then main "$@"; fi
