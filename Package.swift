// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "swift-ray",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "SwiftRay", targets: ["SwiftRay"]),
        .library(name: "RayTopology", targets: ["RayTopology"]),
        .library(name: "RayScheduling", targets: ["RayScheduling"]),
        .executable(name: "swiftray", targets: ["swiftray"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
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
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // The command-line tool.
        .executableTarget(
            name: "swiftray",
            dependencies: [
                "RayTopology",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

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
            dependencies: ["SwiftRay", "RayTopology"]
        ),
        // Runs the built swiftray binary end to end.
        .testTarget(
            name: "swiftrayTests",
            dependencies: ["swiftray"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
