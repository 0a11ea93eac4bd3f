/// Ray's DEFAULT policy (hybrid_scheduling_policy.cc). Each feasible node is scored by its
/// critical utilization (the largest `1 - available/total` over CPU, memory and object store
/// memory); scores below the spread threshold count as 0, so nodes are packed up to the threshold
/// and then spread. Nodes where the request is available now beat nodes that could only fit it.
/// Nodes are ranked by (score, node id); the preferred node wins when its score is no worse than
/// the best; otherwise one of the best k = max(top-k absolute, top-k fraction x node count) is
/// drawn at random. Requests without GPU try the nodes without GPUs first.
///
/// A plain value holding reusable scratch buffers, so a decision allocates nothing once warm;
/// not for concurrent use (the scheduler owns one).
struct HybridSchedulingPolicy: Sendable {
    /// Scores below this count as 0 (Ray's `scheduler_spread_threshold`, 0.5).
    var spreadThreshold: Double
    /// Ray's `scheduler_top_k_fraction` (0.2).
    var topKFraction: Double
    /// Ray's `scheduler_top_k_absolute` (1).
    var topKAbsolute: Int
    /// Ray's `scheduler_avoid_gpu_nodes` (true).
    var avoidGPUNodes: Bool

    private var availableScratch: [ScoredNode] = []
    private var busyScratch: [ScoredNode] = []

    init(spreadThreshold: Double, topKFraction: Double, topKAbsolute: Int, avoidGPUNodes: Bool) {
        self.spreadThreshold = spreadThreshold
        self.topKFraction = topKFraction
        self.topKAbsolute = topKAbsolute
        self.avoidGPUNodes = avoidGPUNodes
    }

    /// A node and its score.
    /// A plain value; thread-safe.
    struct ScoredNode: Sendable {
        var score: Double
        var node: Int

        func ranks(before other: ScoredNode) -> Bool { (score, node) < (other.score, other.node) }
    }

    /// Which nodes a pass may use. A plain value; thread-safe.
    enum NodeFilter { case any, withoutGPU }

    /// Picks a node for `request`: available now, else feasible (busy), else infeasible.
    mutating func schedule(
        _ request: SchedulingRequest, pools: [ResourcePool], preferredNode: Int?,
        random: inout some RandomNumberGenerator
    ) -> NodeSelection {
        if avoidGPUNodes, !request.requestsGPU {
            let first = schedule(request, pools: pools, filter: .withoutGPU, requireAvailable: true,
                                 preferredNode: preferredNode, random: &random)
            if case .available = first { return first }
        }
        return schedule(request, pools: pools, filter: .any, requireAvailable: false,
                        preferredNode: preferredNode, random: &random)
    }

    /// The node's score: its critical utilization, or 0 below the spread threshold.
    func score(_ pool: ResourcePool) -> Double {
        let utilization = pool.criticalUtilization
        return utilization < spreadThreshold ? 0 : utilization
    }

    /// How many of the best nodes the random draw is among.
    func candidateCount(nodeCount: Int) -> Int {
        let fraction = topKFraction.isFinite ? min(max(topKFraction, 0), 1) : 0
        return max(topKAbsolute, Int(Double(nodeCount) * fraction), 1)
    }

    private mutating func schedule(
        _ request: SchedulingRequest, pools: [ResourcePool], filter: NodeFilter, requireAvailable: Bool,
        preferredNode: Int?, random: inout some RandomNumberGenerator
    ) -> NodeSelection {
        let k = candidateCount(nodeCount: pools.count)
        var available = availableScratch
        var busy = busyScratch
        available.removeAll(keepingCapacity: true)
        busy.removeAll(keepingCapacity: true)
        defer {
            availableScratch = available
            busyScratch = busy
        }
        var bestAvailable: ScoredNode?
        var bestBusy: ScoredNode?
        var preferredScore: Double?
        var preferredIsAvailable = false
        for node in pools.indices {
            let pool = pools[node]
            if filter == .withoutGPU, pool.hasGPU { continue }
            guard request.isFeasible(in: pool) else { continue }
            let scored = ScoredNode(score: score(pool), node: node)
            let isAvailable = request.isAvailable(in: pool)
            if node == preferredNode {
                preferredScore = scored.score
                preferredIsAvailable = isAvailable
            }
            if isAvailable {
                if bestAvailable.map({ scored.ranks(before: $0) }) ?? true { bestAvailable = scored }
                if k > 1 { available.append(scored) }
            } else {
                if bestBusy.map({ scored.ranks(before: $0) }) ?? true { bestBusy = scored }
                if k > 1 { busy.append(scored) }
            }
        }
        if let best = bestAvailable {
            if preferredIsAvailable, let node = preferredNode, let score = preferredScore, score <= best.score {
                return .available(node: node, bundleIndex: nil)
            }
            return .available(node: pick(best, among: &available, k: k, random: &random), bundleIndex: nil)
        }
        guard !requireAvailable, let best = bestBusy else { return requireAvailable ? .busy(node: nil) : .infeasible }
        if let node = preferredNode, let score = preferredScore, score <= best.score {
            return .busy(node: node)
        }
        return .busy(node: pick(best, among: &busy, k: k, random: &random))
    }

    /// The best node when k is 1, else one of the best k at random.
    private func pick(
        _ best: ScoredNode, among candidates: inout [ScoredNode], k: Int, random: inout some RandomNumberGenerator
    ) -> Int {
        guard k > 1, candidates.count > 1 else { return best.node }
        candidates.sort { $0.ranks(before: $1) }
        return candidates[random.index(below: min(k, candidates.count))].node
    }
}
