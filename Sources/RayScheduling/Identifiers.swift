/// The id of a task, or of an actor's creation, as the runtime numbers them. The scheduler keys its
/// queues and allocations by it. A plain value; thread-safe.
public struct TaskID: Sendable, Hashable, Comparable, CustomStringConvertible, ExpressibleByIntegerLiteral {
    /// The runtime's number for the task.
    public var rawValue: UInt64

    /// The task numbered `rawValue`.
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }
    /// The task numbered by a literal (tests).
    public init(integerLiteral value: UInt64) { self.rawValue = value }

    public static func < (lhs: TaskID, rhs: TaskID) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { "task-\(rawValue)" }
}

/// The id of a placement group, given by the scheduler at creation in creation order. Its hex form
/// appears in the renamed resources (`CPU_group_<id>`). A plain value; thread-safe.
public struct PlacementGroupID: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The scheduler's number for the group (1, 2, ... in creation order).
    public var rawValue: UInt64

    /// The group numbered `rawValue`.
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }

    public static func < (lhs: PlacementGroupID, rhs: PlacementGroupID) -> Bool { lhs.rawValue < rhs.rawValue }

    /// 16 lowercase hex digits, as the group appears in resource names.
    public var description: String {
        let digits = String(rawValue, radix: 16)
        return String(repeating: "0", count: max(0, 16 - digits.count)) + digits
    }
}

/// One bundle of one placement group. A plain value; thread-safe.
public struct BundleID: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The group.
    public var group: PlacementGroupID
    /// The bundle's index in the group, 0..<bundle count.
    public var index: Int

    /// Bundle `index` of `group`.
    public init(group: PlacementGroupID, index: Int) {
        self.group = group
        self.index = index
    }

    public static func < (lhs: BundleID, rhs: BundleID) -> Bool { (lhs.group, lhs.index) < (rhs.group, rhs.index) }
    public var description: String { "bundle \(index) of placement group \(group)" }
}
