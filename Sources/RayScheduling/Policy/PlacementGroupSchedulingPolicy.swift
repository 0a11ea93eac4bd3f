/// Places a task that runs with ``PlacementGroupSchedulingStrategy``: inside the named bundle, or
/// for bundle index -1 inside the first bundle (by index) where it fits now. Every such task also
/// takes one `bundle` token, so even a task asking for nothing runs inside the group. Tasks of a
/// group not yet created wait for it; tasks of a removed group fail. A namespace of pure
/// functions; thread-safe.
enum PlacementGroupSchedulingPolicy {
    static func schedule(
        _ request: SchedulingRequest, strategy: PlacementGroupSchedulingStrategy,
        group: PlacementGroupRecord?, resources: ClusterResources
    ) -> NodeSelection {
        let id = strategy.placementGroup
        guard let group else { return .unschedulable(.unknownPlacementGroup(id)) }
        switch group.info.state {
        case .removed: return .unschedulable(.placementGroupRemoved(id))
        case .pending, .prepared, .rescheduling: return .placementGroupPending(id)
        case .created: break
        }
        let count = group.requests.count
        guard strategy.bundleIndex >= -1, strategy.bundleIndex < count else {
            return .unschedulable(.bundleIndexOutOfRange(index: strategy.bundleIndex, group: id, bundleCount: count))
        }
        let range = strategy.bundleIndex >= 0 ? strategy.bundleIndex..<(strategy.bundleIndex + 1) : 0..<count
        var feasibleNode: Int?
        for index in range {
            guard let reservation = resources.bundles[BundleID(group: id, index: index)], reservation.committed else {
                continue
            }
            if request.isAvailable(inBundle: reservation.pool) {
                return .available(node: reservation.node, bundleIndex: index)
            }
            if feasibleNode == nil, request.isFeasible(inBundle: reservation.pool) { feasibleNode = reservation.node }
        }
        if let feasibleNode { return .busy(node: feasibleNode) }
        return .unschedulable(.requestExceedsBundle(
            request: resources.names.resourceSet(for: request.placementResources).description, group: id,
            bundleIndex: strategy.bundleIndex))
    }

    /// Whether `request` could ever fit bundle `index` of a group whose bundles are `bundles`
    /// (-1: any bundle), judged on the bundle shapes so it can be checked before the group exists.
    static func fits(_ request: SchedulingRequest, bundles: [ResourceRequest], index: Int) -> Bool {
        let range = index >= 0 ? index..<(index + 1) : 0..<bundles.count
        for bundle in range where fits(request.placementResources, in: bundles[bundle])
            && fits(request.resources, in: bundles[bundle])
        {
            return true
        }
        return false
    }

    private static func fits(_ request: ResourceRequest, in bundle: ResourceRequest) -> Bool {
        request.entries.allSatisfy { $0.amount <= bundle.amount(of: $0.resource) }
    }
}
