/// The scheduler's table of placement groups: records by id, live names, the pending groups in
/// creation order, and the most recently removed groups (older removed groups are forgotten, as
/// Ray's GCS caps its destroyed-group cache).
///
/// A plain value; not for concurrent use (the scheduler owns one).
struct PlacementGroupTable: Sendable {
    private(set) var records: [PlacementGroupID: PlacementGroupRecord] = [:]
    private var idsByName: [String: PlacementGroupID] = [:]
    /// Groups waiting to be placed, in creation order.
    private(set) var pending: [PlacementGroupID] = []
    private var removed = FIFOQueue<PlacementGroupID>()
    private var nextID: UInt64 = 1
    /// How many removed groups are remembered.
    let removedKept: Int

    init(removedKept: Int) { self.removedKept = max(0, removedKept) }

    subscript(id: PlacementGroupID) -> PlacementGroupRecord? {
        get { records[id] }
        set { records[id] = newValue }
    }

    func id(named name: String) -> PlacementGroupID? { idsByName[name] }

    /// Records a new pending group and returns its id.
    mutating func add(
        name: String?, strategy: PlacementStrategy, bundles: [ResourceSet], requests: [ResourceRequest],
        order: [Int]
    ) -> PlacementGroupID {
        let id = PlacementGroupID(nextID)
        nextID += 1
        let info = PlacementGroupInfo(
            id: id, name: name, strategy: strategy, bundles: bundles, state: .pending,
            bundleNodes: Array(repeating: nil, count: bundles.count), isInfeasible: false)
        records[id] = PlacementGroupRecord(info: info, requests: requests, placementOrder: order)
        if let name { idsByName[name] = id }
        pending.append(id)
        return id
    }

    /// Takes a group off the pending list (it was created).
    mutating func markPlaced(_ id: PlacementGroupID) {
        if let index = pending.firstIndex(of: id) { pending.remove(at: index) }
    }

    /// Marks a group removed: off the pending list, its name free, remembered among the recently
    /// removed (forgetting the oldest beyond ``removedKept``).
    mutating func markRemoved(_ id: PlacementGroupID) {
        guard var record = records[id] else { return }
        record.info.state = .removed
        record.info.bundleNodes = Array(repeating: nil, count: record.info.bundles.count)
        records[id] = record
        markPlaced(id)
        if let name = record.info.name, idsByName[name] == id { idsByName[name] = nil }
        removed.append(id)
        while removed.count > removedKept, let oldest = removed.popFirst() { records[oldest] = nil }
    }

    /// Every remembered group, by id.
    var all: [PlacementGroupInfo] { records.values.map(\.info).sorted { $0.id < $1.id } }
}
