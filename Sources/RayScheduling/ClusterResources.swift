import RayTopology

/// The books of the whole process: one ``NodeResources`` per node (per NUMA domain), what every
/// running task holds, and every placement-group bundle's reservation. Every change goes through
/// the scheduler, and ``auditBooks()`` checks that for each node, bundle and resource
/// total = available + allocated, to the unit.
///
/// A plain value; thread-safe as a value. The scheduler owns one and mutates it under its
/// caller's lock.
public struct ClusterResources: Sendable {
    /// The resource names interned so far.
    public internal(set) var names: ResourceNameTable
    /// What each node was given; a node's id is its index.
    public private(set) var specs: [NodeSpec]
    /// Each node's free resources (the hot path reads these).
    var pools: [ResourcePool]
    /// What each running task holds.
    var tasks: [TaskID: TaskHolding] = [:]
    /// Every bundle reserved, prepared or committed.
    var bundles: [BundleID: BundleReservation] = [:]

    /// One node per compute domain of `topology`, with Ray's defaults (CPU = the domain's PUs,
    /// GPU = its GPUs with their machine-wide indexes, memory 70% and object store memory 30% of
    /// its memory), changed by `allNodes` and then by `perNode[id]`.
    ///
    /// Throws ``SchedulingError/unknownNode(id:nodeCount:)`` for an override of a node that does
    /// not exist, and the errors of ``NodeSpec`` for invalid overrides.
    public init(
        topology: Topology, allNodes: NodeOverrides = NodeOverrides(), perNode: [Int: NodeOverrides] = [:]
    ) throws(SchedulingError) {
        if let bad = perNode.keys.sorted().first(where: { !topology.domains.indices.contains($0) }) {
            throw .unknownNode(id: bad, nodeCount: topology.domains.count)
        }
        var specs: [NodeSpec] = []
        for domain in topology.domains {
            var spec = try NodeSpec(domain: domain).applying(allNodes)
            if let overrides = perNode[domain.id] { spec = try spec.applying(overrides) }
            specs.append(spec)
        }
        try self.init(nodes: specs)
    }

    /// Nodes with ids 0..<specs.count. Throws for an invalid spec or a GPU index given to two nodes.
    public init(nodes specs: [NodeSpec]) throws(SchedulingError) {
        names = ResourceNameTable()
        self.specs = []
        pools = []
        for spec in specs { _ = try addNode(spec) }
    }

    /// Adds a node and returns its id. Resources appearing lets infeasible work become feasible.
    public mutating func addNode(_ spec: NodeSpec) throws(SchedulingError) -> Int {
        let id = specs.count
        try spec.validate(id: id)
        for (other, otherSpec) in specs.enumerated() {
            if let shared = otherSpec.gpuIDs.first(where: spec.gpuIDs.contains) {
                throw .invalidNode(id: id, reason: "GPU index \(shared) already belongs to node \(other)")
            }
        }
        specs.append(spec)
        pools.append(NodeResources.makePool(spec: spec, names: &names))
        return id
    }

    /// How many nodes there are.
    public var nodeCount: Int { specs.count }

    /// Every node as it is now, by id.
    public var nodes: [NodeResources] { specs.indices.map { NodeResources(id: $0, spec: specs[$0], pool: pools[$0]) } }

    /// The node with this id, or ``SchedulingError/unknownNode(id:nodeCount:)``.
    public func node(_ id: Int) throws(SchedulingError) -> NodeResources {
        guard specs.indices.contains(id) else { throw .unknownNode(id: id, nodeCount: specs.count) }
        return NodeResources(id: id, spec: specs[id], pool: pools[id])
    }

    /// The interned form of `resources` (interning new custom names).
    public mutating func request(for resources: ResourceSet) -> ResourceRequest { names.request(for: resources) }

    /// What task `id` holds now, or nil when it holds nothing.
    public func holding(of id: TaskID) -> ResourceAllocation? { tasks[id]?.held }

    /// The node task `id` runs on.
    public func node(of id: TaskID) -> Int? { tasks[id]?.node }

    /// The ids of the running tasks, ascending.
    public var runningTasks: [TaskID] { tasks.keys.sorted() }

    /// The pool of a committed bundle (what its tasks allocate from).
    public func bundlePool(_ bundle: BundleID) -> ResourcePool? {
        guard let reservation = bundles[bundle], reservation.committed else { return nil }
        return reservation.pool
    }
}

/// What one running task holds. A plain value; thread-safe.
struct TaskHolding: Sendable, Hashable {
    /// The node it runs on.
    let node: Int
    /// The bundle it runs in, if any (it allocates from the bundle's reservation).
    let bundle: BundleID?
    /// What it holds now (without the CPUs given back while blocked).
    var held: ResourceAllocation
    /// The CPUs given back while blocked in get/wait, with their instances when pinned (nil when
    /// not blocked).
    var releasedCPU: ResourceAllocation?
}

/// One placement-group bundle's reservation on a node: what it took from the node's pool and the
/// pool its tasks allocate from (the same quantities plus 1000 `bundle` tokens). A plain value;
/// thread-safe.
struct BundleReservation: Sendable, Hashable {
    let id: BundleID
    let node: Int
    /// What the bundle took from the node's pool.
    let take: ResourceAllocation
    /// The reservation the group's tasks allocate from.
    var pool: ResourcePool
    /// False while prepared (reserved but not yet usable), true once committed.
    var committed: Bool
    /// The tasks running in the bundle.
    var tasks: Set<TaskID> = []

    init(id: BundleID, node: Int, take: ResourceAllocation) {
        self.id = id
        self.node = node
        self.take = take
        self.committed = false
        var total = Array(repeating: FixedPoint.zero, count: ResourceID.predefinedCount)
        for entry in take.amounts.entries {
            if total.count <= entry.resource.rawValue {
                total += Array(repeating: .zero, count: entry.resource.rawValue + 1 - total.count)
            }
            total[entry.resource.rawValue] = entry.amount
        }
        total[ResourceID.bundle.rawValue] = .bundleTokenCapacity
        var units: [UnitInstances] = []
        for resource in [ResourceID.gpu, .cpu] {
            let shares = take.instances.filter { $0.resource == resource }.sorted { $0.instance < $1.instance }
            guard !shares.isEmpty else { continue }
            units.append(UnitInstances(resource: resource, labels: shares.map(\.label), capacity: shares.map(\.amount)))
        }
        pool = ResourcePool(total: total, units: units)
    }
}
