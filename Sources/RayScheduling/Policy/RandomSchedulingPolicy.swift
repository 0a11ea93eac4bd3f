/// Ray's random policy, used for actors that ask for no resources with DEFAULT strategy: a node
/// drawn at random among those where the request is available, so such actors spread. A namespace
/// of pure functions; thread-safe.
enum RandomSchedulingPolicy {
    static func schedule(
        _ request: SchedulingRequest, pools: [ResourcePool], random: inout some RandomNumberGenerator
    ) -> NodeSelection {
        var count = 0
        for pool in pools where request.isAvailable(in: pool) { count += 1 }
        guard count > 0 else { return pools.isEmpty ? .infeasible : .busy(node: nil) }
        var draw = random.index(below: count)
        for node in pools.indices where request.isAvailable(in: pools[node]) {
            if draw == 0 { return .available(node: node, bundleIndex: nil) }
            draw -= 1
        }
        return .busy(node: nil)
    }
}
