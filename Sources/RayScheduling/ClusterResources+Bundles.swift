/// Placement-group bundles: the two phases of creation (prepare, then commit) and their return.
extension ClusterResources {
    /// Phase one: records `taken` (already allocated from `node`'s pool by a bundle policy) as
    /// the prepared reservation of `bundle`. It is reserved but no task can use it yet.
    mutating func prepareBundle(_ bundle: BundleID, node: Int, taken: ResourceAllocation) {
        bundles[bundle] = BundleReservation(id: bundle, node: node, take: taken)
    }

    /// Phase two: makes a prepared bundle usable by its group's tasks.
    mutating func commitBundle(_ bundle: BundleID) {
        bundles[bundle]?.committed = true
    }

    /// Returns a bundle's reservation to its node. Tasks still running in it lose what they hold
    /// (they are killed by the caller); their ids are returned, ascending.
    mutating func returnBundle(_ bundle: BundleID) -> [TaskID] {
        guard let reservation = bundles.removeValue(forKey: bundle) else { return [] }
        let killed = reservation.tasks.sorted()
        for task in killed { tasks[task] = nil }
        pools[reservation.node].free(reservation.take)
        return killed
    }

    /// The reservations on `node`, by bundle id.
    func bundles(on node: Int) -> [BundleReservation] {
        bundles.values.filter { $0.node == node }.sorted { $0.id < $1.id }
    }

    /// The node pools with nothing allocated: what the cluster could ever offer. Used to tell an
    /// infeasible placement group (it can never be placed) from one that waits for resources.
    var idlePools: [ResourcePool] { pools.map(\.idle) }
}
