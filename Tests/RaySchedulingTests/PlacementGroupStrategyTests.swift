import Testing

@testable import RayScheduling

@Suite("Placement group strategies and Ray's bundle scoring")
struct PlacementGroupStrategyTests {
    func bundles(_ count: Int, cpus: Double) throws -> [ResourceSet] {
        try Array(repeating: ResourceSet(["CPU": cpus]), count: count)
    }

    @Test("PACK of three {CPU: 2} bundles on 4x4 CPUs: two on one node, one on the next")
    func pack() throws {
        var scheduler = try Fixtures.scheduler(try Fixtures.fourByFour())
        let id = try scheduler.createPlacementGroup(try bundles(3, cpus: 2), strategy: .pack)
        let info = try scheduler.placementGroup(id)
        #expect(info.state == .created)
        #expect(info.bundleNodes == [0, 0, 1])
        #expect(scheduler.available("CPU", on: 0) == 0)
        #expect(scheduler.available("CPU", on: 1) == 2)
        scheduler.expectBalanced()
    }

    @Test("PACK puts everything on one node when it fits, the emptiest node first")
    func packOneNode() throws {
        var scheduler = try Fixtures.scheduler(try Fixtures.fourByFour())
        _ = try scheduler.submit(1, scheduler.request(try cpus(1)))  // node 0 is no longer the emptiest
        let id = try scheduler.createPlacementGroup(try bundles(2, cpus: 2), strategy: .pack)
        #expect(try scheduler.placementGroup(id).bundleNodes == [1, 1])
        scheduler.expectBalanced()
    }

