// The seeds' placement groups: PACK keeps bundles together, STRICT_SPREAD puts each on its own
// domain (or stays pending, reported as a demand, when there are fewer domains than bundles).
// Run: swift run -c release PlacementGroups   (SWIFTRAY_TOPOLOGY=synthetic:"numa:4 core:2 pu:1" for 4 domains)
import SwiftRay

let ray = try RayRuntime()
defer { ray.shutdown() }
let domains = ray.topology.domains.count

let packed = try ray.placementGroup([["CPU": 1], ["CPU": 1]], strategy: .pack, name: "packed")
print("PACK ready:", try ray.get(packed.ready(), timeout: 10), "bundles on domains", packed.info?.bundleNodes.compactMap { $0 } ?? [])

let spread = try ray.placementGroup(Array(repeating: ["CPU": 1], count: 2), strategy: .strictSpread)
if try spread.wait(timeout: 1) {
    print("STRICT_SPREAD bundles on domains", spread.info?.bundleNodes.compactMap { $0 } ?? [])
    let whereAmI = try ray.remote(TaskOptions(numCPUs: 1, schedulingStrategy: spread.strategy(bundleIndex: 1))) {
        ray.runtimeContext.nodeID ?? -1
    }
    print("a task in bundle 1 ran on domain", try ray.get(try whereAmI.remote()))
} else {
    print("STRICT_SPREAD of 2 bundles stays pending on \(domains) domain(s):")
}
print(ray.status())
try ray.removePlacementGroup(spread)
try ray.removePlacementGroup(packed)
