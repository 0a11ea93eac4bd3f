/// Everything the scheduler refuses or cannot do, each case naming the value it is about.
/// Thrown for bad input; carried by ``SubmitOutcome/unschedulable(_:)`` and
/// ``SchedulingUpdate/failed`` for tasks that fail at once (Ray's TaskUnschedulableError).
/// A plain value; thread-safe.
public enum SchedulingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A resource quantity or name was refused.
    case invalidResource(ResourceError)
    /// A node id that does not exist.
    case unknownNode(id: Int, nodeCount: Int)
    /// A node description that cannot be built (`reason` says why).
    case invalidNode(id: Int, reason: String)
    /// Hard node affinity to a node that does not exist: the task fails at once.
    case hardAffinityNodeMissing(node: Int)
    /// Hard node affinity to a node that can never fit the request: the task fails at once.
    case hardAffinityNodeInfeasible(node: Int, request: String)
    /// A scheduling strategy that makes no sense (`reason` says why).
    case invalidStrategy(reason: String)
    /// A task id that is already queued or running.
    case duplicateTask(TaskID)
    /// A task id the scheduler does not hold.
    case unknownTask(TaskID)
    /// A placement group with no bundles.
    case emptyPlacementGroup
    /// A bundle that asks for nothing (Ray: bundles cannot be empty or all zero).
    case emptyBundle(index: Int)
    /// A placement group id the scheduler does not know (or no longer remembers).
    case unknownPlacementGroup(PlacementGroupID)
    /// No live placement group has this name.
    case unknownPlacementGroupName(String)
    /// A live placement group already has this name.
    case duplicatePlacementGroupName(String)
    /// The placement group was removed before (removing twice).
    case placementGroupAlreadyRemoved(PlacementGroupID)
    /// A task for a placement group that has been removed: it fails.
    case placementGroupRemoved(PlacementGroupID)
    /// A bundle index that is neither -1 nor in 0..<bundleCount.
    case bundleIndexOutOfRange(index: Int, group: PlacementGroupID, bundleCount: Int)
    /// A task's request is larger than the bundle it names (index -1: than every bundle).
    case requestExceedsBundle(request: String, group: PlacementGroupID, bundleIndex: Int)

    public var description: String {
        switch self {
        case let .invalidResource(error):
            return error.description
        case let .unknownNode(id, count):
            return "unknown node \(id): the cluster has nodes 0..<\(count)"
        case let .invalidNode(id, reason):
            return "node \(id) cannot be built: \(reason)"
        case let .hardAffinityNodeMissing(node):
            return "task unschedulable: hard node affinity to node \(node), which does not exist"
        case let .hardAffinityNodeInfeasible(node, request):
            return "task unschedulable: hard node affinity to node \(node), which can never fit \(request)"
        case let .invalidStrategy(reason):
            return "invalid scheduling strategy: \(reason)"
        case let .duplicateTask(id):
            return "task \(id) is already queued or running"
        case let .unknownTask(id):
            return "unknown task \(id): it is not queued or running"
        case .emptyPlacementGroup:
            return "a placement group needs at least one bundle"
        case let .emptyBundle(index):
            return "bundle \(index) is empty: bundles cannot be empty or have only zero quantities"
        case let .unknownPlacementGroup(id):
            return "unknown placement group \(id)"
        case let .unknownPlacementGroupName(name):
            return "no placement group is named '\(name)'"
        case let .duplicatePlacementGroupName(name):
            return "a placement group named '\(name)' already exists"
        case let .placementGroupAlreadyRemoved(id):
            return "placement group \(id) was already removed"
        case let .placementGroupRemoved(id):
            return "placement group \(id) has been removed"
        case let .bundleIndexOutOfRange(index, group, count):
            return "bundle index \(index) is out of range for placement group \(group): it must be -1 "
                + "or in 0..<\(count)"
        case let .requestExceedsBundle(request, group, index):
            let which = index < 0 ? "any bundle" : "bundle \(index)"
            return "the request \(request) cannot fit into \(which) of placement group \(group)"
        }
    }
}
