#!/usr/bin/env bash
# Packs swift-ray for a Linux x86-64 machine that has no Swift toolchain (a lent many-core or
# GPU machine): the release `swiftray` and `ExecutorBenchmarks`, the debug test bundle and its
# ThreadSanitizer build, and the Swift runtime, hwloc and libnuma libraries they load. The
# target's own glibc and libstdc++ are used, so its glibc must be at least as new as this one's.
#
# Usage: scripts/portable-bundle.sh [OUT]        (default .build-bundle/swift-ray-bundle.tar.xz)
# On the target, from a checkout of the same commit (the tests read their resources there):
#   mkdir b && tar -xJf swift-ray-bundle.tar.xz -C b
#   b/run.sh swiftray topology                   # or: microbenchmark --quick, ...
#   b/run.sh ExecutorBenchmarks --filter '.*even load.*'    # ordo-one's debug mode: histograms
#   b/run.sh tests [--tsan] [--filter PATTERN]   # the whole suite (swift-testing)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-.build-bundle/swift-ray-bundle.tar.xz}

scripts/install-deps.sh --tests
swift build -c release --product swiftray
swift build --build-tests
swift build --build-tests --sanitize=thread --scratch-path .build-tsan
(cd Benchmarks && swift build -c release --product ExecutorBenchmarks)

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/bin/release" "$stage/bin/debug" "$stage/bin/tsan" "$stage/bin/tools" "$stage/lib"
cp .build/release/swiftray Benchmarks/.build/release/ExecutorBenchmarks "$stage/bin/release/"
cp "$(command -v hwloc-calc)" "$stage/bin/tools/"  # the tests' reference for topology discovery
for build in debug tsan; do
    dir=.build/debug
    [ "$build" = tsan ] && dir=.build-tsan/debug
    # The tests run `swiftray` from beside the test bundle, and load resource bundles from there.
    cp "$dir/swift-rayPackageTests.xctest" "$dir/swiftray" "$stage/bin/$build/"
    cp -r "$dir"/*.resources "$stage/bin/$build/"
done
# Every library the binaries load but the C and C++ runtimes, which the target brings.
for binary in "$stage"/bin/*/swiftray "$stage"/bin/*/*.xctest "$stage"/bin/release/ExecutorBenchmarks "$stage"/bin/tools/*; do
    ldd "$binary" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }'
done | sort -u | grep -v -E '/(libc|libm|libstdc\+\+|libgcc_s|libpthread|libdl|librt)\.so' \
    | while read -r library; do cp -L "$library" "$stage/lib/"; done
# Found beside the benchmarks' build, where the staged copy's $ORIGIN run path no longer points.
cp Benchmarks/.build/release/libMallocInterposerSwift.so "$stage/lib/"
strip "$stage"/bin/release/* "$stage"/lib/*.so* 2>/dev/null || true

cat > "$stage/run.sh" <<RUN
#!/usr/bin/env bash
# Runs one of the bundled programs with the bundled libraries (see scripts/portable-bundle.sh).
set -euo pipefail
here=\$(cd "\$(dirname "\$0")" && pwd)
export LD_LIBRARY_PATH="\$here/lib\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}"
export PATH="\$PATH:\$here/bin/tools"
program=\${1:?usage: run.sh swiftray|ExecutorBenchmarks|tests [arguments]}; shift
case "\$program" in
    swiftray|ExecutorBenchmarks) exec "\$here/bin/release/\$program" "\$@" ;;
    tests)
        # The tests find their resources by the source path they were built from.
        built_at="$PWD"
        if [ ! -e "\$built_at" ]; then
            mkdir -p "\$(dirname "\$built_at")" && ln -s "\$(pwd -P)" "\$built_at"
        elif [ "\$(cd "\$built_at" && pwd -P)" != "\$(pwd -P)" ]; then
            echo "run.sh tests: run it from the checkout; \$built_at (where the tests were built) is another directory" >&2
            exit 2
        fi
        build=debug
        if [ "\${1:-}" = --tsan ]; then
            shift; build=tsan
            export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 \${TSAN_OPTIONS:-}"
        fi
        cd "\$built_at" && exec "\$here/bin/\$build/swift-rayPackageTests.xctest" --testing-library swift-testing "\$@" ;;
    *) echo "unknown program: \$program (swiftray, ExecutorBenchmarks or tests)" >&2; exit 2 ;;
esac
RUN
chmod +x "$stage/run.sh"
mkdir -p "$(dirname "$out")"
tar -C "$stage" -cf - . | xz -6 -T0 > "$out"
echo "$out: $(du -h "$out" | cut -f1) (built at $PWD, commit $(git rev-parse --short HEAD))"
