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

# interfaces by role (board.conf), addresses from /etc/timegate/network
[ -n "$fw" ] && while read -r ifname addr gw; do
	case $ifname in ''|'#'*) continue ;; esac
	ip link set "$ifname" up && ip addr add "$addr" dev "$ifname" ||
		{ say "WARNING: cannot configure $ifname"; continue; }
	[ "$gw" = - ] || ip route add default via "$gw" dev "$ifname" ||
		say "WARNING: no default route via $gw"
done < /etc/timegate/network

say "early boot done"
