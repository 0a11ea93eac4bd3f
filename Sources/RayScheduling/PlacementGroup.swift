/// How a placement group's bundles are laid out over the nodes: Ray's `strategy` argument of
/// `placement_group()`. A plain value; thread-safe.
public enum PlacementStrategy: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// All bundles on one node if possible, else spill over to as few nodes as it can (default).
    case pack = "PACK"
    /// Each bundle on a distinct node if possible, else reuse nodes.
    case spread = "SPREAD"
    /// All bundles on one node, or the group waits.
    case strictPack = "STRICT_PACK"
    /// Every bundle on a distinct node, or the group waits; infeasible with more bundles than nodes.
    case strictSpread = "STRICT_SPREAD"

    public var description: String { rawValue }
}

/// The life of a placement group, as Ray's placement group table shows it. A plain value;
/// thread-safe.
public enum PlacementGroupState: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Waiting for resources (or infeasible: see ``PlacementGroupInfo/isInfeasible``).
    case pending = "PENDING"
    /// Every bundle reserved (phase one of creation), not yet usable.
    case prepared = "PREPARED"
    /// Every bundle committed: the group's tasks can run; `ready()` resolves.
    case created = "CREATED"
    /// Removed: its reservation is freed, its tasks killed.
    case removed = "REMOVED"
    /// Being placed again after losing a node (nodes are NUMA domains and are never lost here).
    case rescheduling = "RESCHEDULING"

    public var description: String { rawValue }
}

/// One row of the placement group table. A plain value; thread-safe.
public struct PlacementGroupInfo: Sendable, Hashable {
    /// The group's id.
    public let id: PlacementGroupID
    /// The name it can be looked up by, if any.
    public let name: String?
    /// How its bundles are laid out.
    public let strategy: PlacementStrategy
    /// The bundles as given.
    public let bundles: [ResourceSet]
    /// Where it is in its life.
    public internal(set) var state: PlacementGroupState
    /// The node each bundle is reserved on (nil while not reserved).
    public internal(set) var bundleNodes: [Int?]
    /// Whether the group can never be placed, even with every resource free (STRICT_PACK of more
    /// than any node holds, STRICT_SPREAD with more bundles than nodes...). It stays pending,
    /// reported as a demand, and is checked again when nodes are added.
    public internal(set) var isInfeasible: Bool
}

/// The scheduler's record of one group: its table row plus the interned bundle shapes.
/// A plain value; thread-safe.
struct PlacementGroupRecord: Sendable, Hashable {
    var info: PlacementGroupInfo
    /// The bundles, interned.
    let requests: [ResourceRequest]
    /// The order bundles are placed in: scarcest first.
    let placementOrder: [Int]
    /// The free epoch of the last failed attempt: no new attempt until something is freed.
    var lastAttemptEpoch: UInt64?
    /// The totals epoch at which infeasibility was last decided.
    var infeasibilityEpoch: UInt64?

    var id: PlacementGroupID { info.id }
}
