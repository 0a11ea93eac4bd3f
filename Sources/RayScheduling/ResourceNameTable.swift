/// The interning table from resource names to ``ResourceID``s: the predefined names first, then
/// each custom name the first time it is declared by a node or asked for by a request.
///
/// Names are never forgotten (ids stay valid); custom names come from a program's own code, so the
/// table stays small. A plain value; thread-safe as a value, mutated by its owner only.
public struct ResourceNameTable: Sendable, Hashable {
    private var names: [String]
    private var ids: [String: ResourceID]

    /// A table holding only the predefined names.
    public init() {
        names = ResourceID.predefinedNames
        ids = [:]
        for (index, name) in names.enumerated() { ids[name] = ResourceID(rawValue: index) }
    }

    /// How many names are interned.
    public var count: Int { names.count }

    /// The id of `name`, or nil when it was never interned.
    public func id(of name: String) -> ResourceID? {
        switch name {
        case "CPU": return .cpu
        case "GPU": return .gpu
        case "memory": return .memory
        case "object_store_memory": return .objectStoreMemory
        case "bundle": return .bundle
        case "exclusive_CPU": return .exclusiveCPU
        default: return ids[name]
        }
    }

    /// The id of `name`, interning it when new.
    public mutating func intern(_ name: String) -> ResourceID {
        if let id = id(of: name) { return id }
        let id = ResourceID(rawValue: names.count)
        names.append(name)
        ids[name] = id
        return id
    }

    /// The name of `id` (`resource#N` for an id this table never issued).
    public func name(of id: ResourceID) -> String {
        names.indices.contains(id.rawValue) ? names[id.rawValue] : id.description
    }

    /// The interned form of `resources`, interning new custom names (in name order, so ids do not
    /// depend on dictionary order).
    public mutating func request(for resources: ResourceSet) -> ResourceRequest {
        var entries: [ResourceRequest.Entry] = []
        entries.reserveCapacity(resources.count)
        let names = resources.count == 1 ? Array(resources.quantities.keys) : resources.names
        for name in names {
            entries.append(ResourceRequest.Entry(resource: intern(name), amount: resources[name]))
        }
        return ResourceRequest(sortedUniqueEntries: entries.sorted { $0.resource < $1.resource })
    }

    /// `request` back as names and quantities.
    public func resourceSet(for request: ResourceRequest) -> ResourceSet {
        var quantities: [String: FixedPoint] = [:]
        for entry in request.entries { quantities[name(of: entry.resource)] = entry.amount }
        return ResourceSet(validated: quantities)
    }
}
