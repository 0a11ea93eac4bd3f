import RayTopology

/// What one logical Ray node offers: its CPUs, its GPUs (by machine-wide index), its memory and
/// object store memory, its custom resources, and its PUs for CPU pinning. Built from a NUMA
/// domain with Ray's defaults (``init(domain:)``), then changed by ``NodeOverrides``.
///
/// A plain value; thread-safe.
public struct NodeSpec: Sendable, Hashable {
    /// `CPU` total.
    public var cpus: FixedPoint
    /// The machine-wide indexes of the node's GPUs; `GPU` total is their count.
    public var gpuIDs: [Int]
    /// `memory` total in bytes.
    public var memory: FixedPoint
    /// `object_store_memory` total in bytes.
    public var objectStoreMemory: FixedPoint
    /// Custom resources declared for the node.
    public var customResources: ResourceSet
    /// The OS indexes of the node's PUs: the ids of its CPU instances when ``pinCPUs`` is on.
    public var pus: [Int]
    /// Whether `CPU` is split into unit instances, one per PU, so that allocations name the PUs a
    /// task is pinned to (``ResourceAllocation/cpuIDs``).
    public var pinCPUs: Bool

    /// A node with these totals. Throws for an invalid quantity, a predefined or reserved name
    /// among the custom resources, or a negative or repeated GPU index.
    public init(
        cpus: Double, gpuIDs: [Int] = [], memoryBytes: Double = 0, objectStoreMemoryBytes: Double = 0,
        customResources: [String: Double] = [:], pus: [Int] = [], pinCPUs: Bool = false
    ) throws(SchedulingError) {
        do {
            self.cpus = try FixedPoint(cpus, name: "CPU")
            self.memory = try FixedPoint(memoryBytes, name: "memory")
            self.objectStoreMemory = try FixedPoint(objectStoreMemoryBytes, name: "object_store_memory")
            self.customResources = try Self.custom(customResources)
        } catch {
            throw .invalidResource(error)
        }
        self.gpuIDs = gpuIDs
        self.pus = pus
        self.pinCPUs = pinCPUs
    }

    /// Ray's defaults for a NUMA domain: CPU = its PUs, GPU = its GPUs (machine-wide indexes),
    /// memory = 70% and object_store_memory = 30% of its memory bytes; no custom resources; CPUs
    /// not pinned.
    public init(domain: ComputeDomain) {
        cpus = FixedPoint(exactly: domain.pus.count) ?? .zero
        gpuIDs = domain.gpus.map(\.index).sorted()
        memory = Self.bytes(domain.memoryBytes, percent: 70)
        objectStoreMemory = Self.bytes(domain.memoryBytes, percent: 30)
        customResources = ResourceSet()
        pus = domain.pus.indexes
        pinCPUs = false
    }

    /// This spec with `overrides` applied (fields left nil keep their value; custom resources are
    /// added to, or replace, the declared ones).
    public func applying(_ overrides: NodeOverrides) throws(SchedulingError) -> NodeSpec {
        var spec = self
        do {
            if let cpus = overrides.cpus { spec.cpus = try FixedPoint(cpus, name: "CPU") }
            if let bytes = overrides.memoryBytes { spec.memory = try FixedPoint(bytes, name: "memory") }
            if let bytes = overrides.objectStoreMemoryBytes {
                spec.objectStoreMemory = try FixedPoint(bytes, name: "object_store_memory")
            }
            if !overrides.customResources.isEmpty {
                var merged = spec.customResources.quantities
                for (name, amount) in try Self.custom(overrides.customResources).quantities { merged[name] = amount }
                for (name, value) in overrides.customResources where value == 0 { merged[name] = nil }
                spec.customResources = ResourceSet(validated: merged)
            }
        } catch {
            throw .invalidResource(error)
        }
        if let gpuIDs = overrides.gpuIDs { spec.gpuIDs = gpuIDs }
        if let pin = overrides.pinCPUs { spec.pinCPUs = pin }
        return spec
    }

    /// Checks what the initializers cannot: GPU indexes and CPU pinning. `id` names the node.
    func validate(id: Int) throws(SchedulingError) {
        if let bad = gpuIDs.first(where: { $0 < 0 }) {
            throw .invalidNode(id: id, reason: "GPU index \(bad) is negative")
        }
        if Set(gpuIDs).count != gpuIDs.count {
            throw .invalidNode(id: id, reason: "GPU indexes \(gpuIDs) repeat")
        }
        if pinCPUs {
            guard cpus.isWhole, cpus.wholeUnits <= Int64(pus.count) else {
                throw .invalidNode(
                    id: id, reason: "pinned CPUs need a whole number of CPUs no larger than the node's "
                        + "\(pus.count) PUs, not \(cpus)")
            }
        }
    }

    static func custom(_ resources: [String: Double]) throws(ResourceError) -> ResourceSet {
        for name in resources.keys where ResourceID.predefinedNames.contains(name) {
            throw ResourceSet.reservedNames.contains(name)
                ? .reservedResourceName(name) : .predefinedResourceInCustom(name: name)
        }
        return try ResourceSet(resources)
    }

    /// `percent`% of `bytes` as a whole number of bytes, clamped to what fixed point holds.
    static func bytes(_ bytes: UInt64, percent: UInt64) -> FixedPoint {
        let share = bytes / 100 * percent + bytes % 100 * percent / 100
        let limit = UInt64(FixedPoint.maximumWholeUnits)
        return FixedPoint(rawValue: Int64(min(share, limit)) * FixedPoint.scale)
    }
}

/// Changes to a node's defaults, as `ray start --num-cpus --num-gpus --memory
/// --object-store-memory --resources` makes them. Fields left nil keep the default.
/// A plain value; thread-safe.
public struct NodeOverrides: Sendable, Hashable {
    /// `CPU` total.
    public var cpus: Double?
    /// The machine-wide indexes of the node's GPUs (an empty list: no GPU).
    public var gpuIDs: [Int]?
    /// `memory` total in bytes.
    public var memoryBytes: Double?
    /// `object_store_memory` total in bytes.
    public var objectStoreMemoryBytes: Double?
    /// Custom resources to declare (a 0 removes one).
    public var customResources: [String: Double]
    /// Whether CPUs are split into PU instances for pinning.
    public var pinCPUs: Bool?

    /// Overrides of the given fields only.
    public init(
        cpus: Double? = nil, gpuIDs: [Int]? = nil, memoryBytes: Double? = nil,
        objectStoreMemoryBytes: Double? = nil, customResources: [String: Double] = [:], pinCPUs: Bool? = nil
    ) {
        self.cpus = cpus
        self.gpuIDs = gpuIDs
        self.memoryBytes = memoryBytes
        self.objectStoreMemoryBytes = objectStoreMemoryBytes
        self.customResources = customResources
        self.pinCPUs = pinCPUs
    }
}
