#!/bin/sh
# /etc/rc.boot - stage-2 early boot, run once by init before any service.
# The initramfs has already mounted /dev, /proc and /sys and switched to
# the dm-verity protected root.  Failures here are logged and boot goes
# on: the supervisor's health signal (mark-good) is what decides whether
# this slot is kept.
PATH=/usr/sbin:/usr/bin:/sbin:/bin
export PATH
say() { echo "rc.boot: $*"; }

mount -t tmpfs -o nosuid,nodev,noexec,mode=0755,size=8m run /run
mount -t tmpfs -o nosuid,nodev,noexec,mode=1777,size=16m tmp /tmp
sysctl -q -p /etc/sysctl.conf || say "WARNING: some kernel settings were refused"

while read -r m; do
	case $m in ''|'#'*) continue ;; esac
	modprobe "$m" || say "WARNING: module $m did not load"
done < /etc/modules

# the GNSS receiver's devices (board.conf, /etc/timegate/devices): the
# modules above made their nodes root's own; the time service opens them
# as its user.  Each path must exist by now (its module is loaded).
if [ -f /etc/timegate/devices ]; then
	while read -r path mode owner; do
		case $path in ''|'#'*) continue ;; esac
		chown "$owner" "$path" && chmod "$mode" "$path" ||
			say "WARNING: cannot prepare device $path"
	done < /etc/timegate/devices
fi

# persistent data: configuration, keys, logs (never executable)
if dev=$(tg-bootctl device data) &&
	mount -t ext4 -o nodev,nosuid,noexec,noatime "$dev" /data; then
	:
else
	# services still find their folders (ntsd's key ring, ...), in memory
	mount -t tmpfs -o nosuid,nodev,noexec,mode=0755,size=4m data /data
	say "WARNING: data partition not mounted; running without persistent state (tmpfs)"
fi

# runtime and data folders each service declared (services/*/image.conf)
while read -r kind path mode owner; do
	case $kind in dir) ;; *) continue ;; esac
	mkdir -p "$path" && chmod "$mode" "$path" && chown "$owner" "$path" ||
		say "WARNING: cannot prepare $path"
done < /etc/timegate/dirs

# the site's configuration (/data/config, written by the web console):
# a board default the site has not got yet is copied there once.  (The
# image's busybox has no cp or mv: one small write, so a power cut leaves
# the file absent or empty, never half a file, and an empty one is
# copied again.)
for f in /etc/timegate/defaults/*; do
	[ -f "$f" ] || continue
	c=/data/config/${f##*/}
	[ -s "$c" ] || { cat "$f" >"$c" && chmod 0644 "$c"; } ||
		say "WARNING: cannot copy $f to $c"
done

hostname -F /etc/hostname
ip link set lo up

# Firewall before any network interface comes up (tg-firewall(8),
# policy/README.md in the source):
# deny by default, IPv4 and IPv6.  If it does not load, the interfaces stay
# down: the box is unreachable rather than open.
if tg-firewall apply --fallback; then
	fw=loaded
else
	fw=
	say "ERROR: FIREWALL NOT LOADED (see above): network interfaces stay down"
	for t in iptables ip6tables; do
		for c in INPUT FORWARD OUTPUT; do xtables-legacy-multi $t -P $c DROP 2>/dev/null; done
	done
fi

# interfaces by role (board.conf), addresses from the site's
# /data/config/network (the web console writes it; it takes effect here),
# and for each interface that file does not name, the image's
# /etc/timegate/network.  If a line of the site's file cannot be applied,
# the image's addresses are put in place instead, so a bad setting never
# leaves the appliance unreachable.
site_net=/data/config/network
# named IFNAME: the site's file has a line for IFNAME
named() {
	[ -f "$site_net" ] || return 1
	while read -r n rest; do [ "$n" = "$1" ] && return 0; done < "$site_net"
	return 1
}
# net_up FILE [image]: bring up FILE's lines (with "image", only those of
# interfaces the site's file does not name); copy them to network.applied
net_up() {
	ok=yes
	while read -r ifname addr gw; do
		case $ifname in ''|'#'*) continue ;; esac
		[ "${2:-}" = image ] && named "$ifname" && continue
		echo "$ifname $addr $gw" >>/run/timegate/network.applied
		ip link set "$ifname" up && ip addr add "$addr" dev "$ifname" ||
			{ say "WARNING: cannot configure $ifname with $addr ($1)"; ok=; continue; }
		[ "$gw" = - ] || ip route add default via "$gw" dev "$ifname" ||
			{ say "WARNING: no default route via $gw ($1)"; ok=; }
	done < "$1"
	[ -n "$ok" ]
}
: >/run/timegate/network.applied   # (the console compares the site's file with it)
if [ -n "$fw" ]; then
	if [ -f "$site_net" ] && ! net_up "$site_net"; then
		say "WARNING: $site_net refused; using the image's addresses"
		while read -r ifname rest; do
			case $ifname in ''|'#'*) continue ;; esac
			ip addr flush dev "$ifname"
		done < "$site_net"
		site_net=
		: >/run/timegate/network.applied
	fi
	net_up /etc/timegate/network image
fi

say "early boot done"
