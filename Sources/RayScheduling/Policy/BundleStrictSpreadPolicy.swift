/// Ray's STRICT_SPREAD bundle policy: every bundle, scarcest first, on a distinct node, the
/// best-scoring unused one; or the group waits. More bundles than nodes can never be placed.
/// A namespace of pure functions over the pools it is given; thread-safe.
enum BundleStrictSpreadPolicy: BundlePlacementPolicy {
    static func place(_ bundles: [ResourceRequest], order: [Int], pools: inout [ResourcePool]) -> [BundlePlacement]? {
        guard bundles.count <= pools.count else { return nil }
        var result = [BundlePlacement?](repeating: nil, count: bundles.count)
        var unused = [Bool](repeating: true, count: pools.count)
        for index in order {
            guard let node = BundleScoring.bestNode(for: bundles[index], pools: pools, candidates: unused),
                  let allocation = pools[node].allocate(bundles[index])
            else {
                BundleScoring.rollBack(result, pools: &pools)
                return nil
            }
            result[index] = BundlePlacement(node: node, allocation: allocation)
            unused[node] = false
        }
        return result.compactMap { $0 }
    }
}
