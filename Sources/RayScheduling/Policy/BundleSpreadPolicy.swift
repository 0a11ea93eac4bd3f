/// Ray's SPREAD bundle policy: each bundle, scarcest first, goes to the best-scoring node not used
/// by the group yet; when none fits, to the best-scoring node already used. Fails (nothing kept)
/// when a bundle fits neither.
/// A namespace of pure functions over the pools it is given; thread-safe.
enum BundleSpreadPolicy: BundlePlacementPolicy {
    static func place(_ bundles: [ResourceRequest], order: [Int], pools: inout [ResourcePool]) -> [BundlePlacement]? {
        var result = [BundlePlacement?](repeating: nil, count: bundles.count)
        var unused = [Bool](repeating: true, count: pools.count)
        var used = [Bool](repeating: false, count: pools.count)
        for index in order {
            let node = BundleScoring.bestNode(for: bundles[index], pools: pools, candidates: unused)
                ?? BundleScoring.bestNode(for: bundles[index], pools: pools, candidates: used)
            guard let node, let allocation = pools[node].allocate(bundles[index]) else {
                BundleScoring.rollBack(result, pools: &pools)
                return nil
            }
            result[index] = BundlePlacement(node: node, allocation: allocation)
            unused[node] = false
            used[node] = true
        }
        return result.compactMap { $0 }
    }
}
