#!/bin/sh
# Runs the unpacked avahi-daemon for one IPP lab. test/helpers/ipp-lab.ts starts it as
#   unshare [--user --map-root-user] --net --mount -- avahi-ns.sh LAB_DIR AVAHI_ROOT
# so it lives in its own network namespace (only a loopback interface, left down: it announces
# nothing anywhere) and its own mount namespace, where
#   - /run is a fresh tmpfs: avahi-daemon keeps its pid file and socket in /run/avahi-daemon,
#     which would clash with another lab or a system avahi;
#   - /etc/passwd and /etc/group are LAB_DIR's copies with an "avahi" user and group mapped to
#     uid/gid 0: avahi-daemon refuses to start without that user, and this way none is created on
#     the machine (run as uid 0 of the namespace, it keeps its privileges: --no-drop-root).
# ippeveprinter reaches it over the lab's private D-Bus (a socket file in LAB_DIR, given in
# DBUS_SYSTEM_BUS_ADDRESS). The exec keeps the process id, so the lab stops avahi-daemon by it.
set -eu
lab=$1
root=$2
mount -t tmpfs -o mode=0755 tmpfs /run
mount --bind "$lab/passwd" /etc/passwd
mount --bind "$lab/group" /etc/group
for libdir in "$root"/usr/lib/*-linux-gnu*; do
  LD_LIBRARY_PATH="$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
done
export LD_LIBRARY_PATH
exec "$root/usr/sbin/avahi-daemon" -f "$lab/avahi-daemon.conf" \
  --no-drop-root --no-chroot --no-rlimits --no-proc-title
