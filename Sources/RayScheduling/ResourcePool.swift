/// Totals and availability of resources in one place that tasks allocate from: a node's free
/// resources, or the reservation of one placement-group bundle. Quantities are dense arrays
/// indexed by ``ResourceID`` (a resource beyond the arrays has total 0); unit-instance resources
/// (GPU, pinned CPU, exclusive cores) also keep per-instance availability in ``UnitInstances``.
///
/// Allocation is all or nothing and ``free(_:)`` restores exactly what ``allocate(_:)`` took.
/// A plain value; thread-safe.
public struct ResourcePool: Sendable, Hashable {
    /// Total quantity per resource id.
    public private(set) var total: [FixedPoint]
    /// Available quantity per resource id.
    public private(set) var available: [FixedPoint]
    /// The unit-instance resources of the pool (at most GPU, CPU and exclusive_CPU).
    public private(set) var units: [UnitInstances]

    /// A pool with `total` (by id) free, whose `units` resources are split into instances.
    /// For each resource of `units`, the quantity in `total` is replaced by the instances' sum.
    init(total: [FixedPoint], units: [UnitInstances]) {
        var total = total
        for unit in units {
            if total.count <= unit.resource.rawValue {
                total += Array(repeating: .zero, count: unit.resource.rawValue + 1 - total.count)
            }
            total[unit.resource.rawValue] = unit.capacitySum
        }
        self.total = total
        self.available = total
        self.units = units
    }

    /// The total of `resource` (0 when the pool has none).
    public func total(of resource: ResourceID) -> FixedPoint {
        resource.rawValue < total.count ? total[resource.rawValue] : .zero
    }

    /// The available quantity of `resource`.
    public func available(of resource: ResourceID) -> FixedPoint {
        resource.rawValue < available.count ? available[resource.rawValue] : .zero
    }

    /// What tasks and bundles hold of `resource`: total minus available.
    public func allocated(of resource: ResourceID) -> FixedPoint { total(of: resource) - available(of: resource) }

    /// Whether the pool has any GPU.
    public var hasGPU: Bool { total(of: .gpu) != .zero }

    /// Whether `request` fits what is free now (instance by instance for unit resources).
    public func canAllocate(_ request: ResourceRequest) -> Bool {
        for entry in request.entries {
            let index = entry.resource.rawValue
            guard index < available.count, available[index] >= entry.amount else { return false }
            if !units.isEmpty, let unit = unitIndex(entry.resource), !units[unit].canAllocate(entry.amount) {
                return false
            }
        }
        return true
    }

    /// Whether `request` would fit if nothing were allocated (the node is *feasible* for it).
    public func isFeasible(_ request: ResourceRequest) -> Bool {
        for entry in request.entries {
            let index = entry.resource.rawValue
            guard index < total.count, total[index] >= entry.amount else { return false }
            if !units.isEmpty, let unit = unitIndex(entry.resource), !units[unit].isFeasible(entry.amount) {
                return false
            }
        }
        return true
    }

    /// Takes `request` from the pool, or returns nil and changes nothing when it does not fit.
    public mutating func allocate(_ request: ResourceRequest) -> ResourceAllocation? {
        guard canAllocate(request) else { return nil }
        var takes: [InstanceTake] = []
        for entry in request.entries {
            available[entry.resource.rawValue] = available[entry.resource.rawValue] - entry.amount
            if !units.isEmpty, let unit = unitIndex(entry.resource) {
                _ = units[unit].allocate(entry.amount, into: &takes)
            }
        }
        return ResourceAllocation(amounts: request, instances: takes)
    }

    /// Takes exactly what `allocation` names (the same quantities and instances) whether or not it
    /// is free: availability may go below zero. Only for a task leaving a blocked wait (see
    /// ``ClusterResources/reacquireCPU(_:)``); returns `allocation`.
    mutating func overcommit(_ allocation: ResourceAllocation) -> ResourceAllocation {
        for entry in allocation.amounts.entries where entry.resource.rawValue < available.count {
            available[entry.resource.rawValue] = available[entry.resource.rawValue] - entry.amount
        }
        for take in allocation.instances {
            if let unit = unitIndex(take.resource) { units[unit].overcommit(take) }
        }
        return allocation
    }

    /// Gives back exactly what `allocation` took.
    public mutating func free(_ allocation: ResourceAllocation) {
        for entry in allocation.amounts.entries where entry.resource.rawValue < available.count {
            available[entry.resource.rawValue] = available[entry.resource.rawValue] + entry.amount
        }
        for take in allocation.instances {
            if let unit = unitIndex(take.resource) { units[unit].free(take) }
        }
    }

    /// Ray's critical resource utilization: the largest `1 - available/total` over CPU, memory
    /// and object store memory (resources with total 0 are skipped; GPU and custom resources
    /// only gate feasibility).
    public var criticalUtilization: Double {
        max(utilization(of: .cpu), utilization(of: .memory), utilization(of: .objectStoreMemory))
    }

    /// `1 - available/total` of `resource`, or 0 when the pool has none of it.
    public func utilization(of resource: ResourceID) -> Double {
        let index = resource.rawValue
        guard index < total.count, total[index] != .zero else { return 0 }
        return 1 - Double(available[index].rawValue) / Double(total[index].rawValue)
    }

    /// The pool as it is with nothing allocated.
    var idle: ResourcePool {
        var copy = self
        copy.available = total
        for index in copy.units.indices { copy.units[index].available = copy.units[index].capacity }
        return copy
    }

    func unitIndex(_ resource: ResourceID) -> Int? {
        for index in units.indices where units[index].resource == resource { return index }
        return nil
    }
}
