// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "swift-ray",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "SwiftRay", targets: ["SwiftRay"]),
        .library(name: "RayTopology", targets: ["RayTopology"]),
        .library(name: "RayScheduling", targets: ["RayScheduling"]),
        .library(name: "RayMicrobenchmark", targets: ["RayMicrobenchmark"]),
        .executable(name: "swiftray", targets: ["swiftray"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
    ],
    targets: [
        // C libraries, wrapped by RayTopology and by nothing else.
        .systemLibrary(
            name: "CHwloc",
            pkgConfig: "hwloc",
            providers: [.apt(["libhwloc-dev"])]
        ),
        .systemLibrary(
            name: "CNuma",
            pkgConfig: "numa",
            providers: [.apt(["libnuma-dev"])]
        ),
        // Two reference-count entry points of the Swift runtime, for the object store's table.
        .systemLibrary(name: "CSwiftRuntime"),
        // The CPU's cycle counter, for the timestamps of task events.
        .systemLibrary(name: "CCycleCounter"),

        // The machine as values: NUMA domains, CPU sets, GPUs, distances; binding.
        .target(
            name: "RayTopology",
            dependencies: [
                "CHwloc",
                "CNuma",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // Resources, scheduling strategies, queues and placement groups: pure and deterministic.
        .target(name: "RayScheduling", dependencies: ["RayTopology"]),

        // The runtime and the public API.
        .target(
            name: "SwiftRay",
            dependencies: [
                "RayTopology",
                "RayScheduling",
                "CSwiftRuntime",
                "CCycleCounter",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),

        // `ray microbenchmark`'s lines on swift-ray: the timing loop and the benchmarks.
        .target(name: "RayMicrobenchmark", dependencies: ["SwiftRay", "RayTopology"]),

        // The command-line tool.
        .executableTarget(
            name: "swiftray",
            dependencies: [
                "RayTopology",
                "RayMicrobenchmark",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // Runnable examples (the seeds' examples); CI runs each.
        .executableTarget(name: "HelloWorld", dependencies: ["SwiftRay"], path: "Examples/HelloWorld"),
        .executableTarget(name: "TaskDAG", dependencies: ["SwiftRay"], path: "Examples/TaskDAG"),
        .executableTarget(name: "CounterActor", dependencies: ["SwiftRay"], path: "Examples/CounterActor"),
        .executableTarget(name: "MessageActor", dependencies: ["SwiftRay"], path: "Examples/MessageActor"),
        .executableTarget(name: "PlacementGroups", dependencies: ["SwiftRay"], path: "Examples/PlacementGroups"),
        .executableTarget(name: "PinnedActor", dependencies: ["SwiftRay"], path: "Examples/PinnedActor"),

        .testTarget(
            name: "RayTopologyTests",
            dependencies: ["RayTopology"],
            resources: [.copy("Resources")]
        ),
        .testTarget(
            name: "RaySchedulingTests",
            dependencies: ["RayScheduling", "RayTopology"]
        ),
        .testTarget(
            name: "SwiftRayTests",
            dependencies: [
                "SwiftRay", "RayTopology", "RayScheduling",
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ]
        ),
        // Runs the built swiftray binary end to end.
        .testTarget(
            name: "swiftrayTests",
            dependencies: ["swiftray"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
