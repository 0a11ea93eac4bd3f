/// A placement group made by ``RayRuntime/placementGroup(_:strategy:name:)`` (Ray's
/// `ray.util.placement_group`): its id, and its readiness as an ObjectRef that becomes ready when
/// every bundle is reserved (Ray's `pg.ready()`), or fails when the group is removed first.
/// Run tasks in it with `SchedulingStrategy.placementGroup(...)`; see ``strategy(bundleIndex:captureChildTasks:)``.
///
/// Immutable; thread-safe.
public struct PlacementGroup: Sendable, Hashable, CustomStringConvertible {
    /// The group's id (its hex form names its resources: `CPU_group_<id>`).
    public let id: PlacementGroupID
    /// Ready (with `true`) once the group is created.
    public let readyRef: ObjectRef<Bool>
    let runtime: RayRuntime

    /// The ref that becomes ready when the group is created (Ray's `pg.ready()`).
    public func ready() -> ObjectRef<Bool> { readyRef }

    /// Waits up to `timeout` seconds for the group to be created; whether it was (Ray's
    /// `pg.wait(timeout_seconds)`). Throws for a negative or NaN timeout.
    public func wait(timeout: Double) throws -> Bool {
        let (ready, _) = try runtime.wait([readyRef], numReturns: 1, timeout: timeout)
        guard !ready.isEmpty else { return false }
        return (try? runtime.get(readyRef)) == true
    }

    /// The strategy that runs a task or actor in this group: in bundle `bundleIndex` (-1: any
    /// bundle that fits), with its children too when `captureChildTasks`.
    public func strategy(bundleIndex: Int = -1, captureChildTasks: Bool = false) -> SchedulingStrategy {
        .placementGroup(PlacementGroupSchedulingStrategy(
            placementGroup: id, bundleIndex: bundleIndex, captureChildTasks: captureChildTasks))
    }

    /// The group's row in the table now.
    public var info: PlacementGroupInfo? { runtime.placementGroupTable.first { $0.id == id } }

    public static func == (lhs: PlacementGroup, rhs: PlacementGroup) -> Bool { lhs.id == rhs.id }
    public func hash(into hasher: inout Hasher) { hasher.combine(id) }
    public var description: String { "PlacementGroup(\(id))" }
}

/// Placement groups and the cluster's status (Ray's `placement_group`, `remove_placement_group`,
/// `get_placement_group`, `placement_group_table`, `ray status`).
extension RayRuntime {
    /// Creates a group of `bundles` (each a resource dictionary such as `["CPU": 2, "GPU": 1]`)
    /// with `strategy`; returns at once. Creation is atomic: all bundles are reserved, or none
    /// while the group stays PENDING (reported as a demand; infeasible groups never hang a
    /// caller that waits with a timeout). Throws ``RuntimeError`` for an empty group or bundle,
    /// invalid quantities, or a name a live group already has.
    public func placementGroup(
        _ bundles: [[String: Double]], strategy: PlacementStrategy = .pack, name: String? = nil
    ) throws(RuntimeError) -> PlacementGroup {
        var sets: [ResourceSet] = []
        for bundle in bundles {
            do { sets.append(try ResourceSet(bundle)) } catch { throw .invalidResource(error) }
        }
        let readyRef: ObjectRef<Bool>
        do { readyRef = try store.makePending(of: Bool.self) } catch { throw .shutDown }
        let id = try dispatcher.createPlacementGroup(sets, strategy: strategy, name: name, ready: readyRef)
        return PlacementGroup(id: id, readyRef: readyRef, runtime: self)
    }

    /// Removes a group (Ray's `remove_placement_group`): its reservations go back to their nodes,
    /// its queued tasks fail with ``TaskUnschedulable``, tasks still running in it finish but run
    /// nothing more there, and its `ready()` ref fails if the group was not created yet. Throws
    /// ``RuntimeError/scheduling(_:)`` the second time.
    public func removePlacementGroup(_ group: PlacementGroup) throws(RuntimeError) {
        try dispatcher.removePlacementGroup(group.id)
    }

    /// The live group named `name` (Ray's `get_placement_group`). Throws
    /// ``RuntimeError/scheduling(_:)`` naming it when there is none.
    public func placementGroup(named name: String) throws(RuntimeError) -> PlacementGroup {
        let (id, ready) = try dispatcher.placementGroup(named: name)
        return PlacementGroup(id: id, readyRef: ready, runtime: self)
    }

    /// Every remembered group with its state and the node of each bundle (Ray's
    /// `placement_group_table()`).
    public var placementGroupTable: [PlacementGroupInfo] { dispatcher.withScheduler { $0.placementGroupTable } }

    /// Ray's `ray status` for this process: per resource used/total with placement-group
    /// reservations, pending demands, and a per-domain breakdown. Print it for Ray's layout.
    public func status() -> ClusterStatus { dispatcher.withScheduler { $0.status() } }
}
