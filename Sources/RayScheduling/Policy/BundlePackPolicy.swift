/// Ray's PACK bundle policy: take the scarcest bundle not yet placed, put it on the candidate node
/// with the best least-resource score (the emptiest), then put every other remaining bundle that
/// still fits there too; that node is then used up, and the next remaining bundle picks the next
/// node. Fails (nothing kept) when a bundle fits no remaining node.
/// A namespace of pure functions over the pools it is given; thread-safe.
enum BundlePackPolicy: BundlePlacementPolicy {
    static func place(_ bundles: [ResourceRequest], order: [Int], pools: inout [ResourcePool]) -> [BundlePlacement]? {
        var result = [BundlePlacement?](repeating: nil, count: bundles.count)
        var candidates = [Bool](repeating: true, count: pools.count)
        var remaining = order
        while let first = remaining.first {
            guard let node = BundleScoring.bestNode(for: bundles[first], pools: pools, candidates: candidates),
                  let allocation = pools[node].allocate(bundles[first])
            else { break }
            result[first] = BundlePlacement(node: node, allocation: allocation)
            remaining.removeFirst()
            var stillRemaining: [Int] = []
            for index in remaining {
                if let allocation = pools[node].allocate(bundles[index]) {
                    result[index] = BundlePlacement(node: node, allocation: allocation)
                } else {
                    stillRemaining.append(index)
                }
            }
            remaining = stillRemaining
            candidates[node] = false
        }
        guard remaining.isEmpty else {
            BundleScoring.rollBack(result, pools: &pools)
            return nil
        }
        return result.compactMap { $0 }
    }
}
