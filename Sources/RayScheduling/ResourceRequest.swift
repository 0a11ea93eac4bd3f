/// A resource shape in interned form: (``ResourceID``, quantity) pairs sorted by id, zeros left
/// out. What the scheduler works with on its hot path; made from a ``ResourceSet`` by
/// ``ClusterScheduler/resourceRequest(for:)`` (or a ``ResourceNameTable``).
///
/// A plain value; thread-safe.
public struct ResourceRequest: Sendable, Hashable {
    /// One resource of the shape. A plain value; thread-safe.
    public struct Entry: Sendable, Hashable {
        /// The resource.
        public let resource: ResourceID
        /// Its nonzero quantity.
        public let amount: FixedPoint

        /// An entry of a shape.
        public init(resource: ResourceID, amount: FixedPoint) {
            self.resource = resource
            self.amount = amount
        }
    }

    /// The nonzero quantities, sorted by resource id, one entry per resource.
    public private(set) var entries: [Entry]

    /// The empty shape (a task that asks for nothing).
    public static let empty = ResourceRequest(sortedUniqueEntries: [])

    init(sortedUniqueEntries entries: [Entry]) {
        self.entries = entries.filter { $0.amount != .zero }
    }

    /// A shape from predefined-resource quantities (for the scheduler's own use and tests).
    public init(cpu: FixedPoint = .zero, gpu: FixedPoint = .zero, memory: FixedPoint = .zero,
                objectStoreMemory: FixedPoint = .zero)
    {
        self.init(sortedUniqueEntries: [
            Entry(resource: .cpu, amount: cpu), Entry(resource: .gpu, amount: gpu),
            Entry(resource: .memory, amount: memory),
            Entry(resource: .objectStoreMemory, amount: objectStoreMemory),
        ])
    }

    /// Whether the shape asks for nothing.
    public var isEmpty: Bool { entries.isEmpty }

    /// The quantity of `resource` (0 when absent).
    public func amount(of resource: ResourceID) -> FixedPoint {
        for entry in entries where entry.resource == resource { return entry.amount }
        return .zero
    }

    /// Whether the shape asks for any GPU (such requests may use GPU nodes at once).
    public var requestsGPU: Bool { amount(of: .gpu) != .zero }

    /// This shape plus `amount` of `resource` (saturating at the largest quantity, which no node
    /// can fit).
    func adding(_ resource: ResourceID, _ amount: FixedPoint) -> ResourceRequest {
        var merged: [Entry] = []
        merged.reserveCapacity(entries.count + 1)
        var inserted = false
        for entry in entries {
            if !inserted, entry.resource >= resource {
                inserted = true
                if entry.resource == resource {
                    merged.append(Entry(resource: resource, amount: entry.amount.addingSaturating(amount)))
                    continue
                }
                merged.append(Entry(resource: resource, amount: amount))
            }
            merged.append(entry)
        }
        if !inserted { merged.append(Entry(resource: resource, amount: amount)) }
        return ResourceRequest(sortedUniqueEntries: merged)
    }

    /// The sum of several shapes (STRICT_PACK places the sum of its bundles on one node).
    static func sum(_ requests: [ResourceRequest]) -> ResourceRequest {
        var result = ResourceRequest.empty
        for request in requests {
            for entry in request.entries { result = result.adding(entry.resource, entry.amount) }
        }
        return result
    }

    /// The shape with only the entries of `resource` (`only`) or without them.
    func filtered(keeping resource: ResourceID, only: Bool) -> ResourceRequest {
        ResourceRequest(sortedUniqueEntries: entries.filter { ($0.resource == resource) == only })
    }
}
