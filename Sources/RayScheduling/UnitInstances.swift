/// The instances of one unit-instance resource in a pool: a node's GPUs (instances 0..n-1 carrying
/// machine-wide GPU indexes), a node's PUs when CPUs are pinned, or the instance shares a bundle
/// reserved. Each instance holds at most one unit.
///
/// Ray's rule (resource_instance_set.cc): a demand of whole units takes that many fully free
/// instances, first fit by instance order; a fractional remainder below one takes the best-fitting
/// instance (the one with the least left that still fits). A plain value; thread-safe.
public struct UnitInstances: Sendable, Hashable {
    /// The resource these are instances of.
    public let resource: ResourceID
    /// What each instance is called outside the scheduler: a machine-wide GPU index or a PU's OS
    /// index. The ids a task sees.
    public let labels: [Int]
    /// What each instance holds when nothing is allocated (1 on a node; a share in a bundle).
    public let capacity: [FixedPoint]
    /// What each instance has free now.
    public internal(set) var available: [FixedPoint]

    init(resource: ResourceID, labels: [Int], capacity: [FixedPoint]) {
        self.resource = resource
        self.labels = labels
        self.capacity = capacity
        self.available = capacity
    }

    /// Whether `amount` could be allocated from the instances as they are now.
    func canAllocate(_ amount: FixedPoint) -> Bool { Self.fits(amount, in: available) }

    /// Whether `amount` could be allocated if nothing were allocated.
    func isFeasible(_ amount: FixedPoint) -> Bool { Self.fits(amount, in: capacity) }

    /// Ray's allocation succeeds iff there are enough fully free instances for the whole part and,
    /// for a fractional part, one more instance (fully free, or partly free with enough left).
    static func fits(_ amount: FixedPoint, in free: [FixedPoint]) -> Bool {
        let whole = amount.wholeUnits
        let fraction = amount.fractionalPart
        var full: Int64 = 0
        var partialFits = false
        for value in free {
            if value == .one {
                full += 1
            } else if fraction != .zero, value >= fraction {
                partialFits = true
            }
        }
        guard full >= whole else { return false }
        return fraction == .zero || full > whole || partialFits
    }

    /// Allocates `amount`, appending what each instance gave to `takes`; all or nothing.
    mutating func allocate(_ amount: FixedPoint, into takes: inout [InstanceTake]) -> Bool {
        guard canAllocate(amount) else { return false }
        var whole = amount.wholeUnits
        if whole > 0 {
            for index in available.indices where available[index] == .one {
                available[index] = .zero
                takes.append(InstanceTake(resource: resource, instance: index, label: labels[index], amount: .one))
                whole -= 1
                if whole == 0 { break }
            }
        }
        let fraction = amount.fractionalPart
        if fraction != .zero {
            var best = -1
            for index in available.indices where available[index] >= fraction {
                if best < 0 || available[index] < available[best] { best = index }
            }
            guard best >= 0 else { return false }  // unreachable after canAllocate
            available[best] = available[best] - fraction
            takes.append(InstanceTake(resource: resource, instance: best, label: labels[best], amount: fraction))
        }
        return true
    }

    /// Gives back what one instance gave.
    mutating func free(_ take: InstanceTake) {
        guard available.indices.contains(take.instance) else { return }
        available[take.instance] = available[take.instance] + take.amount
    }

    /// Takes what one instance gave before, even when it is not free (availability below zero).
    mutating func overcommit(_ take: InstanceTake) {
        guard available.indices.contains(take.instance) else { return }
        available[take.instance] = available[take.instance] - take.amount
    }

    /// The sum of what the instances have free.
    var availableSum: FixedPoint { available.reduce(.zero, +) }
    /// The sum of the instances' capacities.
    var capacitySum: FixedPoint { capacity.reduce(.zero, +) }
}

/// What one instance of a unit-instance resource gave to one allocation. A plain value; thread-safe.
public struct InstanceTake: Sendable, Hashable {
    /// The resource (GPU, or CPU when pinned).
    public let resource: ResourceID
    /// The instance's position in its pool.
    public let instance: Int
    /// The instance's outside name: the machine-wide GPU index or the PU's OS index.
    public let label: Int
    /// How much of the instance was taken (one whole unit, or a fraction).
    public let amount: FixedPoint
}
