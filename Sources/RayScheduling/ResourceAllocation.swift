/// Exactly what one allocation took from a ``ResourcePool``: the quantities per resource and, for
/// unit-instance resources, which instances gave how much. Giving it back with
/// ``ResourcePool/free(_:)`` restores the pool to the unit. A plain value; thread-safe.
public struct ResourceAllocation: Sendable, Hashable {
    /// The quantities taken.
    public internal(set) var amounts: ResourceRequest
    /// The instance shares taken, for unit-instance resources.
    public internal(set) var instances: [InstanceTake]

    init(amounts: ResourceRequest, instances: [InstanceTake]) {
        self.amounts = amounts
        self.instances = instances
    }

    /// Nothing.
    public static let none = ResourceAllocation(amounts: .empty, instances: [])

    /// The machine-wide indexes of the GPUs the allocation uses, ascending: what a task sees as
    /// its GPU ids (Ray sets `CUDA_VISIBLE_DEVICES` from them).
    public var gpuIDs: [Int] { labels(of: .gpu) }

    /// The OS indexes of the PUs the allocation uses when CPUs are pinned, ascending (empty when
    /// the node does not pin CPUs).
    public var cpuIDs: [Int] { labels(of: .cpu) }

    /// The OS indexes of the PUs the allocation holds exclusively (a request made with
    /// ``SchedulingRequest/exclusiveCPUs``), ascending; empty otherwise.
    public var exclusivePUs: [Int] { labels(of: .exclusiveCPU) }

    func labels(of resource: ResourceID) -> [Int] {
        guard !instances.isEmpty else { return [] }
        var result: [Int] = []
        for take in instances where take.resource == resource && !result.contains(take.label) {
            result.append(take.label)
        }
        return result.sorted()
    }

    /// The part of the allocation that is `resource` (with its instance shares), and the rest.
    func split(_ resource: ResourceID) -> (part: ResourceAllocation, rest: ResourceAllocation) {
        (
            ResourceAllocation(
                amounts: amounts.filtered(keeping: resource, only: true),
                instances: instances.filter { $0.resource == resource }),
            ResourceAllocation(
                amounts: amounts.filtered(keeping: resource, only: false),
                instances: instances.filter { $0.resource != resource })
        )
    }

    /// Both allocations together (from the same pool).
    func merged(with other: ResourceAllocation) -> ResourceAllocation {
        var amounts = self.amounts
        for entry in other.amounts.entries { amounts = amounts.adding(entry.resource, entry.amount) }
        return ResourceAllocation(amounts: amounts, instances: instances + other.instances)
    }
}
