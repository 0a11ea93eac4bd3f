/// The identity of one object in an ``ObjectStore``, unique within the process: the store's
/// serial number (16 bits), the table shard that created it (6 bits) and that shard's counter
/// (42 bits), plus where the entry sits in the shard (a lookup hint that takes no part in
/// equality or hashing). A plain value; thread-safe.
public struct ObjectID: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The identity: `store << 48 | shard << 42 | sequence`.
    public let rawValue: UInt64
    /// The entry's slot in its shard (a hint for lookups by id).
    let slot: UInt32

    init(store: UInt32, shard: Int, sequence: UInt64, slot: UInt32) {
        rawValue = UInt64(store & 0xFFFF) << 48 | UInt64(shard & 0x3F) << 42 | (sequence & (1 << 42 - 1))
        self.slot = slot
    }

    /// The serial number of the store that created the object (its low 16 bits).
    public var store: UInt32 { UInt32(truncatingIfNeeded: rawValue >> 48) }
    /// The table shard that holds the object.
    var shard: Int { Int(truncatingIfNeeded: rawValue >> 42) & 0x3F }
    /// The object's number inside its shard (1, 2, ... in creation order).
    public var index: UInt64 { rawValue & (1 << 42 - 1) }

    public static func == (lhs: ObjectID, rhs: ObjectID) -> Bool { lhs.rawValue == rhs.rawValue }
    public func hash(into hasher: inout Hasher) { hasher.combine(rawValue) }
    public static func < (lhs: ObjectID, rhs: ObjectID) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String { "ObjectID(store \(store), shard \(shard), #\(index))" }
}