    @Test("STRICT_PACK of {CPU: 3} x 2 on 4-CPU nodes is infeasible: pending, nothing reserved, reported")
    func strictPackInfeasible() throws {
        var scheduler = try Fixtures.scheduler(try Fixtures.fourByFour())
        let before = scheduler.resources.pools
        let id = try scheduler.createPlacementGroup(try bundles(2, cpus: 3), strategy: .strictPack)
        let info = try scheduler.placementGroup(id)
        #expect(info.state == .pending)
        #expect(info.isInfeasible)
        #expect(info.bundleNodes == [nil, nil])
        #expect(scheduler.resources.pools == before)
        #expect(scheduler.status().placementGroupDemands.count == 1)
        #expect(scheduler.status().description.contains(
            " {'CPU': 3.0} * 2 (STRICT_PACK): 1+ pending placement groups (infeasible)"))
        #expect(scheduler.schedulePending().isEmpty)
        // STRICT_PACK of {CPU: 2} x 2 fits one node.
        let fits = try scheduler.createPlacementGroup(try bundles(2, cpus: 2), strategy: .strictPack)
        #expect(try scheduler.placementGroup(fits).bundleNodes == [0, 0])
        scheduler.expectBalanced()
    }

    @Test("SPREAD of 4 bundles uses 4 distinct nodes; with more bundles than nodes it reuses nodes")
    func spread() throws {
        var scheduler = try Fixtures.scheduler(try Fixtures.fourByFour())
        let id = try scheduler.createPlacementGroup(try bundles(4, cpus: 1), strategy: .spread)
        #expect(try scheduler.placementGroup(id).bundleNodes == [0, 1, 2, 3])
        let more = try scheduler.createPlacementGroup(try bundles(6, cpus: 1), strategy: .spread)
        let nodes = try scheduler.placementGroup(more).bundleNodes.compactMap { $0 }
        #expect(nodes.count == 6)
        #expect(Set(nodes) == [0, 1, 2, 3])
        scheduler.expectBalanced()
    }

    @Test("STRICT_SPREAD: distinct nodes; more bundles than nodes is infeasible and never hangs")
    func strictSpread() throws {
        var scheduler = try Fixtures.scheduler(try Fixtures.fourByFour())
        let fits = try scheduler.createPlacementGroup(try bundles(3, cpus: 4), strategy: .strictSpread)
        #expect(try scheduler.placementGroup(fits).bundleNodes == [0, 1, 2])
        let tooMany = try scheduler.createPlacementGroup(try bundles(5, cpus: 1), strategy: .strictSpread)
        let info = try scheduler.placementGroup(tooMany)
        #expect(info.state == .pending && info.isInfeasible)
        // Feasible on an idle cluster but busy now: pending, not infeasible.
        let busy = try scheduler.createPlacementGroup(try bundles(2, cpus: 4), strategy: .strictSpread)
        #expect(try scheduler.placementGroup(busy).state == .pending)
        #expect(try !scheduler.placementGroup(busy).isInfeasible)
        _ = try scheduler.removePlacementGroup(fits)
        #expect(scheduler.schedulePending().createdPlacementGroups == [busy])
        #expect(try scheduler.placementGroup(busy).bundleNodes == [0, 1])
        #expect(try scheduler.placementGroup(tooMany).state == .pending)
        scheduler.expectBalanced()
    }

    @Test("a GPU bundle goes to a node with GPUs and its task sees the bundle's GPU ids")
    func gpuBundle() throws {
        var scheduler = try Fixtures.scheduler(try Fixtures.pciMachine())
        let id = try scheduler.createPlacementGroup([try resources(["CPU": 1, "GPU": 2])])
        #expect(try scheduler.placementGroup(id).bundleNodes == [1])
        let inGroup = scheduler.request(
            try ResourceSet(cpus: 1, gpus: 1), strategy: .placementGroup(.init(placementGroup: id, bundleIndex: 0)))
        let task = try #require(ClusterScheduler.placed(try scheduler.submit(1, inGroup)))
        #expect(task.node == 1)
        #expect(task.gpuIDs == [1])
        #expect(task.bundle == BundleID(group: id, index: 0))
        let second = scheduler.request(try ResourceSet(gpus: 1), strategy: .placementGroup(.init(placementGroup: id)))
        #expect(ClusterScheduler.placed(try scheduler.submit(2, second))?.gpuIDs == [2])
        #expect(try scheduler.submit(3, second) == .waiting(.busy(node: 1)))
        scheduler.expectBalanced()
    }

    @Test("bundles are placed scarcest first: GPU, then custom, object store, memory, CPU")
    func scarcestFirst() throws {
        var names = ResourceNameTable()
        let requests = try [
            ResourceSet(["CPU": 4]), ResourceSet(["memory": 10, "CPU": 1]), ResourceSet(["GPU": 1]),
            ResourceSet(["accel": 1]), ResourceSet(["object_store_memory": 10]), ResourceSet(["GPU": 2]),
            ResourceSet(["CPU": 4]),
        ].map { names.request(for: $0) }
        #expect(BundleScoring.scarcestFirst(requests, names: names) == [5, 2, 3, 4, 1, 0, 6])
    }

    @Test("Ray's least-resource score: the sum of (available - requested) / available; -1 when it does not fit")
    func leastResourceScore() throws {
        var names = ResourceNameTable()
        let spec = try NodeSpec(cpus: 4, gpuIDs: [0, 1], memoryBytes: 100)
        let pool = NodeResources.makePool(spec: spec, names: &names)
        let bundle = names.request(for: try ResourceSet(["CPU": 1, "GPU": 1, "memory": 50]))
        #expect(BundleScoring.score(bundle, on: pool) == 0.75 + 0.5 + 0.5)
        #expect(BundleScoring.score(names.request(for: try ResourceSet(["CPU": 5])), on: pool) == -1)
    }

    @Test("huge bundles never overflow: a STRICT_PACK whose sum exceeds fixed point is infeasible")
    func hugeBundles() throws {
        var scheduler = try Fixtures.scheduler(try Fixtures.fourByFour())
        let huge = try resources(["CPU": 9e14])
        let id = try scheduler.createPlacementGroup([huge, huge, huge], strategy: .strictPack)
        #expect(try scheduler.placementGroup(id).isInfeasible)
        scheduler.expectBalanced()
    }

    @Test("a bundle on a node that pins CPUs reserves PUs and hands them to its tasks")
    func pinnedBundle() throws {
        var scheduler = try Fixtures.scheduler(try Fixtures.fourByFour(), allNodes: NodeOverrides(pinCPUs: true))
        _ = try scheduler.submit(1, scheduler.request(try cpus(1)))  // PU 0 of node 0
        let id = try scheduler.createPlacementGroup([try cpus(2)], strategy: .pack)
        #expect(try scheduler.placementGroup(id).bundleNodes == [1])
        let bundle = try #require(scheduler.resources.bundlePool(BundleID(group: id, index: 0)))
        #expect(bundle.units.first?.labels == [4, 5])
        let inGroup = scheduler.request(try cpus(1), strategy: .placementGroup(.init(placementGroup: id)))
        #expect(ClusterScheduler.placed(try scheduler.submit(2, inGroup))?.cpuIDs == [4])
        #expect(ClusterScheduler.placed(try scheduler.submit(3, inGroup))?.cpuIDs == [5])
        #expect(ClusterScheduler.placed(try scheduler.submit(4, scheduler.request(try cpus(2), strategy: .spread)))?.cpuIDs
            == [1, 2])
        scheduler.expectBalanced()
    }
}
