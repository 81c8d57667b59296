#!/usr/bin/env bash
# tests/system/test_firewall_netns.sh - the network policy as the box loads
# it, scanned from outside in network namespaces (see firewall_netns.py).
set -u
. "$TOP/tests/lib.sh"
[ "$(id -u)" = 0 ] || t_skip_all "needs root (network namespaces, iptables)"
for tool in nmap ping ip python3; do
	command -v $tool >/dev/null || { t_fail "firewall test tools" "no $tool (./build.sh test installs it)"; t_done; }
done
[ -x "$OUT/x86_64/deps/bin/xtables-legacy-multi" ] || { t_fail "firewall test tools" "no static iptables (./build.sh builds it)"; t_done; }
exec python3 "$TOP/tests/system/firewall_netns.py"
