import RayTopology

/// The scheduler of one process: Ray's resource accounting, scheduling strategies, queues and
/// placement groups over one logical node per NUMA domain. It decides which node (domain) runs
/// each task or actor and what it holds there; the runtime runs it.
///
/// Pure and deterministic: no threads, clocks or locks; randomness only from the injected
/// generator. A value: thread-safe as any value, but the runtime must keep one instance and
/// mutate it under its own lock. Every operation keeps the books exact (``auditBooks()``).
///
/// The runtime's loop: ``submit(_:_:hints:)`` each task (run it at once when scheduled);
/// ``release(_:)`` when it ends; then ``schedulePending()`` and run what it scheduled or
/// created. A task blocked in get/wait calls ``releaseForBlockedWait(_:)`` and, when it resumes,
/// ``reacquireAfterWait(_:)``.
public struct ClusterScheduler: Sendable {
    /// The books: nodes, what running tasks hold, bundle reservations.
    public internal(set) var resources: ClusterResources
    /// The knobs the scheduler was built with.
    public let options: SchedulerOptions
    var random: any RandomNumberGenerator & Sendable
    var hybrid: HybridSchedulingPolicy
    var spread = SpreadSchedulingPolicy()
    var queues = SchedulingQueues()
    var groups: PlacementGroupTable
    /// Bumped whenever resources are given back or appear: waiting work is retried only then.
    var freeEpoch: UInt64 = 0
    /// Bumped whenever what the cluster could ever offer changes: infeasible work is checked again.
    var totalsEpoch: UInt64 = 0
    /// With ``SchedulerOptions/checkBooksAfterEveryOperation``: every discrepancy found, each
    /// named after the operation that left it.
    public private(set) var discrepanciesFound: [BooksDiscrepancy] = []

    /// A scheduler over `resources`. `random` drives DEFAULT's top-k draw and the placement of
    /// zero-resource actors; seed it for reproducible decisions.
    public init(
        resources: ClusterResources, options: SchedulerOptions = SchedulerOptions(),
        random: some RandomNumberGenerator & Sendable
    ) {
        self.resources = resources
        self.options = options
        self.random = random
        hybrid = HybridSchedulingPolicy(
            spreadThreshold: options.spreadThreshold, topKFraction: options.topKFraction,
            topKAbsolute: options.topKAbsolute, avoidGPUNodes: options.avoidGPUNodes)
        groups = PlacementGroupTable(removedKept: options.removedPlacementGroupsKept)
    }

    /// A scheduler with one node per domain of `topology` (see
    /// ``ClusterResources/init(topology:allNodes:perNode:)``).
    public init(
        topology: Topology, allNodes: NodeOverrides = NodeOverrides(), perNode: [Int: NodeOverrides] = [:],
        options: SchedulerOptions = SchedulerOptions(), random: some RandomNumberGenerator & Sendable
    ) throws(SchedulingError) {
        self.init(
            resources: try ClusterResources(topology: topology, allNodes: allNodes, perNode: perNode),
            options: options, random: random)
    }

    /// The interned form of `resources`, for ``SchedulingRequest``s (interns new custom names).
    public mutating func resourceRequest(for resources: ResourceSet) -> ResourceRequest {
        self.resources.request(for: resources)
    }

    /// Adds a node; infeasible work and groups are checked again at the next
    /// ``schedulePending()``. Returns the new node's id.
    public mutating func addNode(_ spec: NodeSpec) throws(SchedulingError) -> Int {
        defer { checkBooksIfAsked(after: "addNode") }
        let id = try resources.addNode(spec)
        freeEpoch += 1
        totalsEpoch += 1
        return id
    }

    /// The node for `request` by its strategy, without allocating or queueing anything. It does
    /// consume randomness and move the SPREAD cursor, as a real decision does.
    public mutating func selectNode(
        for request: SchedulingRequest, hints: SchedulingHints = SchedulingHints()
    ) throws(SchedulingError) -> NodeSelection {
        try validate(request)
        return choose(request, hints: hints)
    }

