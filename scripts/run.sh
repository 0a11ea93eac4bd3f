#!/usr/bin/env bash
# The main job: installs what is missing, builds swift-ray in release mode, shows the topology
# it discovers (one Ray node per NUMA domain).
# Usage: scripts/run.sh   (SWIFTRAY_TOPOLOGY=xml:FILE or synthetic:DESC shows another machine)
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
swift build -c release --product swiftray
swiftray=.build/release/swiftray

echo "== swiftray topology"
"$swiftray" topology
