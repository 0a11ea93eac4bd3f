/// Placement groups: atomic two-phase creation, removal, lookup and the table.
extension ClusterScheduler {
    /// Creates a placement group (Ray's `placement_group(bundles, strategy, name)`) and tries to
    /// place it at once. Creation is atomic and two-phase: the strategy's policy picks a node for
    /// every bundle, every bundle is reserved (PREPARED), then all are committed (CREATED); if any
    /// bundle cannot be placed, nothing is reserved and the group stays PENDING, retried by
    /// ``schedulePending()`` (and marked ``PlacementGroupInfo/isInfeasible`` when it could never be
    /// placed). Read the state with ``placementGroup(_:)``.
    ///
    /// Throws for no bundles, an empty bundle, or a name a live group already has.
    public mutating func createPlacementGroup(
        _ bundles: [ResourceSet], strategy: PlacementStrategy = .pack, name: String? = nil
    ) throws(SchedulingError) -> PlacementGroupID {
        defer { checkBooksIfAsked(after: "createPlacementGroup") }
        guard !bundles.isEmpty else { throw .emptyPlacementGroup }
        if let index = bundles.firstIndex(where: \.isEmpty) { throw .emptyBundle(index: index) }
        let name = name?.isEmpty == false ? name : nil
        if let name, groups.id(named: name) != nil { throw .duplicatePlacementGroupName(name) }
        var requests: [ResourceRequest] = []
        requests.reserveCapacity(bundles.count)
        for bundle in bundles { requests.append(resources.request(for: bundle)) }
        let order = BundleScoring.scarcestFirst(requests, names: resources.names)
        let id = groups.add(name: name, strategy: strategy, bundles: bundles, requests: requests, order: order)
        tryToPlace(id)
        return id
    }

    /// Removes a group (Ray's `remove_placement_group`): every bundle's reservation goes back to
    /// its node, the tasks running in it lose what they hold (kill them), its queued tasks are
    /// dequeued (fail them). Throws ``SchedulingError/placementGroupAlreadyRemoved(_:)`` the
    /// second time and ``SchedulingError/unknownPlacementGroup(_:)`` for an id never issued (or
    /// removed so long ago that it is forgotten).
    public mutating func removePlacementGroup(_ id: PlacementGroupID) throws(SchedulingError) -> PlacementGroupRemoval {
        defer { checkBooksIfAsked(after: "removePlacementGroup") }
        guard let record = groups[id] else { throw .unknownPlacementGroup(id) }
        guard record.info.state != .removed else { throw .placementGroupAlreadyRemoved(id) }
        var killed: [TaskID] = []
        for index in record.requests.indices {
            killed += resources.returnBundle(BundleID(group: id, index: index))
        }
        let failed = queues.count == 0 ? [] : queues.removeClasses { request in
            if case let .placementGroup(strategy) = request.strategy { return strategy.placementGroup == id }
            return false
        }
        groups.markRemoved(id)
        freeEpoch += 1
        return PlacementGroupRemoval(group: id, killedTasks: killed.sorted(), failedQueuedTasks: failed)
    }

    /// The table row of a group.
    public func placementGroup(_ id: PlacementGroupID) throws(SchedulingError) -> PlacementGroupInfo {
        guard let record = groups[id] else { throw .unknownPlacementGroup(id) }
        return record.info
    }

    /// The live group with this name (Ray's `get_placement_group(name)`).
    public func placementGroup(named name: String) throws(SchedulingError) -> PlacementGroupInfo {
        guard let id = groups.id(named: name), let record = groups[id] else { throw .unknownPlacementGroupName(name) }
        return record.info
    }

    /// Every remembered group with its state and per-bundle node, by id (Ray's
    /// `placement_group_table()`).
    public var placementGroupTable: [PlacementGroupInfo] { groups.all }

    /// The groups waiting to be placed, in creation order.
    public var pendingPlacementGroups: [PlacementGroupID] { groups.pending }

    /// Tries to place a pending group: both phases, or nothing. Returns whether it was created.
    @discardableResult
    mutating func tryToPlace(_ id: PlacementGroupID) -> Bool {
        guard var record = groups[id], record.info.state == .pending || record.info.state == .rescheduling else {
            return false
        }
        let policy = record.info.strategy.policy
        guard let placements = policy.place(record.requests, order: record.placementOrder, pools: &resources.pools)
        else {
            record.lastAttemptEpoch = freeEpoch
            if record.infeasibilityEpoch != totalsEpoch {
                var idle = resources.idlePools
                record.info.isInfeasible = policy.place(record.requests, order: record.placementOrder, pools: &idle) == nil
                record.infeasibilityEpoch = totalsEpoch
            }
            groups[id] = record
            return false
        }
        // Phase one: reserve every bundle where the policy put it.
        for (index, placement) in placements.enumerated() {
            resources.prepareBundle(BundleID(group: id, index: index), node: placement.node, taken: placement.allocation)
        }
        record.info.state = .prepared
        // Phase two: commit them all; the group's tasks can now use them.
        for index in placements.indices { resources.commitBundle(BundleID(group: id, index: index)) }
        record.info.state = .created
        record.info.bundleNodes = placements.map(\.node)
        record.info.isInfeasible = false
        groups[id] = record
        groups.markPlaced(id)
        freeEpoch += 1
        return true
    }
}
