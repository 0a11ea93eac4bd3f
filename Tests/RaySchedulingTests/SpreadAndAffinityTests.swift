import Testing

@testable import RayScheduling

@Suite("SPREAD and node affinity strategies")
struct SpreadAndAffinityTests {
    @Test("SPREAD: round robin with a persistent cursor, skipping nodes where the task does not fit now")
    func spreadRoundRobin() throws {
        var scheduler = try Fixtures.scheduler(try Fixtures.fourByFour())
        let one = scheduler.request(try cpus(1), strategy: .spread)
        var nodes: [Int] = []
        for task in 0..<6 { nodes.append(try #require(ClusterScheduler.placed(try scheduler.submit(TaskID(UInt64(task)), one))).node) }
        #expect(nodes == [0, 1, 2, 3, 0, 1])
        // Fill node 2; the cursor (at 2) skips it.
        let three = scheduler.request(try cpus(3), strategy: .nodeAffinity(.init(nodeID: 2, soft: false)))
        #expect(ClusterScheduler.placed(try scheduler.submit(10, three))?.node == 2)
        #expect(ClusterScheduler.placed(try scheduler.submit(11, one))?.node == 3)
        #expect(ClusterScheduler.placed(try scheduler.submit(12, one))?.node == 0)
        scheduler.expectBalanced()
    }

    @Test("SPREAD: when no node has room the task waits on the next feasible node in the round")
    func spreadWaits() throws {
        var scheduler = try Fixtures.scheduler(try Fixtures.fourByFour())
        let four = scheduler.request(try cpus(4), strategy: .spread)
        for task in 0..<4 { #expect(ClusterScheduler.placed(try scheduler.submit(TaskID(UInt64(task)), four))?.node == task) }
        #expect(try scheduler.submit(4, four) == .waiting(.busy(node: 0)))
        scheduler.release(2)
        let update = scheduler.schedulePending()
        #expect(update.scheduled.map(\.node) == [2])
        #expect(update.scheduled.map(\.task) == [4])
        scheduler.expectBalanced()
    }

    @Test("hard affinity to a busy node waits there and runs there when it frees up")
    func hardAffinityWaits() throws {
        var scheduler = try Fixtures.scheduler(try Fixtures.fourByFour())
        let onTwo = scheduler.request(try cpus(2), strategy: .nodeAffinity(.init(nodeID: 2, soft: false)))
        #expect(ClusterScheduler.placed(try scheduler.submit(1, onTwo))?.node == 2)
        #expect(ClusterScheduler.placed(try scheduler.submit(2, onTwo))?.node == 2)
        #expect(try scheduler.submit(3, onTwo) == .waiting(.busy(node: 2)))
        #expect(scheduler.schedulePending().isEmpty)  // other nodes are free, but it waits for node 2
        scheduler.release(1)
        let update = scheduler.schedulePending()
        #expect(update.scheduled.map(\.node) == [2])
        #expect(scheduler.placement(of: 3)?.node == 2)
        scheduler.expectBalanced()
    }

    @Test("soft affinity to a missing node runs elsewhere; hard affinity to it fails at once naming it")
    func missingNode() throws {
        var scheduler = try Fixtures.scheduler(try Fixtures.fourByFour())
        let soft = scheduler.request(try cpus(1), strategy: .nodeAffinity(.init(nodeID: 9, soft: true)))
        let placed = try #require(ClusterScheduler.placed(try scheduler.submit(1, soft)))
        #expect((0..<4).contains(placed.node))
        let hard = scheduler.request(try cpus(1), strategy: .nodeAffinity(.init(nodeID: 9, soft: false)))
        #expect(try scheduler.submit(2, hard) == .unschedulable(.hardAffinityNodeMissing(node: 9)))
        #expect(!scheduler.isQueued(2))
        #expect(SchedulingError.hardAffinityNodeMissing(node: 9).description.contains("node 9"))
        scheduler.expectBalanced()
    }

    @Test("hard affinity to a node that can never fit the request fails at once; soft falls back to DEFAULT")
    func infeasibleNode() throws {
        var scheduler = try Fixtures.scheduler(try Fixtures.fourByFour(), perNode: [1: NodeOverrides(cpus: 8)])
        let hard = scheduler.request(try cpus(6), strategy: .nodeAffinity(.init(nodeID: 0, soft: false)))
        #expect(try scheduler.submit(1, hard)
            == .unschedulable(.hardAffinityNodeInfeasible(node: 0, request: "{'CPU': 6.0}")))
        let soft = scheduler.request(try cpus(6), strategy: .nodeAffinity(.init(nodeID: 0, soft: true)))
        #expect(ClusterScheduler.placed(try scheduler.submit(2, soft))?.node == 1)
        scheduler.expectBalanced()
    }

    @Test("soft affinity waits on a busy node, unless it may spill on unavailable")
    func softBusy() throws {
        var scheduler = try Fixtures.scheduler(try Fixtures.fourByFour())
        let fill = scheduler.request(try cpus(4), strategy: .nodeAffinity(.init(nodeID: 3, soft: false)))
        #expect(ClusterScheduler.placed(try scheduler.submit(1, fill))?.node == 3)
        let soft = scheduler.request(try cpus(1), strategy: .nodeAffinity(.init(nodeID: 3, soft: true)))
        #expect(try scheduler.submit(2, soft) == .waiting(.busy(node: 3)))
        let spill = scheduler.request(
            try cpus(1), strategy: .nodeAffinity(.init(nodeID: 3, soft: true, spillOnUnavailable: true)))
        #expect(ClusterScheduler.placed(try scheduler.submit(3, spill))?.node == 0)
        let bad = scheduler.request(
            try cpus(1), strategy: .nodeAffinity(.init(nodeID: 3, soft: false, spillOnUnavailable: true)))
        #expect(throws: SchedulingError.self) { try scheduler.submit(4, bad) }
        scheduler.expectBalanced()
    }
}
