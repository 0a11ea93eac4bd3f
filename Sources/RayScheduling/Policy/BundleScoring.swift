/// What Ray's bundle policies share (bundle_scheduling_policy.cc, scorer.cc): the least-resource
/// score of a node for a bundle, the scarcest-first order of bundles, and the best node among
/// candidates. A namespace of pure functions; thread-safe.
enum BundleScoring {
    /// Ray's LeastResourceScorer: -1 when the bundle does not fit the node now; otherwise the sum
    /// over the bundle's resources of (available - requested) / available (a resource with
    /// nothing available adds 0). Higher is emptier.
    static func score(_ bundle: ResourceRequest, on pool: ResourcePool) -> Double {
        guard pool.canAllocate(bundle) else { return -1 }
        var score = 0.0
        for entry in bundle.entries {
            let available = pool.available(of: entry.resource)
            guard available != .zero else { continue }
            score += Double((available - entry.amount).rawValue) / Double(available.rawValue)
        }
        return score
    }

    /// The candidate with the highest score for `bundle` (ties: the lowest node id), or nil when
    /// it fits none.
    static func bestNode(for bundle: ResourceRequest, pools: [ResourcePool], candidates: [Bool]) -> Int? {
        var best: (node: Int, score: Double)?
        for node in pools.indices where candidates[node] {
            let score = score(bundle, on: pools[node])
            guard score >= 0 else { continue }
            if best.map({ score > $0.score }) ?? true { best = (node, score) }
        }
        return best?.node
    }

    /// Ray's SortRequiredResources: bundle indexes with the scarcest demands first — more GPU
    /// first, then more of each custom resource (by name), then more object store memory, more
    /// memory, more CPU; equal bundles keep their order.
    static func scarcestFirst(_ bundles: [ResourceRequest], names: ResourceNameTable) -> [Int] {
        guard bundles.count > 1 else { return Array(bundles.indices) }
        var custom = Set<ResourceID>()
        for bundle in bundles { for entry in bundle.entries where !entry.resource.isPredefined { custom.insert(entry.resource) } }
        let keys: [ResourceID] = [.gpu] + custom.sorted { ResourceSet.byteOrder(names.name(of: $0), names.name(of: $1)) }
            + [.objectStoreMemory, .memory, .cpu]
        return bundles.indices.sorted { a, b in
            for key in keys {
                let x = bundles[a].amount(of: key)
                let y = bundles[b].amount(of: key)
                if x != y { return x > y }
            }
            return a < b
        }
    }

    /// Gives back tentative allocations after a failed attempt.
    static func rollBack(_ placements: [BundlePlacement?], pools: inout [ResourcePool]) {
        for placement in placements {
            if let placement { pools[placement.node].free(placement.allocation) }
        }
    }
}

/// Where one bundle goes and what it took from that node's pool. A plain value; thread-safe.
struct BundlePlacement: Sendable, Hashable {
    let node: Int
    let allocation: ResourceAllocation
}

/// One of Ray's four bundle placement policies. Placing allocates from `pools` and returns the
/// placements in bundle index order; on failure nothing stays allocated and the result is nil.
/// Conformers are namespaces of pure functions; thread-safe.
protocol BundlePlacementPolicy {
    static func place(_ bundles: [ResourceRequest], order: [Int], pools: inout [ResourcePool]) -> [BundlePlacement]?
}

extension PlacementStrategy {
    /// The policy that places groups with this strategy.
    var policy: any BundlePlacementPolicy.Type {
        switch self {
        case .pack: BundlePackPolicy.self
        case .spread: BundleSpreadPolicy.self
        case .strictPack: BundleStrictPackPolicy.self
        case .strictSpread: BundleStrictSpreadPolicy.self
        }
    }
}
