#!/usr/bin/env bash
# Constant time, checked the ctgrind way: tests/tools/tg-ctcheck runs our
# X25519, P-256 (k*G, k*P, ECDSA signing) and AES-SIV code with the
# secrets marked undefined for valgrind's memcheck, which then reports
# every conditional jump and every memory address computed from a secret
# (a timing side channel).  Built with the product compiler (musl-gcc,
# static) at -Os (the product's flags) and -O2, without sanitizers.  A
# control run with a deliberate branch on a secret must be reported, or
# the method proves nothing.  (AES-SIV open is the same code as seal plus
# a branch on the public accept/refuse outcome; see tg-ctcheck.c.)
. "$TOP/tests/lib.sh"

command -v valgrind >/dev/null || { t_fail "valgrind installed (PKGS_TEST)"; t_done; }
vg=$(mktemp -d)
trap 'rm -rf "$vg"' EXIT
mkdir -p "$vg/inc"
ln -s /usr/include/valgrind "$vg/inc/valgrind" # memcheck.h only, after musl's headers
cc=$(bash -c 'source "$0/build.sh"; eval "$(tc_env x86_64)"; echo "$CC"' "$TOP")
src=(tests/tools/tg-ctcheck.c services/lib/x25519.c services/lib/p256.c services/lib/aessiv.c
	services/lib/aesni.c services/lib/ct.c)
for opt in -Os -O2; do
	if ! (cd "$TOP" && "$cc" -std=c11 -D_GNU_SOURCE "$opt" -idirafter "$vg/inc" -Iservices \
		-Iservices/lib -I"$OUT/x86_64/deps/include" "${src[@]}" "$OUT/x86_64/deps/lib/libbearssl.a" \
		-static -o "$vg/ctcheck$opt") 2>"$vg/cc.log"; then
		t_fail "tg-ctcheck builds ($opt)" "$(head -n 20 "$vg/cc.log")"
		continue
	fi
	if valgrind -q --error-exitcode=99 "$vg/ctcheck$opt" >"$vg/out" 2>"$vg/vg.log" &&
		grep -qx ok "$vg/out"; then
		t_pass "no branch or address depends on a secret (X25519, P-256, ECDSA, AES-SIV; $opt)"
	else
		t_fail "no branch or address depends on a secret ($opt)" "$(grep -A4 'depends on\|uninitialised' "$vg/vg.log" | head -n 30)"
	fi
	valgrind -q --error-exitcode=99 "$vg/ctcheck$opt" control >/dev/null 2>"$vg/vg.log"
	rc=$?
	if [ $rc = 99 ] && grep -q 'Conditional jump or move depends on uninitialised' "$vg/vg.log" &&
		grep -q 'Use of uninitialised value of size' "$vg/vg.log"; then
		t_pass "a deliberate branch and table index on a secret are reported ($opt control)"
	else
		t_fail "a deliberate branch and table index on a secret are reported ($opt control)" "valgrind exit $rc" "$(head -n 10 "$vg/vg.log")"
	fi
done
t_done
