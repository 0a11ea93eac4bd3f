#!/usr/bin/env bash
# The main job: installs what is missing, builds swift-ray in release mode, shows the topology
# it discovers (one Ray node per NUMA domain), then runs `ray microbenchmark`'s lines in this
# process in the short mode (about a minute).
# Usage: scripts/run.sh   (SWIFTRAY_TOPOLOGY=xml:FILE or synthetic:DESC shows another machine)
#        scripts/run.sh --full   (Ray's own timing: 1 s warm-up, 4 trials of 2 s per line)
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
swift build -c release --product swiftray
swiftray=.build/release/swiftray

echo "== swiftray topology"
"$swiftray" topology

echo "== swiftray microbenchmark${1:+ $1}"
if [ "${1:-}" = "--full" ]; then
    "$swiftray" microbenchmark
else
    "$swiftray" microbenchmark --quick
fi
