#!/usr/bin/env bash
# Prepares what the IPP test lab (test/helpers/ipp-lab.ts) needs besides the Debian packages in
# test/peers/debian-packages.txt, into a cache directory:
#   test/peers/ipp/setup.sh [CACHE_DIR]        (default: test/peers/ipp/.cache, gitignored)
#
#   CACHE_DIR/avahi/            avahi-daemon with libavahi-core and libdaemon, unpacked from the
#                               .deb files (apt-get download + dpkg-deb -x). Installing the
#                               avahi-daemon package instead would enable and start a system-wide
#                               daemon that announces on every interface; unpacked, nothing runs
#                               until the lab starts it, inside its own network namespace.
#   CACHE_DIR/attr-file-wins.so the preload that keeps ippeveprinter from sending attributes twice
#                               when it loads an attribute file (see attr-file-wins.c).
#
# Does nothing when both are there and up to date; safe to run concurrently (it takes a lock).
# apt-get download needs the Debian mirror and current package lists (apt-get update); it works
# without root. Exits with status 3 and says what is missing when it cannot prepare the lab.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${1:-"$here/.cache"}
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)

missing() {
  echo "ipp lab: cannot prepare: $1" >&2
  echo "  On Debian: apt-get install cups-ipp-utils dbus-daemon gcc libc6-dev" >&2
  echo "  (test/bootstrap.sh installs everything listed in test/peers/debian-packages.txt)" >&2
  exit 3
}
[ -x /usr/sbin/ippeveprinter ] || command -v ippeveprinter >/dev/null 2>&1 || missing "ippeveprinter not found (cups-ipp-utils)"
command -v ipptool >/dev/null 2>&1 || missing "ipptool not found (cups-ipp-utils)"
command -v dbus-daemon >/dev/null 2>&1 || missing "dbus-daemon not found (dbus-daemon)"

avahi="$cache/avahi"
shim="$cache/attr-file-wins.so"
if [ -x "$avahi/usr/sbin/avahi-daemon" ] && [ -f "$shim" ] && [ ! "$here/attr-file-wins.c" -nt "$shim" ]; then
  exit 0 # up to date (and no lock needed, so a cache prepared by another user is fine)
fi

exec 9>"$cache/.setup.lock"
flock 9

if [ ! -x "$avahi/usr/sbin/avahi-daemon" ]; then
  command -v apt-get >/dev/null 2>&1 || missing "apt-get not found (the lab unpacks avahi-daemon from Debian's .deb)"
  work=$(mktemp -d "$cache/.download.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  echo "ipp lab: downloading avahi-daemon, libavahi-core7 and libdaemon0 (not installed, only unpacked)"
  download() { (cd "$work" && apt-get download -q avahi-daemon libavahi-core7 libdaemon0 2>"$work/apt.err"); }
  if ! download; then
    # Images often ship without package lists; as root, fetch them once and try again.
    if [ "$(id -u)" -ne 0 ] || ! apt-get update -qq || ! download; then
      cat "$work/apt.err" >&2
      missing "apt-get download failed (run apt-get update first; the Debian mirror must be reachable)"
    fi
  fi
  mkdir -p "$work/root"
  for deb in "$work"/*.deb; do dpkg-deb -x "$deb" "$work/root"; done
  [ -x "$work/root/usr/sbin/avahi-daemon" ] || missing "the avahi-daemon package has no usr/sbin/avahi-daemon"
  rm -rf "$avahi"
  mv "$work/root" "$avahi"
  echo "ipp lab: avahi-daemon unpacked into $avahi"
fi

if [ ! -f "$shim" ] || [ "$here/attr-file-wins.c" -nt "$shim" ]; then
  command -v gcc >/dev/null 2>&1 || missing "gcc not found"
  gcc -shared -fPIC -O2 -Wall -Wextra -o "$shim.tmp" "$here/attr-file-wins.c" -ldl 2>"$cache/.gcc.err" ||
    missing "cannot compile attr-file-wins.c: $(head -c 400 "$cache/.gcc.err") (libc6-dev installed?)"
  mv "$shim.tmp" "$shim"
  rm -f "$cache/.gcc.err"
fi

echo "ipp lab: ready in $cache"
