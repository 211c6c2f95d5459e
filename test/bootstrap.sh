#!/usr/bin/env bash
# Sets up everything the tests need on a fresh Debian/Ubuntu machine and runs the whole suite:
# Node check, the Debian packages of the test peers, npm dependencies, then typecheck, lint,
# generated-docs freshness, build and the tests with coverage. The README's test command and
# .ci/run both call exactly this script.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\n== %s\n' "$*"; }

need_node_major=20
if ! command -v node >/dev/null 2>&1; then
  echo "Node.js >= ${need_node_major} is required and was not found (Debian 12 ships 18: use NodeSource or nvm)." >&2
  exit 1
fi
node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt "$need_node_major" ]; then
  echo "Node.js >= ${need_node_major} is required; found $(node --version)." >&2
  exit 1
fi

# Test peers are real programs from Debian's packages (mosquitto, socat, cups-ipp-utils, ...),
# listed one per line in test/peers/debian-packages.txt by the part whose tests use them.
peers=$(grep -vE '^\s*(#|$)' test/peers/debian-packages.txt || true)
missing=()
for pkg in $peers; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  say "installing test peers: ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  say "test peers: all present (${peers:-none needed yet})"
fi

say "npm ci"
npm ci --no-audit --no-fund

# npm ci builds it too, but gives up quietly without Cyclone DDS; the tests need it.
say "DDS addon (Cyclone DDS)"
node bridges/ros2/dds/native/build.cjs --required

# The IPP printer lab's avahi-daemon is unpacked from Debian's .deb (never installed as a service):
# fetch it now, while the package lists are fresh, rather than in the middle of the tests.
say "IPP lab (avahi-daemon unpacked, not installed)"
bash test/peers/ipp/setup.sh

say "typecheck"
npm run --silent typecheck
say "lint"
npm run --silent lint
say "generated docs are fresh"
npm run --silent gen:check
say "build"
npm run --silent build
node dist/src/runtime/cli.js --version >/dev/null

say "tests with coverage"
mkdir -p coverage
status=0
npx vitest run --coverage --reporter=default --reporter=json --outputFile.json=coverage/test-results.json || status=$?
node -e '
  const r = JSON.parse(require("fs").readFileSync("coverage/test-results.json", "utf8"));
  const skipped = r.numPendingTests + r.numTodoTests;
  console.log(`vitest: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`);
  if (r.numTotalTests === 0) { console.error("no test ran"); process.exit(1); }
' || status=1
exit "$status"
