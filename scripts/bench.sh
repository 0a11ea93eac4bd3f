#!/usr/bin/env bash
# Runs swift-ray's benchmarks (Benchmarks/: executor and scheduler targets, ordo-one/benchmark,
# release build) and prints a
# markdown table per benchmark (compare p50 lines of the same run).
# Usage: scripts/bench.sh [REGEX]     e.g. scripts/bench.sh 'fan-out.*'
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
filter=()
[[ $# -gt 0 ]] && filter=(--filter "$1")
cd Benchmarks
swift package --disable-sandbox benchmark --format markdown --no-progress "${filter[@]}"
