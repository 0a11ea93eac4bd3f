/// Where a task or an actor may run, as Ray's `scheduling_strategy` option says. A plain value;
/// thread-safe.
public enum SchedulingStrategy: Sendable, Hashable, CustomStringConvertible {
    /// Ray's DEFAULT: the hybrid policy (pack a node up to the spread threshold, then spread;
    /// prefer the caller's node or the node holding the arguments).
    case `default`
    /// Ray's SPREAD: round robin over the nodes.
    case spread
    /// Ray's `NodeAffinitySchedulingStrategy`.
    case nodeAffinity(NodeAffinitySchedulingStrategy)
    /// Ray's `PlacementGroupSchedulingStrategy`.
    case placementGroup(PlacementGroupSchedulingStrategy)

    public var description: String {
        switch self {
        case .default: "DEFAULT"
        case .spread: "SPREAD"
        case let .nodeAffinity(affinity): affinity.description
        case let .placementGroup(group): group.description
        }
    }

    /// The strategy a child task runs with when its parent runs with `parent` and the child asked
    /// for `requested` (nil: nothing given). As Ray's `capture_child_tasks`: a child that names no
    /// strategy goes into its parent's placement group (any bundle) when the parent's strategy
    /// captures child tasks; otherwise DEFAULT. A strategy the child names always wins.
    public static func forChild(requested: SchedulingStrategy?, parent: SchedulingStrategy?) -> SchedulingStrategy {
        if let requested { return requested }
        if case let .placementGroup(group)? = parent, group.captureChildTasks {
            return .placementGroup(PlacementGroupSchedulingStrategy(
                placementGroup: group.placementGroup, bundleIndex: -1, captureChildTasks: true))
        }
        return .default
    }
}

/// Run on one node: Ray's `NodeAffinitySchedulingStrategy(node_id, soft, _spill_on_unavailable)`.
/// A plain value; thread-safe.
public struct NodeAffinitySchedulingStrategy: Sendable, Hashable, CustomStringConvertible {
    /// The node (domain) id.
    public var nodeID: Int
    /// Soft: if the node is gone or can never fit the request, schedule as DEFAULT. Hard (false):
    /// fail at once with an unschedulable error.
    public var soft: Bool
    /// With `soft`: also go elsewhere when the node is merely busy, instead of waiting there.
    public var spillOnUnavailable: Bool

    /// Affinity to `nodeID`, soft or hard.
    public init(nodeID: Int, soft: Bool, spillOnUnavailable: Bool = false) {
        self.nodeID = nodeID
        self.soft = soft
        self.spillOnUnavailable = spillOnUnavailable
    }

    public var description: String {
        "NodeAffinity(node: \(nodeID), soft: \(soft)\(spillOnUnavailable ? ", spill on unavailable" : ""))"
    }
}

/// Run inside a placement group's reservation: Ray's `PlacementGroupSchedulingStrategy(
/// placement_group, placement_group_bundle_index, placement_group_capture_child_tasks)`.
/// A plain value; thread-safe.
public struct PlacementGroupSchedulingStrategy: Sendable, Hashable, CustomStringConvertible {
    /// The group.
    public var placementGroup: PlacementGroupID
    /// The bundle to run in, or -1 for any bundle that fits.
    public var bundleIndex: Int
    /// Whether tasks started from inside go into the group too (see ``SchedulingStrategy/forChild(requested:parent:)``).
    public var captureChildTasks: Bool

    /// Run in `placementGroup`, in bundle `bundleIndex` (-1: any that fits).
    public init(placementGroup: PlacementGroupID, bundleIndex: Int = -1, captureChildTasks: Bool = false) {
        self.placementGroup = placementGroup
        self.bundleIndex = bundleIndex
        self.captureChildTasks = captureChildTasks
    }

    public var description: String {
        "PlacementGroup(\(placementGroup), bundle: \(bundleIndex)\(captureChildTasks ? ", capture child tasks" : ""))"
    }
}
