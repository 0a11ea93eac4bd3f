import Testing

@testable import RayScheduling

@Suite("exclusive cores: exclusive_CPU instances name the PUs an actor holds alone")
struct ExclusiveCoreTests {
    /// An exclusive request of `count` CPUs with `strategy`.
    private func exclusive(
        _ scheduler: inout ClusterScheduler, _ count: Double, strategy: SchedulingStrategy = .default
    ) throws -> SchedulingRequest {
        SchedulingRequest(
            resources: scheduler.resourceRequest(for: try cpus(count)), strategy: strategy, isActorCreation: true,
            exclusiveCPUs: true)
    }

    @Test("each node lends every PU but its lowest, highest first, and counts them as CPUs too")
    func lendsPUsHighestFirst() throws {
        var scheduler = try Fixtures.scheduler(try Fixtures.fourByFour())
        let onZero = try exclusive(&scheduler, 1, strategy: .nodeAffinity(.init(nodeID: 0, soft: false)))
        var pus: [[Int]] = []
        for task in 1...3 {
            let placement = try #require(ClusterScheduler.placed(try scheduler.submit(TaskID(UInt64(task)), onZero)))
            #expect(placement.node == 0)
            pus.append(placement.exclusivePUs)
        }
        #expect(pus == [[3], [2], [1]])
        #expect(scheduler.available("CPU", on: 0) == 1)
        // PU 0 stays with the workers: a fourth exclusive core waits, though a CPU is free.
        #expect(try scheduler.submit(4, onZero) == .waiting(.busy(node: 0)))
        // A plain task still takes the free CPU.
        let plain = scheduler.request(try cpus(1), strategy: .nodeAffinity(.init(nodeID: 0, soft: false)))
        #expect(ClusterScheduler.placed(try scheduler.submit(5, plain))?.exclusivePUs == [])
        // Giving one back frees its CPU and lends its PU to the waiting request.
        scheduler.release(2)
        let update = scheduler.schedulePending()
        #expect(update.scheduled.map(\.task) == [4])
        #expect(update.scheduled.map(\.exclusivePUs) == [[2]])
        scheduler.expectBalanced()
    }

    @Test("several cores at once; more than a node can lend is infeasible, not oversubscribed")
    func severalAndInfeasible() throws {
        var scheduler = try Fixtures.scheduler(try Fixtures.fourByFour())
        let three = try exclusive(&scheduler, 3)
        let placement = try #require(ClusterScheduler.placed(try scheduler.submit(1, three)))
        #expect(placement.exclusivePUs.count == 3)
        let base = placement.node * 4
        #expect(placement.exclusivePUs == [base + 1, base + 2, base + 3])
        let four = try exclusive(&scheduler, 4)
        guard case .infeasible = try scheduler.submit(2, four) else {
            Issue.record("four exclusive cores on 4-PU nodes must be infeasible")
            return
        }
        scheduler.expectBalanced()
    }

    @Test("a fractional part is a plain CPU share; only whole CPUs take PUs")
    func fractionalPart() throws {
        var scheduler = try Fixtures.scheduler(try Fixtures.fourByFour())
        let request = try exclusive(&scheduler, 1.5, strategy: .nodeAffinity(.init(nodeID: 1, soft: false)))
        let placement = try #require(ClusterScheduler.placed(try scheduler.submit(1, request)))
        #expect(placement.exclusivePUs == [7])
        #expect(scheduler.available("CPU", on: 1) == 2.5)
        scheduler.expectBalanced()
    }

    @Test("hidden from resource tables and status; users cannot name it")
    func hiddenAndReserved() throws {
        var scheduler = try Fixtures.scheduler(try Fixtures.fourByFour())
        let one = try exclusive(&scheduler, 1)
        _ = try scheduler.submit(1, one)
        let table = try scheduler.resources.resourceTable(ofNode: 0)
        #expect(!table.total.keys.contains("exclusive_CPU"))
        #expect(!scheduler.status().description.contains("exclusive"))
        #expect(throws: ResourceError.reservedResourceName("exclusive_CPU")) { try ResourceSet(["exclusive_CPU": 1]) }
        #expect(throws: ResourceError.reservedResourceName("exclusive_CPU")) {
            try ResourceSet(cpus: 1, resources: ["exclusive_CPU": 1])
        }
    }

    @Test("a one-PU node lends nothing; a node with fewer CPUs than PUs lends at most its CPUs")
    func smallNodes() throws {
        var spec = try NodeSpec(cpus: 1, pus: [0])
        #expect(NodeResources.exclusivePUs(of: spec) == [])
        spec = try NodeSpec(cpus: 2, pus: [4, 5, 6, 7])
        #expect(NodeResources.exclusivePUs(of: spec) == [7, 6])
        spec = try NodeSpec(cpus: 0.5, pus: [4, 5])
        #expect(NodeResources.exclusivePUs(of: spec) == [])
    }
}
