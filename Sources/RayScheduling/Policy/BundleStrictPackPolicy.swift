/// Ray's STRICT_PACK bundle policy: every bundle on one node, the one with the best least-resource
/// score for the sum of the bundles among the nodes where all bundles fit now; or the group waits.
/// A namespace of pure functions over the pools it is given; thread-safe.
enum BundleStrictPackPolicy: BundlePlacementPolicy {
    static func place(_ bundles: [ResourceRequest], order: [Int], pools: inout [ResourcePool]) -> [BundlePlacement]? {
        let sum = ResourceRequest.sum(bundles)
        var best: (node: Int, score: Double)?
        for node in pools.indices where pools[node].canAllocate(sum) {
            // Instances can make the sum fit where the bundles one by one do not: try them.
            var trial = pools[node]
            guard order.allSatisfy({ trial.allocate(bundles[$0]) != nil }) else { continue }
            let score = BundleScoring.score(sum, on: pools[node])
            if best.map({ score > $0.score }) ?? true { best = (node, score) }
        }
        guard let node = best?.node else { return nil }
        var result = [BundlePlacement?](repeating: nil, count: bundles.count)
        for index in order {
            guard let allocation = pools[node].allocate(bundles[index]) else {
                BundleScoring.rollBack(result, pools: &pools)
                return nil
            }
            result[index] = BundlePlacement(node: node, allocation: allocation)
        }
        return result.compactMap { $0 }
    }
}
