/// Ray's node affinity policy (node_affinity_scheduling_policy.cc): the named node if it exists
/// and could fit the request (the task waits there when it is busy, unless soft with spill on
/// unavailable and busy). Otherwise a soft affinity falls back to DEFAULT and a hard one fails at
/// once with an unschedulable error naming the node. A namespace of pure functions; thread-safe.
enum NodeAffinitySchedulingPolicy {
    static func schedule(
        _ request: SchedulingRequest, affinity: NodeAffinitySchedulingStrategy, pools: [ResourcePool],
        names: ResourceNameTable,
        hybrid: inout HybridSchedulingPolicy, preferredNode: Int?, random: inout some RandomNumberGenerator
    ) -> NodeSelection {
        let node = affinity.nodeID
        let exists = pools.indices.contains(node)
        if exists, request.isFeasible(in: pools[node]) {
            let available = request.isAvailable(in: pools[node])
            if available { return .available(node: node, bundleIndex: nil) }
            if !(affinity.soft && affinity.spillOnUnavailable) { return .busy(node: node) }
        }
        guard affinity.soft else {
            return .unschedulable(exists
                ? .hardAffinityNodeInfeasible(node: node, request: names.resourceSet(for: request.placementResources).description)
                : .hardAffinityNodeMissing(node: node))
        }
        return hybrid.schedule(request, pools: pools, preferredNode: preferredNode, random: &random)
    }
}
