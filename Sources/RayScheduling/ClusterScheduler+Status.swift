/// Building ``ClusterStatus`` from the books and the queues.
extension ClusterScheduler {
    /// The scheduler's part of `ray status` (see ``ClusterStatus``).
    public func status() -> ClusterStatus {
        var nodes: [ClusterStatus.NodeUsage] = []
        var sums: [String: UsageSums] = [:]
        for node in resources.pools.indices {
            let perNode = usageSums(ofNode: node)
            nodes.append(ClusterStatus.NodeUsage(node: node, usage: Self.lines(perNode)))
            for (name, value) in perNode { sums[name, default: UsageSums()].add(value) }
        }
        return ClusterStatus(
            usage: Self.lines(sums), taskDemands: taskDemands(), placementGroupDemands: placementGroupDemands(),
            nodes: nodes)
    }

    /// Totals, availability and placement-group figures of one resource, in raw units. A plain
    /// value; thread-safe.
    struct UsageSums {
        var total = 0.0
        var available = 0.0
        var reserved = 0.0
        var usedInGroups = 0.0
        var hasGroups = false

        mutating func add(_ other: UsageSums) {
            total += other.total
            available += other.available
            reserved += other.reserved
            usedInGroups += other.usedInGroups
            hasGroups = hasGroups || other.hasGroups
        }
    }

    private func usageSums(ofNode node: Int) -> [String: UsageSums] {
        var sums: [String: UsageSums] = [:]
        let pool = resources.pools[node]
        for index in pool.total.indices where !ResourceID(rawValue: index).isHidden {
            let resource = ResourceID(rawValue: index)
            guard pool.total[index] != .zero else { continue }
            sums[resources.names.name(of: resource), default: UsageSums()].add(UsageSums(
                total: Double(pool.total[index].rawValue), available: Double(pool.available(of: resource).rawValue)))
        }
        for reservation in resources.bundles(on: node) {
            for entry in reservation.take.amounts.entries {
                let used = reservation.pool.allocated(of: entry.resource)
                sums[resources.names.name(of: entry.resource), default: UsageSums()].add(UsageSums(
                    reserved: Double(entry.amount.rawValue), usedInGroups: Double(used.rawValue), hasGroups: true))
            }
        }
        return sums
    }

    private static func lines(_ sums: [String: UsageSums]) -> [ClusterStatus.ResourceUsage] {
        let scale = Double(FixedPoint.scale)
        return sums.keys.sorted(by: ResourceSet.byteOrder).compactMap { name in
            guard let sum = sums[name], sum.total != 0 else { return nil }
            // As Ray: used counts what groups' tasks use, not what the groups merely reserve.
            let used = sum.total - sum.available - sum.reserved + sum.usedInGroups
            return ClusterStatus.ResourceUsage(
                resource: name, used: used / scale, total: sum.total / scale,
                placementGroupUsed: sum.usedInGroups / scale,
                placementGroupReserved: sum.hasGroups ? sum.reserved / scale : nil)
        }
    }

    private func taskDemands() -> [ClusterStatus.TaskDemand] {
        var demands: [ClusterStatus.TaskDemand] = []
        for slot in queues.order {
            guard let queue = queues[slot] else { continue }
            if case .placementGroup = queue.request.strategy { continue }
            let shape = resources.names.resourceSet(for: queue.request.placementResources)
            if let index = demands.firstIndex(where: { $0.shape == shape && $0.isInfeasible == queue.isInfeasible }) {
                let old = demands[index]
                demands[index] = .init(shape: shape, count: old.count + queue.tasks.count, isInfeasible: old.isInfeasible)
            } else {
                demands.append(.init(shape: shape, count: queue.tasks.count, isInfeasible: queue.isInfeasible))
            }
        }
        return demands
    }

    private func placementGroupDemands() -> [ClusterStatus.PlacementGroupDemand] {
        var demands: [ClusterStatus.PlacementGroupDemand] = []
        for id in groups.pending {
            guard let info = groups[id]?.info else { continue }
            var shapes: [(bundle: ResourceSet, count: Int)] = []
            for bundle in info.bundles {
                if let index = shapes.firstIndex(where: { $0.bundle == bundle }) {
                    shapes[index].count += 1
                } else {
                    shapes.append((bundle, 1))
                }
            }
            let demand = ClusterStatus.PlacementGroupDemand(
                bundles: shapes, strategy: info.strategy, count: 1, isInfeasible: info.isInfeasible)
            if let index = demands.firstIndex(where: {
                $0.bundles.map(\.bundle) == shapes.map(\.bundle) && $0.bundles.map(\.count) == shapes.map(\.count)
                    && $0.strategy == info.strategy && $0.isInfeasible == info.isInfeasible
            }) {
                let old = demands[index]
                demands[index] = .init(
                    bundles: old.bundles, strategy: old.strategy, count: old.count + 1, isInfeasible: old.isInfeasible)
            } else {
                demands.append(demand)
            }
        }
        return demands
    }
}
