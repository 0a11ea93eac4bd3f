/// A policy's answer for one request, before anything is allocated. A plain value; thread-safe.
public enum NodeSelection: Sendable, Hashable {
    /// It can run now on `node` (inside bundle `bundleIndex` for a placement-group task).
    case available(node: Int, bundleIndex: Int?)
    /// It is feasible but nothing fits now: it waits, for `node` when the policy names one.
    case busy(node: Int?)
    /// Its placement group is not created yet: it waits for it.
    case placementGroupPending(PlacementGroupID)
    /// No node can ever fit it: it waits in the infeasible queue, reported as a demand.
    case infeasible
    /// It fails at once (hard affinity to a missing or infeasible node, a removed group).
    case unschedulable(SchedulingError)
}

/// Why a queued task waits. A plain value; thread-safe.
public enum WaitReason: Sendable, Hashable {
    /// Feasible but busy; `node` is the node it waits for, when the policy named one.
    case busy(node: Int?)
    /// Its placement group is not created yet.
    case placementGroupPending(PlacementGroupID)
}

/// What ``ClusterScheduler/submit(_:_:hints:)`` did with a task. A plain value; thread-safe.
public enum SubmitOutcome: Sendable, Hashable {
    /// Resources are allocated: run it now.
    case scheduled(TaskPlacement)
    /// Queued; ``ClusterScheduler/schedulePending()`` places it when resources free up.
    case waiting(WaitReason)
    /// Queued as infeasible (no node can ever fit it), reported as a pending demand and checked
    /// again when resources appear.
    case infeasible
    /// Not queued: the task fails now with this error (Ray's TaskUnschedulableError).
    case unschedulable(SchedulingError)
}

/// Where a task runs and what it holds: the node (domain), the bundle if any, and the instance ids
/// it may use. A plain value; thread-safe.
public struct TaskPlacement: Sendable, Hashable {
    /// The task placed.
    public let task: TaskID
    /// The node (domain) id.
    public let node: Int
    /// The bundle it runs in, for a placement-group task.
    public let bundle: BundleID?
    /// Exactly what it holds.
    public let allocation: ResourceAllocation

    /// The machine-wide GPU indexes the task sees (its `CUDA_VISIBLE_DEVICES`).
    public var gpuIDs: [Int] { allocation.gpuIDs }
    /// The PUs it is pinned to, when its node pins CPUs.
    public var cpuIDs: [Int] { allocation.cpuIDs }
    /// The PUs it holds exclusively (exclusive cores), ascending; empty otherwise.
    public var exclusivePUs: [Int] { allocation.exclusivePUs }
}

/// A task that fails while queued, and why. A plain value; thread-safe.
public struct FailedTask: Sendable, Hashable {
    /// The task that fails.
    public let task: TaskID
    /// Why (Ray's TaskUnschedulableError carries it).
    public let error: SchedulingError
}

/// What one ``ClusterScheduler/schedulePending()`` pass did. A plain value; thread-safe.
public struct SchedulingUpdate: Sendable, Hashable {
    /// Queued tasks that now hold resources: run them.
    public internal(set) var scheduled: [TaskPlacement] = []
    /// Queued tasks that fail (their placement group was removed, their affinity node is gone).
    public internal(set) var failed: [FailedTask] = []
    /// Placement groups created in this pass (their `ready()` resolves).
    public internal(set) var createdPlacementGroups: [PlacementGroupID] = []

    /// Whether the pass changed nothing.
    public var isEmpty: Bool {
        scheduled.isEmpty && failed.isEmpty && createdPlacementGroups.isEmpty
    }
}

/// What removing a placement group did. A plain value; thread-safe.
public struct PlacementGroupRemoval: Sendable, Hashable {
    /// The group removed.
    public let group: PlacementGroupID
    /// Running tasks and actors of the group; their resources are freed: kill them.
    public let killedTasks: [TaskID]
    /// Queued tasks of the group, dequeued: fail them.
    public let failedQueuedTasks: [TaskID]
}
