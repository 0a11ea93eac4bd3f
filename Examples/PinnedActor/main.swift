// Pinning an actor to a NUMA domain: its factory runs on that domain's workers (so its state is
// allocated in that domain's memory) and every call runs there. Ray users ask for this
// (ray-project/ray#50030, #33465) and work around it with numactl; here it is one option.
// With `ActorOptions.exclusive(cores:onDomain:)` an actor also gets a PU of its own: a thread
// bound to it alone runs its calls, and the domain's workers move off it while the actor lives.
// Run: swift run -c release PinnedActor   (SWIFTRAY_TOPOLOGY=synthetic:"numa:2 core:2 pu:1" for 2 domains)
import SwiftRay

final class Shard {
    let domain: Int?
    var data: [Double]
    init(domain: Int?, count: Int) {
        self.domain = domain
        data = [Double](repeating: 1, count: count)  // first touch: this domain's memory
    }
    func sum() -> Double { data.reduce(0, +) }
}

let ray = try RayRuntime()
defer { ray.shutdown() }

let shards = try ray.topology.domains.map { domain in
    try ray.actor(ActorOptions.pinned(toDomain: domain.id)) { Shard(domain: ray.runtimeContext.nodeID, count: 1 << 20) }
}
for shard in shards {
    let built = try ray.get(try shard.remote { $0.domain })
    let sum = try ray.get(try shard.remote(Shard.sum))
    print("actor pinned to domain \(shard.nodeID ?? -1): built on domain \(built ?? -1), sum \(sum)")
    guard built == shard.nodeID else { fatalError("the actor was built on another domain") }
}

// Exclusive cores, on every domain that has a PU to lend (all but its lowest).
for domain in ray.topology.domains where domain.pus.count >= 2 {
    let shard = try ray.actor(ActorOptions.exclusive(cores: 1, onDomain: domain.id)) {
        Shard(domain: ray.runtimeContext.nodeID, count: 1 << 10)
    }
    let cpus = try ray.get(try shard.remote { _ in ray.runtimeContext.cpuIDs })
    print("actor with an exclusive core on domain \(domain.id): runs on PU \(cpus) alone")
    guard cpus == [domain.pus.indexes.max() ?? -1] else { fatalError("the actor did not get the domain's highest PU") }
    ray.kill(shard)
}
