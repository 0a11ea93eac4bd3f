import Testing

@testable import RayScheduling

@Suite("Placement group life: atomic creation, reserved resources, removal, lookup")
struct PlacementGroupLifecycleTests {
    @Test("creation is atomic: if any bundle cannot be placed nothing is reserved")
    func atomicCreation() throws {
        var scheduler = try Fixtures.scheduler(try Fixtures.fourByFour())
        _ = try scheduler.submit(1, scheduler.request(try cpus(3), strategy: .nodeAffinity(.init(nodeID: 3, soft: false))))
        let before = scheduler.resources.pools
        // Three bundles fit nodes 0-2, the fourth {CPU: 2} fits nowhere now (node 3 has 1 left).
        let id = try scheduler.createPlacementGroup(
            [try cpus(4), try cpus(4), try cpus(4), try resources(["CPU": 2])], strategy: .strictSpread)
        #expect(try scheduler.placementGroup(id).state == .pending)
        #expect(try !scheduler.placementGroup(id).isInfeasible)
        #expect(scheduler.resources.pools == before)
        #expect(scheduler.resources.bundles.isEmpty)
        scheduler.expectBalanced()
        scheduler.release(1)
        #expect(scheduler.schedulePending().createdPlacementGroups == [id])
        #expect(try scheduler.placementGroup(id).state == .created)
        scheduler.expectBalanced()
    }

    @Test("two groups compete for the last resources and exactly one gets them")
    func competition() throws {
        var scheduler = try Fixtures.scheduler(try Fixtures.fourByFour())
        let filler = try scheduler.createPlacementGroup([try cpus(4), try cpus(4), try cpus(4)], strategy: .strictSpread)
        let a = try scheduler.createPlacementGroup([try cpus(2), try cpus(2)], strategy: .strictPack)
        let b = try scheduler.createPlacementGroup([try cpus(2), try cpus(2)], strategy: .strictPack)
        #expect(try scheduler.placementGroup(a).state == .created)
        #expect(try scheduler.placementGroup(b).state == .pending)
        #expect(scheduler.available("CPU", on: 3) == 0)
        // Both wait for the same node: removing the first gives it to the second, never to both.
        let c = try scheduler.createPlacementGroup([try cpus(4)], strategy: .pack)
        _ = try scheduler.removePlacementGroup(a)
        let update = scheduler.schedulePending()
        #expect(update.createdPlacementGroups == [b])
        #expect(try scheduler.placementGroup(c).state == .pending)
        #expect(try scheduler.placementGroup(filler).state == .created)
        scheduler.expectBalanced()
    }

    @Test("reserved resources are renamed per group so that only the group's tasks use them")
    func renamedResources() throws {
        var scheduler = try Fixtures.scheduler(try Fixtures.fourByFour(), perNode: [1: .init(cpus: 0), 2: .init(cpus: 0), 3: .init(cpus: 0)])
        let id = try scheduler.createPlacementGroup([try cpus(2), try cpus(1)], strategy: .pack)
        let table = try scheduler.resources.resourceTable(ofNode: 0)
        let g = id.description
        #expect(table.total["CPU"] == FixedPoint(exactly: 4))
        #expect(table.available["CPU"] == .one)
        #expect(table.total["CPU_group_0_\(g)"] == FixedPoint(exactly: 2))
        #expect(table.total["CPU_group_1_\(g)"] == .one)
        #expect(table.total["CPU_group_\(g)"] == FixedPoint(exactly: 3))
        #expect(table.total["bundle_group_0_\(g)"] == FixedPoint(exactly: 1000))
        #expect(table.total["bundle_group_\(g)"] == FixedPoint(exactly: 2000))
        // A task outside the group sees only the 1 free CPU.
        let two = scheduler.request(try cpus(2))
        #expect(try scheduler.submit(1, two) == .waiting(.busy(node: 0)))
        let inGroup = scheduler.request(try cpus(2), strategy: .placementGroup(.init(placementGroup: id)))
        let placed = try #require(ClusterScheduler.placed(try scheduler.submit(2, inGroup)))
        #expect(placed.bundle?.index == 0)
        let after = try scheduler.resources.resourceTable(ofNode: 0)
        #expect(after.available["CPU_group_0_\(g)"] == .zero)
        #expect(after.available["CPU_group_\(g)"] == .one)
        #expect(after.available["bundle_group_0_\(g)"] == FixedPoint(rawValue: 1000 * 10_000 - 10))
        #expect(scheduler.resources.clusterResourceTable.total["CPU"] == FixedPoint(exactly: 4))
        scheduler.expectBalanced()
    }

