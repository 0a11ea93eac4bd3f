import SwiftRay

/// The placement-group line of `ray microbenchmark`: 100 one-bundle groups of `custom: 0.001`
/// created, waited for one by one, then removed (Ray runs it on `ray.init(resources={"custom":
/// 100})`; the suite's runtime declares the same resource). Thread-safe (values only).
enum PlacementGroupBenchmarks {
    static var all: [Microbenchmark] {
        [
            Microbenchmark("placement group create/removal", multiplier: 100) { ray in
                {
                    let groups = try (0..<100).map { _ in try ray.placementGroup([["custom": 0.001]]) }
                    for group in groups { _ = try group.wait(timeout: 30) }
                    for group in groups { try ray.removePlacementGroup(group) }
                }
            },
        ]
    }
}
