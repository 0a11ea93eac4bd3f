/// One place where the scheduler's books do not balance, found by
/// ``ClusterResources/auditBooks()``. A plain value; thread-safe.
public struct BooksDiscrepancy: Sendable, Hashable, CustomStringConvertible {
    /// `node N` or `bundle I of placement group G`.
    public var place: String
    /// The resource name.
    public var resource: String
    /// What does not add up.
    public var detail: String

    public var description: String { "\(place), \(resource): \(detail)" }
}

extension ClusterResources {
    /// Checks the books: for every node and every bundle, and every resource, total = available +
    /// allocated, where allocated is the sum of what the running tasks hold there (and, on a node,
    /// what its bundles reserved); no availability is above its total or negative (CPU may be:
    /// a task leaving a blocked wait overcommits, see ``reacquireCPU(_:)``); every unit-instance
    /// resource balances instance by instance and sums to its aggregate. Returns every
    /// discrepancy (none when the books are exact).
    public func auditBooks() -> [BooksDiscrepancy] {
        var problems: [BooksDiscrepancy] = []
        var onNode: [[ResourceAllocation]] = Array(repeating: [], count: pools.count)
        var inBundle: [BundleID: [ResourceAllocation]] = [:]
        var bundleMembers: [BundleID: Set<TaskID>] = [:]
        for (task, holding) in tasks {
            guard pools.indices.contains(holding.node) else {
                problems.append(.init(place: "\(task)", resource: "-", detail: "runs on unknown node \(holding.node)"))
                continue
            }
            if let bundle = holding.bundle {
                inBundle[bundle, default: []].append(holding.held)
                bundleMembers[bundle, default: []].insert(task)
                if bundles[bundle]?.node != holding.node {
                    problems.append(.init(place: "\(task)", resource: "-", detail: "runs outside its \(bundle)"))
                }
            } else {
                onNode[holding.node].append(holding.held)
            }
        }
        for reservation in bundles.values {
            guard pools.indices.contains(reservation.node) else { continue }
            onNode[reservation.node].append(reservation.take)
            let place = "bundle \(reservation.id.index) of placement group \(reservation.id.group)"
            problems += audit(reservation.pool, holders: inBundle[reservation.id] ?? [], place: place)
            if reservation.tasks != bundleMembers[reservation.id] ?? [] {
                problems.append(.init(place: place, resource: "-", detail: "its task list does not match its tasks"))
            }
            for entry in reservation.take.amounts.entries
            where reservation.pool.total(of: entry.resource) != entry.amount {
                problems.append(.init(
                    place: place, resource: names.name(of: entry.resource),
                    detail: "reserved \(entry.amount) on node \(reservation.node) but holds "
                        + "\(reservation.pool.total(of: entry.resource))"))
            }
        }
        for bundle in inBundle.keys where bundles[bundle] == nil {
            problems.append(.init(place: "\(bundle)", resource: "-", detail: "tasks run in a bundle that does not exist"))
        }
        for node in pools.indices {
            problems += audit(pools[node], holders: onNode[node], place: "node \(node)")
        }
        return problems
    }

    /// Checks one pool against what its holders took from it.
    private func audit(_ pool: ResourcePool, holders: [ResourceAllocation], place: String) -> [BooksDiscrepancy] {
        var problems: [BooksDiscrepancy] = []
        var allocated = Array(repeating: FixedPoint.zero, count: max(pool.total.count, names.count))
        var instanceTaken: [ResourceID: [Int: FixedPoint]] = [:]
        for holder in holders {
            for entry in holder.amounts.entries {
                if allocated.count <= entry.resource.rawValue {
                    allocated += Array(repeating: .zero, count: entry.resource.rawValue + 1 - allocated.count)
                }
                allocated[entry.resource.rawValue] = allocated[entry.resource.rawValue].addingSaturating(entry.amount)
            }
            for take in holder.instances {
                instanceTaken[take.resource, default: [:]][take.instance, default: .zero] += take.amount
            }
        }
        for index in allocated.indices {
            let resource = ResourceID(rawValue: index)
            let total = pool.total(of: resource)
            let available = pool.available(of: resource)
            let name = names.name(of: resource)
            if total != available.addingSaturating(allocated[index]) {
                problems.append(.init(
                    place: place, resource: name,
                    detail: "total \(total) != available \(available) + allocated \(allocated[index])"))
            }
            if (available < .zero && resource != .cpu) || available > total {
                problems.append(.init(place: place, resource: name, detail: "available \(available) outside 0...\(total)"))
            }
        }
        for unit in pool.units {
            let name = names.name(of: unit.resource)
            let taken = instanceTaken[unit.resource] ?? [:]
            for instance in unit.capacity.indices {
                let held = taken[instance] ?? .zero
                if unit.capacity[instance] != unit.available[instance] + held || (unit.available[instance] < .zero && unit.resource != .cpu) {
                    problems.append(.init(
                        place: place, resource: "\(name) instance \(unit.labels[instance])",
                        detail: "capacity \(unit.capacity[instance]) != available \(unit.available[instance]) + "
                            + "allocated \(held)"))
                }
            }
            if let bad = taken.keys.first(where: { !unit.capacity.indices.contains($0) }) {
                problems.append(.init(place: place, resource: name, detail: "instance \(bad) does not exist"))
            }
            if unit.availableSum != pool.available(of: unit.resource) || unit.capacitySum != pool.total(of: unit.resource) {
                problems.append(.init(
                    place: place, resource: name,
                    detail: "instances sum to \(unit.availableSum)/\(unit.capacitySum), the pool says "
                        + "\(pool.available(of: unit.resource))/\(pool.total(of: unit.resource))"))
            }
        }
        return problems
    }
}
