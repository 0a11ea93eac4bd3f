import Testing

@testable import RayScheduling

@Suite("Tasks blocked in get/wait give their CPUs back")
struct BlockedWaitTests {
    @Test("a blocked task's CPUs let nested tasks run; it takes them back at once, overcommitting")
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
        // The child holds a CPU; the parent resumes anyway, with its 4 CPUs (Ray's rule).
        let resumed = try scheduler.reacquireAfterWait(1)
        #expect(resumed.node == 0)
        #expect(resumed.allocation.amounts.amount(of: .cpu) == FixedPoint(exactly: 4))
        #expect(scheduler.available("CPU", on: 0) == -1)
        #expect(try scheduler.resources.resourceTable(ofNode: 0).available["CPU"] == .zero)  // as listed: none free
        scheduler.expectBalanced()
        #expect(try scheduler.reacquireAfterWait(1) == resumed)  // not blocked: a no-op
        // Nothing new starts on an overcommitted node until enough tasks end.
        let late = scheduler.request(try cpus(2))
        #expect(try scheduler.submit(3, late) == .waiting(.busy(node: 0)))
        scheduler.release(2)
        #expect(scheduler.schedulePending().scheduled.isEmpty)
        #expect(scheduler.available("CPU", on: 0) == 0)
        scheduler.release(1)
        #expect(scheduler.schedulePending().scheduled.map(\.task) == [3])
        #expect(scheduler.available("CPU", on: 0) == 2)
        scheduler.expectBalanced()
    }

    @Test("a pinned task resumes on free PUs when there are enough, else on its own PUs")
    func pinnedReacquire() throws {
        var scheduler = try Fixtures.scheduler(try Fixtures.fourByFour(), allNodes: NodeOverrides(pinCPUs: true))
        let two = scheduler.request(try cpus(2), strategy: .nodeAffinity(.init(nodeID: 1, soft: false)))
        let first = try #require(ClusterScheduler.placed(try scheduler.submit(1, two)))
        #expect(first.cpuIDs == [4, 5])
        try scheduler.releaseForBlockedWait(1)
        #expect(scheduler.placement(of: 1)?.cpuIDs == [])
        let second = try #require(ClusterScheduler.placed(try scheduler.submit(2, two)))
        #expect(second.cpuIDs == [4, 5])
        #expect(try scheduler.reacquireAfterWait(1).cpuIDs == [6, 7])  // free PUs
        scheduler.expectBalanced()

        try scheduler.releaseForBlockedWait(1)
        let third = try #require(ClusterScheduler.placed(try scheduler.submit(3, two)))
        #expect(third.cpuIDs == [6, 7])
        #expect(try scheduler.reacquireAfterWait(1).cpuIDs == [6, 7])  // none free: its own again
        #expect(scheduler.available("CPU", on: 1) == -2)
        scheduler.expectBalanced()
        scheduler.release(3)
        scheduler.release(1)
        #expect(scheduler.available("CPU", on: 1) == 2)
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
