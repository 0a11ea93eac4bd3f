#!/usr/bin/env bash
# Builds and runs every program in Examples/ (each exits non-zero when its result is wrong), on
# this machine and on a virtual 4-domain machine.
# Usage: scripts/examples.sh
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
examples=(HelloWorld TaskDAG CounterActor MessageActor PlacementGroups PinnedActor)
for example in "${examples[@]}"; do swift build -c release --product "$example"; done
for topology in machine "synthetic:numa:4 core:2 pu:1"; do
    for example in "${examples[@]}"; do
        echo "== $example (SWIFTRAY_TOPOLOGY=$topology)"
        SWIFTRAY_TOPOLOGY="$topology" timeout 120 ".build/release/$example"
    done
done
