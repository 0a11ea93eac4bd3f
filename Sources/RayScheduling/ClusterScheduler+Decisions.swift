/// Validating a request, choosing a node by its strategy, placing a task, queueing one.
extension ClusterScheduler {
    /// Throws for a request whose strategy is malformed (see ``submit(_:_:hints:)``).
    func validate(_ request: SchedulingRequest) throws(SchedulingError) {
        switch request.strategy {
        case .default, .spread:
            return
        case let .nodeAffinity(affinity):
            if !affinity.soft, affinity.spillOnUnavailable {
                throw .invalidStrategy(
                    reason: "spill on unavailable needs a soft node affinity (hard affinity to node \(affinity.nodeID))")
            }
        case let .placementGroup(strategy):
            let id = strategy.placementGroup
            guard let record = groups[id] else { throw .unknownPlacementGroup(id) }
            let count = record.requests.count
            guard strategy.bundleIndex == -1 || (0..<count).contains(strategy.bundleIndex) else {
                throw .bundleIndexOutOfRange(index: strategy.bundleIndex, group: id, bundleCount: count)
            }
            guard PlacementGroupSchedulingPolicy.fits(request, bundles: record.requests, index: strategy.bundleIndex)
            else {
                throw .requestExceedsBundle(
                    request: resources.names.resourceSet(for: request.placementResources).description,
                    group: id, bundleIndex: strategy.bundleIndex)
            }
        }
    }

    /// Runs the request's policy on the books as they are now.
    mutating func choose(_ request: SchedulingRequest, hints: SchedulingHints) -> NodeSelection {
        switch request.strategy {
        case .default:
            if request.isActorCreation, request.placementResources.isEmpty, request.resources.isEmpty {
                return RandomSchedulingPolicy.schedule(request, pools: resources.pools, random: &random)
            }
            return hybrid.schedule(request, pools: resources.pools, preferredNode: hints.preferredNode, random: &random)
        case .spread:
            return spread.schedule(request, pools: resources.pools)
        case let .nodeAffinity(affinity):
            return NodeAffinitySchedulingPolicy.schedule(
                request, affinity: affinity, pools: resources.pools, names: resources.names, hybrid: &hybrid,
                preferredNode: hints.preferredNode, random: &random)
        case let .placementGroup(strategy):
            return PlacementGroupSchedulingPolicy.schedule(
                request, strategy: strategy, group: groups[strategy.placementGroup], resources: resources)
        }
    }

    /// Allocates what `task` holds on `node` (inside bundle `bundleIndex` of its group).
    mutating func place(_ task: TaskID, _ request: SchedulingRequest, node: Int, bundleIndex: Int?) -> TaskPlacement? {
        var bundle: BundleID?
        var toAllocate = request.resources
        if let bundleIndex, case let .placementGroup(strategy) = request.strategy {
            bundle = BundleID(group: strategy.placementGroup, index: bundleIndex)
            toAllocate = request.resourcesInBundle
        }
        guard let allocation = resources.allocate(task, node: node, bundle: bundle, request: toAllocate) else {
            return nil
        }
        return TaskPlacement(task: task, node: node, bundle: bundle, allocation: allocation)
    }

    /// Queues a task the policy could not run now, as `selection` says.
    mutating func enqueue(
        _ task: SchedulingQueues.PendingTask, _ request: SchedulingRequest, after selection: NodeSelection
    ) -> SubmitOutcome {
        let reason: WaitReason
        switch selection {
        case let .unschedulable(error):
            return .unschedulable(error)
        case .infeasible:
            let slot = queues.enqueue(task, request: request)
            queues[slot]?.isInfeasible = true
            queues[slot]?.infeasibleAtEpoch = totalsEpoch
            return .infeasible
        case let .available(node, _):
            reason = .busy(node: node)
        case let .busy(node):
            reason = .busy(node: node)
        case let .placementGroupPending(group):
            reason = .placementGroupPending(group)
        }
        let slot = queues.enqueue(task, request: request)
        queues[slot]?.waitReason = reason
        queues[slot]?.blockedAtEpoch = freeEpoch
        return .waiting(reason)
    }
}
