#!/usr/bin/env bash
# Installs what is missing and runs every test.
# Usage: scripts/test.sh           the whole suite, debug build
#        scripts/test.sh --tsan    the whole suite under ThreadSanitizer; any race fails the run
#        scripts/test.sh --asan    the whole suite under AddressSanitizer with its leak check: a
#                                  use-after-free, an overflow or any leaked allocation (but for
#                                  those scripts/lsan-suppressions.txt names) fails the run
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh --tests

if [[ "${1:-}" == "--tsan" ]]; then
    # swift test exits 0 on Linux even when TSan reports a race: halt_on_error makes the race
    # kill the test process, and that fails the run.
    export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 ${TSAN_OPTIONS:-}"
    exec swift test --sanitize=thread --scratch-path .build-tsan
fi
if [[ "${1:-}" == "--asan" ]]; then
    export ASAN_OPTIONS="detect_leaks=1 ${ASAN_OPTIONS:-}"
    export LSAN_OPTIONS="suppressions=$PWD/scripts/lsan-suppressions.txt ${LSAN_OPTIONS:-}"
    exec swift test --sanitize=address --scratch-path .build-asan
fi
exec swift test
