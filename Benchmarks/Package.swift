// swift-tools-version:6.1
// swift-ray's benchmarks (ordo-one/benchmark): run with `swift package benchmark` here, or
// `scripts/bench.sh` from the top of the project.
import PackageDescription

let package = Package(
    name: "swift-ray-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "swift-ray", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.0", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "ExecutorBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "SwiftRay", package: "swift-ray"),
                .product(name: "RayTopology", package: "swift-ray"),
            ],
            path: "Benchmarks/ExecutorBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "SchedulingBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "RayScheduling", package: "swift-ray"),
                .product(name: "RayTopology", package: "swift-ray"),
            ],
            path: "Benchmarks/SchedulingBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "RuntimeBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "SwiftRay", package: "swift-ray"),
            ],
            path: "Benchmarks/RuntimeBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
