/// The scheduler's knobs, with Ray's defaults. A plain value; thread-safe.
public struct SchedulerOptions: Sendable, Hashable {
    /// DEFAULT scores a node 0 below this critical utilization (Ray's `scheduler_spread_threshold`).
    public var spreadThreshold: Double
    /// DEFAULT draws among the best `max(topKAbsolute, topKFraction x nodes)` nodes
    /// (Ray's `scheduler_top_k_fraction`).
    public var topKFraction: Double
    /// Ray's `scheduler_top_k_absolute`.
    public var topKAbsolute: Int
    /// Whether requests without GPU try nodes without GPUs first (Ray's `scheduler_avoid_gpu_nodes`).
    public var avoidGPUNodes: Bool
    /// How many removed placement groups the table remembers.
    public var removedPlacementGroupsKept: Int
    /// Whether every mutating operation ends by checking the books (``ClusterScheduler/auditBooks()``)
    /// and keeps what it finds in ``ClusterScheduler/discrepanciesFound``. Slow: for tests.
    public var checkBooksAfterEveryOperation: Bool

    /// Options with Ray's defaults unless given.
    public init(
        spreadThreshold: Double = 0.5, topKFraction: Double = 0.2, topKAbsolute: Int = 1,
        avoidGPUNodes: Bool = true, removedPlacementGroupsKept: Int = 1000,
        checkBooksAfterEveryOperation: Bool = false
    ) {
        self.spreadThreshold = spreadThreshold
        self.topKFraction = topKFraction
        self.topKAbsolute = topKAbsolute
        self.avoidGPUNodes = avoidGPUNodes
        self.removedPlacementGroupsKept = removedPlacementGroupsKept
        self.checkBooksAfterEveryOperation = checkBooksAfterEveryOperation
    }
}
