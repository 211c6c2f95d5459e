#!/usr/bin/env bash
# Builds the Cyclone DDS test peer (test/peers/cyclone/peer) into a directory:
#   test/peers/cyclone/build.sh [OUT_DIR]        (default: test/peers/cyclone/build, gitignored)
# Runs idlc on every IDL file into OUT_DIR, then compiles OUT_DIR/peer against libddsc. Does nothing
# when OUT_DIR/peer is newer than all its sources. Safe to run concurrently (it takes a lock).
# Needs the Debian packages cyclonedds-tools (idlc), cyclonedds-dev + libddsc0debian and gcc; exits
# with status 3 and says what is missing otherwise.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out=${1:-"$here/build"}
mkdir -p "$out"
out=$(cd "$out" && pwd)

missing() {
  echo "cyclone peers: cannot build: $1" >&2
  echo "  On Debian: apt-get install cyclonedds-dev cyclonedds-tools libddsc0debian gcc" >&2
  echo "  (test/bootstrap.sh installs everything listed in test/peers/debian-packages.txt)" >&2
  exit 3
}
command -v idlc >/dev/null 2>&1 || missing "idlc not found"
command -v gcc >/dev/null 2>&1 || missing "gcc not found"
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
printf '#include <dds/dds.h>\nint main(void) { return dds_create_participant(DDS_DOMAIN_DEFAULT, NULL, NULL) < 0; }\n' \
  >"$probe/probe.c"
gcc -fsyntax-only "$probe/probe.c" 2>"$probe/err" || missing "the libddsc headers (dds/dds.h) are missing: $(head -c 300 "$probe/err")"
gcc -o "$probe/probe" "$probe/probe.c" -lddsc 2>"$probe/err" || missing "libddsc cannot be linked: $(head -c 300 "$probe/err")"

exec 9>"$out/.build.lock"
flock 9

sources=("$here/peer.c" "$here"/idl/*.idl "$here/build.sh")
if [ -x "$out/peer" ] && [ -z "$(find "${sources[@]}" -newer "$out/peer" 2>/dev/null)" ]; then
  echo "cyclone peers: $out/peer is up to date"
  exit 0
fi

for idl in "$here"/idl/*.idl; do
  idlc -I "$here/idl" -o "$out" "$idl"
done
generated=()
for idl in "$here"/idl/*.idl; do
  generated+=("$out/$(basename "$idl" .idl).c")
done
gcc -O2 -Wall -Werror -I "$out" -o "$out/peer.tmp.$$" "$here/peer.c" "${generated[@]}" -lddsc -lm
mv -f "$out/peer.tmp.$$" "$out/peer"
echo "cyclone peers: built $out/peer"
