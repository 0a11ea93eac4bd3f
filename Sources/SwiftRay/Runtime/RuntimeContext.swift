/// What a running task knows about itself (Ray's `ray.get_runtime_context()`): its id and name,
/// the node (domain) it runs on, what it holds (`get_assigned_resources`), its GPU ids and
/// placement group. Outside a task (the driver) the task fields are nil and the node is the
/// calling worker's domain, or nil on a thread that is not a worker. A snapshot: a plain value;
/// thread-safe.
public struct RuntimeContext: Sendable, Hashable {
    /// The running task's id; nil on the driver.
    public let taskID: TaskID?
    /// The running task's name; nil on the driver.
    public let taskName: String?
    /// The attempt of the running task (1 for the first run).
    public let attempt: Int
    /// The node (NUMA domain) the calling thread runs on.
    public let nodeID: Int?
    /// What the running task holds, by resource name (renamed group resources appear as such).
    public let assignedResources: ResourceSet
    /// The machine-wide GPU indexes the task may use (its `CUDA_VISIBLE_DEVICES`).
    public let gpuIDs: [Int]
    /// The PUs the task is pinned to: when its node pins CPUs, or for an actor with exclusive
    /// cores, the PUs it holds alone.
    public let cpuIDs: [Int]
    /// The placement group the task runs in.
    public let placementGroup: PlacementGroupID?
    /// The bundle index it runs in, inside a placement group.
    public let bundleIndex: Int?
    /// The actor whose call is running, if any (its id: the id of its creation).
    public var actorID: TaskID? = nil
    /// That actor's name (class and id).
    public var actorName: String? = nil
}

extension RayRuntime {
    /// The calling thread's context: the innermost task this runtime runs on it, if any.
    public var runtimeContext: RuntimeContext {
        guard let frame = TaskFrames.innermost(of: ObjectIdentifier(store)) else {
            return RuntimeContext(
                taskID: nil, taskName: nil, attempt: 0, nodeID: executor.currentDomain, assignedResources: ResourceSet(),
                gpuIDs: [], cpuIDs: [], placementGroup: nil, bundleIndex: nil)
        }
        if let actor = frame.actor {
            let placement = actor.state.withLock { $0.placement }
            let held = dispatcher.withScheduler { $0.assignedResources(of: actor.id) } ?? ResourceSet()
            var context = RuntimeContext(
                taskID: frame.task.taskID, taskName: frame.task.name, attempt: frame.task.attempt, nodeID: placement?.node,
                assignedResources: held, gpuIDs: placement?.gpuIDs ?? [],
                cpuIDs: placement.map { $0.exclusivePUs.isEmpty ? $0.cpuIDs : $0.exclusivePUs } ?? [],
                placementGroup: placement?.bundle?.group, bundleIndex: placement?.bundle?.index)
            context.actorID = actor.id
            context.actorName = actor.displayName
            return context
        }
        guard let lease = frame.lease else {
            return RuntimeContext(
                taskID: frame.task.taskID, taskName: frame.task.name, attempt: frame.task.attempt,
                nodeID: executor.currentDomain, assignedResources: ResourceSet(), gpuIDs: [], cpuIDs: [],
                placementGroup: nil, bundleIndex: nil)
        }
        let placement = lease.placement
        return RuntimeContext(
            taskID: frame.task.taskID, taskName: frame.task.name, attempt: frame.task.attempt, nodeID: placement.node,
            assignedResources: lease.assignedResources, gpuIDs: placement.gpuIDs, cpuIDs: placement.cpuIDs,
            placementGroup: placement.bundle?.group, bundleIndex: placement.bundle?.index)
    }
}