    /// Submits a task (or an actor creation). Returns `.scheduled` with what it holds when it can
    /// run now; otherwise it is queued (`.waiting` or `.infeasible`) or fails now
    /// (`.unschedulable`). Tasks of a class that already has queued tasks queue behind them.
    ///
    /// Throws for a task id already queued or running, hard affinity with spill on unavailable,
    /// an unknown placement group, a bundle index that is neither -1 nor in range, or a request
    /// larger than the bundle(s) it names.
    public mutating func submit(
        _ task: TaskID, _ request: SchedulingRequest, hints: SchedulingHints = SchedulingHints()
    ) throws(SchedulingError) -> SubmitOutcome {
        defer { checkBooksIfAsked(after: "submit") }
        guard resources.tasks[task] == nil, queues.count == 0 || !queues.contains(task) else {
            throw .duplicateTask(task)
        }
        try validate(request)
        if queues.count > 0, let slot = queues.slot(of: request), let queue = queues[slot] {
            queues.enqueue(.init(id: task, hints: hints), request: request)
            return queue.isInfeasible ? .infeasible : .waiting(queue.waitReason)
        }
        let selection = choose(request, hints: hints)
        if case let .available(node, bundleIndex) = selection,
           let placement = place(task, request, node: node, bundleIndex: bundleIndex)
        {
            return .scheduled(placement)
        }
        return enqueue(.init(id: task, hints: hints), request, after: selection)
    }

    /// Gives back everything a running task holds (it ended). Returns false when the task holds
    /// nothing, e.g. it was already freed by removing its placement group.
    @discardableResult
    public mutating func release(_ task: TaskID) -> Bool {
        defer { checkBooksIfAsked(after: "release") }
        guard resources.release(task) else { return false }
        freeEpoch += 1
        return true
    }

    /// Drops a queued task (Ray's `cancel` of a pending task). Returns false when it is not queued.
    @discardableResult
    public mutating func cancel(_ task: TaskID) -> Bool {
        defer { checkBooksIfAsked(after: "cancel") }
        return queues.remove(task)
    }

    /// Where a running task runs and what it holds.
    public func placement(of task: TaskID) -> TaskPlacement? {
        guard let holding = resources.tasks[task] else { return nil }
        return TaskPlacement(task: task, node: holding.node, bundle: holding.bundle, allocation: holding.held)
    }

    /// What a running task holds, by name (Ray's `get_assigned_resources`).
    public func assignedResources(of task: TaskID) -> ResourceSet? {
        guard let held = resources.tasks[task]?.held else { return nil }
        return resources.names.resourceSet(
            for: held.amounts.filtered(keeping: .bundle, only: false).filtered(keeping: .exclusiveCPU, only: false))
    }

    /// Whether a task is queued (waiting or infeasible).
    public func isQueued(_ task: TaskID) -> Bool { queues.contains(task) }

    /// How many tasks are queued.
    public var queuedTaskCount: Int { queues.count }

    /// Checks the books (see ``ClusterResources/auditBooks()``) and that no task is both queued
    /// and running. Returns every discrepancy; none when the books are exact.
    public func auditBooks() -> [BooksDiscrepancy] {
        var problems = resources.auditBooks()
        for task in resources.tasks.keys where queues.contains(task) {
            problems.append(.init(place: "\(task)", resource: "-", detail: "both queued and running"))
        }
        return problems
    }

    /// Audits the books when the options ask for it, keeping what it finds.
    mutating func checkBooksIfAsked(after operation: String) {
        guard options.checkBooksAfterEveryOperation else { return }
        for problem in auditBooks() {
            discrepanciesFound.append(BooksDiscrepancy(
                place: problem.place, resource: problem.resource, detail: "after \(operation): \(problem.detail)"))
        }
    }
}
