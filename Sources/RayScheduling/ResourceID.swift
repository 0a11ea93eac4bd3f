/// A resource name interned to a small integer, so that the scheduler's hot path indexes arrays
/// instead of hashing strings. The predefined resources have fixed ids; custom names get the next
/// free id from a ``ResourceNameTable``. A plain value; thread-safe.
public struct ResourceID: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The index of the resource in per-node arrays.
    public let rawValue: Int

    /// The id with this index (ids come from a ``ResourceNameTable``).
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// `CPU`.
    public static let cpu = ResourceID(rawValue: 0)
    /// `GPU`: a unit-instance resource (instances carry machine-wide GPU indexes).
    public static let gpu = ResourceID(rawValue: 1)
    /// `memory`, in bytes.
    public static let memory = ResourceID(rawValue: 2)
    /// `object_store_memory`, in bytes.
    public static let objectStoreMemory = ResourceID(rawValue: 3)
    /// `bundle`: Ray's placement-group token. Every bundle holds 1000 of it and every task run in
    /// a bundle takes 0.001, so that even a task asking for nothing needs a place in its bundle.
    public static let bundle = ResourceID(rawValue: 4)
    /// `exclusive_CPU`: swift-ray's own unit-instance resource for exclusive cores. Each node
    /// has one instance per PU but one (its lowest-numbered PU stays with the node's workers),
    /// labelled with the PU's OS index. A request that asks for exclusive cores takes as many
    /// instances as it takes CPUs, so it holds both the CPUs (other work sees them used) and
    /// named PUs (the runtime binds the actor's thread there and its workers away from them).
    /// Never declared by users; hidden from resource tables and status like `bundle`.
    public static let exclusiveCPU = ResourceID(rawValue: 5)

    /// How many ids are predefined (custom names start here).
    public static let predefinedCount = 6

    /// The names of the predefined ids, in id order.
    public static let predefinedNames = ["CPU", "GPU", "memory", "object_store_memory", "bundle", "exclusive_CPU"]

    /// Whether this is one of the predefined ids (``predefinedNames``).
    public var isPredefined: Bool { rawValue < Self.predefinedCount }

    /// Whether resource tables and status leave it out: the scheduler's own bookkeeping
    /// (`bundle` tokens outside their group names, `exclusive_CPU`).
    public var isHidden: Bool { self == .bundle || self == .exclusiveCPU }

    public static func < (lhs: ResourceID, rhs: ResourceID) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String {
        isPredefined ? Self.predefinedNames[rawValue] : "resource#\(rawValue)"
    }
}

/// The one token amount a task in a placement group takes from its bundle (Ray's 0.001).
extension FixedPoint {
    /// What every bundle holds of the `bundle` token (Ray's 1000).
    public static let bundleTokenCapacity = FixedPoint(rawValue: 1000 * FixedPoint.scale)
    /// What every task run in a bundle takes of the `bundle` token (Ray's 0.001).
    public static let bundleTokenPerTask = FixedPoint(rawValue: 10)
}