    @Test("a zero-resource task in a group still takes a bundle token, so it runs inside the group")
    func bundleToken() throws {
        var scheduler = try Fixtures.scheduler(try Fixtures.fourByFour())
        let id = try scheduler.createPlacementGroup([try cpus(1), try cpus(1)], strategy: .strictSpread)
        let nothing = scheduler.request(ResourceSet(), strategy: .placementGroup(.init(placementGroup: id, bundleIndex: 1)))
        let placed = try #require(ClusterScheduler.placed(try scheduler.submit(1, nothing)))
        #expect(placed.node == 1)
        #expect(placed.allocation.amounts.amount(of: .bundle) == FixedPoint(rawValue: 10))
        #expect(scheduler.assignedResources(of: 1) == ResourceSet())
        #expect(scheduler.resources.bundlePool(BundleID(group: id, index: 1))?.available(of: .bundle)
            == FixedPoint(rawValue: 1000 * 10_000 - 10))
        scheduler.expectBalanced()
    }

    @Test("tasks of a group wait until it is created; removal kills its running tasks and fails its queued ones")
    func tasksAndRemoval() throws {
        var scheduler = try Fixtures.scheduler(try Fixtures.fourByFour())
        let blocker = try scheduler.createPlacementGroup([try cpus(4), try cpus(4), try cpus(4), try cpus(4)], strategy: .spread)
        let id = try scheduler.createPlacementGroup([try cpus(2)], strategy: .pack, name: "workers")
        let one = scheduler.request(try cpus(1), strategy: .placementGroup(.init(placementGroup: id, bundleIndex: 0)))
        #expect(try scheduler.submit(1, one) == .waiting(.placementGroupPending(id)))
        _ = try scheduler.removePlacementGroup(blocker)
        var update = scheduler.schedulePending()
        #expect(update.createdPlacementGroups == [id])
        #expect(update.scheduled.map(\.task) == [1])
        #expect(ClusterScheduler.placed(try scheduler.submit(2, one)) != nil)
        #expect(try scheduler.submit(3, one) == .waiting(.busy(node: 0)))
        let removal = try scheduler.removePlacementGroup(id)
        #expect(removal.killedTasks == [1, 2])
        #expect(removal.failedQueuedTasks == [3])
        let done1 = scheduler.release(1)
        #expect(!done1)  // already freed by the removal
        #expect(try scheduler.placementGroup(id).state == .removed)
        #expect(scheduler.available("CPU", on: 0) == 4)
        #expect(try scheduler.submit(4, one) == .unschedulable(.placementGroupRemoved(id)))
        update = scheduler.schedulePending()
        #expect(update.isEmpty)
        scheduler.expectBalanced()
    }

    @Test("bad input is a typed error naming the value")
    func badInput() throws {
        var scheduler = try Fixtures.scheduler(try Fixtures.fourByFour())
        #expect(throws: SchedulingError.emptyPlacementGroup) { try scheduler.createPlacementGroup([]) }
        #expect(throws: SchedulingError.emptyBundle(index: 1)) {
            try scheduler.createPlacementGroup([try cpus(1), ResourceSet(), try cpus(1)])
        }
        #expect(throws: SchedulingError.emptyBundle(index: 0)) { try scheduler.createPlacementGroup([try resources(["CPU": 0])]) }
        let id = try scheduler.createPlacementGroup([try cpus(1), try cpus(2)], name: "pg")
        #expect(throws: SchedulingError.duplicatePlacementGroupName("pg")) {
            try scheduler.createPlacementGroup([try cpus(1)], name: "pg")
        }
        for index in [2, -2, 7] {
            let request = scheduler.request(try cpus(1), strategy: .placementGroup(.init(placementGroup: id, bundleIndex: index)))
            #expect(throws: SchedulingError.bundleIndexOutOfRange(index: index, group: id, bundleCount: 2)) {
                try scheduler.submit(1, request)
            }
        }
        let tooBig = scheduler.request(try cpus(3), strategy: .placementGroup(.init(placementGroup: id)))
        #expect(throws: SchedulingError.requestExceedsBundle(request: "{'CPU': 3.0}", group: id, bundleIndex: -1)) {
            try scheduler.submit(1, tooBig)
        }
        let tooBigForZero = scheduler.request(try cpus(2), strategy: .placementGroup(.init(placementGroup: id, bundleIndex: 0)))
        #expect(throws: SchedulingError.requestExceedsBundle(request: "{'CPU': 2.0}", group: id, bundleIndex: 0)) {
            try scheduler.submit(1, tooBigForZero)
        }
        let unknown = PlacementGroupID(999)
        let lost = scheduler.request(try cpus(1), strategy: .placementGroup(.init(placementGroup: unknown)))
        #expect(throws: SchedulingError.unknownPlacementGroup(unknown)) { try scheduler.submit(1, lost) }
        #expect(throws: SchedulingError.unknownPlacementGroup(unknown)) { try scheduler.removePlacementGroup(unknown) }
        _ = try scheduler.removePlacementGroup(id)
        #expect(throws: SchedulingError.placementGroupAlreadyRemoved(id)) { try scheduler.removePlacementGroup(id) }
        #expect(SchedulingError.placementGroupAlreadyRemoved(id).description.contains(id.description))
        #expect(SchedulingError.bundleIndexOutOfRange(index: 7, group: id, bundleCount: 2).description.contains("7"))
        scheduler.expectBalanced()
    }

    @Test("lookup by name, the table with state and per-bundle node, names free after removal")
    func lookupAndTable() throws {
        var scheduler = try Fixtures.scheduler(try Fixtures.fourByFour())
        let a = try scheduler.createPlacementGroup([try cpus(1), try cpus(1)], strategy: .strictSpread, name: "a")
        let b = try scheduler.createPlacementGroup([try cpus(8)], name: "b")
        #expect(try scheduler.placementGroup(named: "a").id == a)
        #expect(throws: SchedulingError.unknownPlacementGroupName("zzz")) { try scheduler.placementGroup(named: "zzz") }
        let table = scheduler.placementGroupTable
        #expect(table.map(\.id) == [a, b])
        #expect(table.map(\.state) == [.created, .pending])
        #expect(table.map(\.bundleNodes) == [[0, 1], [nil]])
        #expect(table.map(\.isInfeasible) == [false, true])
        #expect(table[0].strategy == .strictSpread && table[0].name == "a")
        #expect(scheduler.pendingPlacementGroups == [b])
        _ = try scheduler.removePlacementGroup(a)
        #expect(throws: SchedulingError.unknownPlacementGroupName("a")) { try scheduler.placementGroup(named: "a") }
        #expect(try scheduler.placementGroup(a).state == .removed)
        let again = try scheduler.createPlacementGroup([try cpus(1)], name: "a")
        #expect(try scheduler.placementGroup(named: "a").id == again)
        #expect(PlacementGroupState.allCases.map(\.rawValue) == ["PENDING", "PREPARED", "CREATED", "REMOVED", "RESCHEDULING"])
        scheduler.expectBalanced()
    }

    @Test("capture child tasks: children that name no strategy go into the parent's group")
    func captureChildTasks() {
        let group = PlacementGroupID(5)
        let capturing = SchedulingStrategy.placementGroup(.init(placementGroup: group, bundleIndex: 1, captureChildTasks: true))
        #expect(SchedulingStrategy.forChild(requested: nil, parent: capturing)
            == .placementGroup(.init(placementGroup: group, bundleIndex: -1, captureChildTasks: true)))
        #expect(SchedulingStrategy.forChild(requested: .spread, parent: capturing) == .spread)
        let plain = SchedulingStrategy.placementGroup(.init(placementGroup: group))
        #expect(SchedulingStrategy.forChild(requested: nil, parent: plain) == .default)
        #expect(SchedulingStrategy.forChild(requested: nil, parent: nil) == .default)
    }

    @Test("the table forgets the oldest removed groups beyond its limit")
    func removedGroupsForgotten() throws {
        var scheduler = try Fixtures.scheduler(
            try Fixtures.fourByFour(), options: SchedulerOptions(removedPlacementGroupsKept: 2))
        var ids: [PlacementGroupID] = []
        for _ in 0..<4 {
            let id = try scheduler.createPlacementGroup([try cpus(1)])
            _ = try scheduler.removePlacementGroup(id)
            ids.append(id)
        }
        #expect(scheduler.placementGroupTable.map(\.id) == Array(ids.suffix(2)))
        #expect(throws: SchedulingError.unknownPlacementGroup(ids[0])) { try scheduler.removePlacementGroup(ids[0]) }
        #expect(throws: SchedulingError.placementGroupAlreadyRemoved(ids[3])) { try scheduler.removePlacementGroup(ids[3]) }
        scheduler.expectBalanced()
    }
}
