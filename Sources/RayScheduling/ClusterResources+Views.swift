/// Resource totals and availability by name, as Ray lists them: a node's base resources plus the
/// renamed resources of the placement-group bundles on it. A plain value; thread-safe.
public struct ResourceTable: Sendable, Hashable {
    /// Total per resource name.
    public internal(set) var total: [String: FixedPoint] = [:]
    /// Available per resource name.
    public internal(set) var available: [String: FixedPoint] = [:]

    mutating func add(_ name: String, total: FixedPoint, available: FixedPoint) {
        self.total[name] = (self.total[name] ?? .zero).addingSaturating(total)
        self.available[name] = (self.available[name] ?? .zero).addingSaturating(available)
    }
}

extension ClusterResources {
    /// A node's resources by name (Ray's per-node `available_resources()`): `CPU`, `GPU`,
    /// `memory`, `object_store_memory` and custom resources (available is what is free outside
    /// placement groups), plus for every committed bundle `i` of group `g` on the node Ray's
    /// renamed resources `<name>_group_<i>_<g>` and `<name>_group_<g>` (summed over the group's
    /// bundles on the node), including `bundle_group_<i>_<g>` (1000 tokens per bundle). CPUs
    /// overcommitted by tasks that resumed after a blocked wait show as 0 available, not below:
    /// nothing is free there (``ClusterScheduler/status()`` shows the overcommitment as usage).
    public func resourceTable(ofNode node: Int) throws(SchedulingError) -> ResourceTable {
        guard pools.indices.contains(node) else { throw .unknownNode(id: node, nodeCount: pools.count) }
        var table = ResourceTable()
        let pool = pools[node]
        for index in pool.total.indices where !ResourceID(rawValue: index).isHidden && pool.total[index] != .zero {
            let resource = ResourceID(rawValue: index)
            table.add(names.name(of: resource), total: pool.total[index], available: max(.zero, pool.available(of: resource)))
        }
        for reservation in bundles(on: node) where reservation.committed {
            let group = reservation.id.group
            for index in reservation.pool.total.indices where reservation.pool.total[index] != .zero {
                let resource = ResourceID(rawValue: index)
                let name = names.name(of: resource)
                let total = reservation.pool.total[index]
                let available = max(.zero, reservation.pool.available(of: resource))
                table.add("\(name)_group_\(reservation.id.index)_\(group)", total: total, available: available)
                table.add("\(name)_group_\(group)", total: total, available: available)
            }
        }
        return table
    }

    /// The whole process's resources by name (Ray's `cluster_resources()` and
    /// `available_resources()`): the sum of every node's ``resourceTable(ofNode:)``.
    public var clusterResourceTable: ResourceTable {
        var sum = ResourceTable()
        for node in pools.indices {
            guard let table = try? resourceTable(ofNode: node) else { continue }
            for (name, total) in table.total {
                sum.add(name, total: total, available: table.available[name] ?? .zero)
            }
        }
        return sum
    }
}

extension FixedPoint {
    /// The sum, or the largest representable value when it would overflow (for report totals).
    func addingSaturating(_ other: FixedPoint) -> FixedPoint {
        let (sum, overflow) = rawValue.addingReportingOverflow(other.rawValue)
        return overflow ? FixedPoint(rawValue: other.rawValue < 0 ? Int64.min : Int64.max) : FixedPoint(rawValue: sum)
    }
}
