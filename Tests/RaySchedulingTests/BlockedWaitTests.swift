import Testing

@testable import RayScheduling

@Suite("Tasks blocked in get/wait give their CPUs back")
struct BlockedWaitTests {
    @Test("a blocked task's CPUs let nested tasks run, and it takes them back before resuming")
    func nestedTasks() throws {
        var scheduler = try Fixtures.scheduler(try Fixtures.fourByFour(), perNode: [1: .init(cpus: 0), 2: .init(cpus: 0), 3: .init(cpus: 0)])
        let four = scheduler.request(try cpus(4))
        let one = scheduler.request(try cpus(1))
        #expect(ClusterScheduler.placed(try scheduler.submit(1, four))?.node == 0)
        #expect(try scheduler.submit(2, one) == .waiting(.busy(node: 0)))
        #expect(try scheduler.releaseForBlockedWait(1) == FixedPoint(exactly: 4))
        #expect(try scheduler.releaseForBlockedWait(1) == .zero)  // already blocked
        scheduler.expectBalanced()
        #expect(scheduler.schedulePending().scheduled.map(\.task) == [2])
        #expect(scheduler.available("CPU", on: 0) == 3)
        // The child holds a CPU: the parent must wait to get its 4 back.
        #expect(try scheduler.reacquireAfterWait(1) == .waiting)
        #expect(try scheduler.reacquireAfterWait(1) == .waiting)
        let late = scheduler.request(try cpus(2))
        #expect(try scheduler.submit(3, late) == .waiting(.busy(node: 0)))
        scheduler.release(2)
        let update = scheduler.schedulePending()
        #expect(update.resumed.map(\.task) == [1])  // the blocked parent comes before queued work
        #expect(update.scheduled.isEmpty)
        #expect(scheduler.available("CPU", on: 0) == 0)
        scheduler.expectBalanced()
    }

    @Test("reacquiring when the CPUs are free is immediate; pinned tasks may get other PUs")
    func pinnedReacquire() throws {
        var scheduler = try Fixtures.scheduler(try Fixtures.fourByFour(), allNodes: NodeOverrides(pinCPUs: true))
        let two = scheduler.request(try cpus(2), strategy: .nodeAffinity(.init(nodeID: 1, soft: false)))
        let first = try #require(ClusterScheduler.placed(try scheduler.submit(1, two)))
        #expect(first.cpuIDs == [4, 5])
        try scheduler.releaseForBlockedWait(1)
        #expect(scheduler.placement(of: 1)?.cpuIDs == [])
        let second = try #require(ClusterScheduler.placed(try scheduler.submit(2, two)))
        #expect(second.cpuIDs == [4, 5])
        guard case let .reacquired(placement) = try scheduler.reacquireAfterWait(1) else {
            Issue.record("expected the CPUs back at once")
            return
        }
        #expect(placement.cpuIDs == [6, 7])
        #expect(try scheduler.reacquireAfterWait(1) == .reacquired(placement))  // not blocked: a no-op
        scheduler.expectBalanced()
    }

    @Test("a blocked task that ends without resuming gives everything back once")
    func releaseWhileBlocked() throws {
        var scheduler = try Fixtures.scheduler(try Fixtures.pciMachine())
        let request = scheduler.request(try ResourceSet(cpus: 2, gpus: 1))
        let placed = try #require(ClusterScheduler.placed(try scheduler.submit(1, request)))
        try scheduler.releaseForBlockedWait(1)
        #expect(scheduler.placement(of: 1)?.gpuIDs == placed.gpuIDs)  // GPUs stay held
        let done1 = scheduler.release(1)
        #expect(done1)
        #expect(scheduler.available("CPU", on: placed.node) == 12)
        #expect(scheduler.available("GPU", on: placed.node) == Double(placed.node + 1))
        scheduler.expectBalanced()
    }
}
