/// Ray's SPREAD policy (spread_scheduling_policy.cc): round robin over the nodes in id order from
/// a cursor that persists across decisions; nodes where the request is available now first, then
/// nodes that could fit it (the task waits there). The cursor moves past the node chosen.
///
/// A plain value holding the cursor; not for concurrent use (the scheduler owns one).
struct SpreadSchedulingPolicy: Sendable, Hashable {
    /// Where the next round starts.
    private(set) var nextIndex = 0

    mutating func schedule(_ request: SchedulingRequest, pools: [ResourcePool]) -> NodeSelection {
        let count = pools.count
        guard count > 0 else { return .infeasible }
        for pass in 0..<2 {
            let availableOnly = pass == 0
            var index = nextIndex
            for _ in 0..<count {
                let node = index % count
                index += 1
                guard request.isFeasible(in: pools[node]) else { continue }
                if availableOnly, !request.isAvailable(in: pools[node]) { continue }
                nextIndex = index % count
                return availableOnly ? .available(node: node, bundleIndex: nil) : .busy(node: node)
            }
        }
        return .infeasible
    }
}
