/// One logical Ray node (one NUMA domain) as the scheduler books it: what it was given
/// (``spec``) and its free resources (``pool``). Resources reserved by placement-group bundles
/// are taken out of the pool while the group lives.
///
/// A plain value; thread-safe. It is a snapshot: changing it does not change the scheduler.
public struct NodeResources: Sendable, Hashable {
    /// The node id: the compute domain's id for nodes built from a topology.
    public let id: Int
    /// What the node offers.
    public let spec: NodeSpec
    /// The node's totals and what is free now; tasks outside placement groups allocate from it.
    public let pool: ResourcePool

    init(id: Int, spec: NodeSpec, pool: ResourcePool) {
        self.id = id
        self.spec = spec
        self.pool = pool
    }

    /// Builds a node's pool from `spec`, interning its custom resource names in `names`.
    static func makePool(spec: NodeSpec, names: inout ResourceNameTable) -> ResourcePool {
        var total = Array(repeating: FixedPoint.zero, count: ResourceID.predefinedCount)
        total[ResourceID.cpu.rawValue] = spec.cpus
        total[ResourceID.memory.rawValue] = spec.memory
        total[ResourceID.objectStoreMemory.rawValue] = spec.objectStoreMemory
        for name in spec.customResources.names {
            let resource = names.intern(name)
            if total.count <= resource.rawValue {
                total += Array(repeating: .zero, count: resource.rawValue + 1 - total.count)
            }
            total[resource.rawValue] = spec.customResources[name]
        }
        var units: [UnitInstances] = []
        if !spec.gpuIDs.isEmpty {
            units.append(UnitInstances(
                resource: .gpu, labels: spec.gpuIDs, capacity: Array(repeating: .one, count: spec.gpuIDs.count)))
        }
        if spec.pinCPUs, spec.cpus != .zero {
            let count = Int(spec.cpus.wholeUnits)
            units.append(UnitInstances(
                resource: .cpu, labels: Array(spec.pus.prefix(count)), capacity: Array(repeating: .one, count: count)))
        }
        let exclusive = exclusivePUs(of: spec)
        if !exclusive.isEmpty {
            units.append(UnitInstances(
                resource: .exclusiveCPU, labels: exclusive, capacity: Array(repeating: .one, count: exclusive.count)))
        }
        return ResourcePool(total: total, units: units)
    }

    /// The PUs a node lends as exclusive cores (``ResourceID/exclusiveCPU``), in the order they
    /// are handed out: every PU but the lowest-numbered one (which stays with the node's
    /// workers), highest first, and no more than the node's whole CPUs.
    static func exclusivePUs(of spec: NodeSpec) -> [Int] {
        let sorted = spec.pus.sorted()
        guard sorted.count > 1, spec.cpus >= .one else { return [] }
        let limit = min(sorted.count - 1, Int(spec.cpus.wholeUnits))
        return Array(sorted.dropFirst().reversed().prefix(limit))
    }

    /// Whether the node has GPUs (requests without GPU try nodes without GPUs first).
    public var hasGPU: Bool { pool.hasGPU }
}
