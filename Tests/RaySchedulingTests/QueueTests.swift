import Testing

@testable import RayScheduling

@Suite("Queues: scheduling classes, the infeasible queue, cancellation")
struct QueueTests {
    @Test("no head-of-line blocking across classes: a waiting big task does not hold up small ones")
    func noHeadOfLineBlocking() throws {
        var scheduler = try Fixtures.scheduler(try Fixtures.fourByFour())
        let three = scheduler.request(try cpus(3))
        for task in 0..<4 { #expect(ClusterScheduler.placed(try scheduler.submit(TaskID(UInt64(task)), three)) != nil) }
        #expect(try scheduler.submit(10, three) == .waiting(.busy(node: 0)))
        let one = scheduler.request(try cpus(1))
        // Each node has 1 CPU left: the small class runs although the big class waits ahead of it.
        for task in 11..<15 { #expect(ClusterScheduler.placed(try scheduler.submit(TaskID(UInt64(task)), one)) != nil) }
        #expect(try scheduler.submit(15, one) == .waiting(.busy(node: 0)))
        scheduler.release(0)  // 3 CPUs free on node 0
        let update = scheduler.schedulePending()
        #expect(update.scheduled.map(\.task) == [10])
        scheduler.release(11)
        #expect(scheduler.schedulePending().scheduled.map(\.task) == [15])
        scheduler.expectBalanced()
    }

    @Test("within a class tasks run in submission order; a new task queues behind its class")
    func fifoWithinClass() throws {
        var scheduler = try Fixtures.scheduler(try Fixtures.fourByFour())
        let four = scheduler.request(try cpus(4))
        for task in 0..<4 { _ = try scheduler.submit(TaskID(UInt64(task)), four) }
        for task in 4..<7 { #expect(try scheduler.submit(TaskID(UInt64(task)), four) == .waiting(.busy(node: 0))) }
        scheduler.release(1)
        scheduler.release(3)
        #expect(scheduler.schedulePending().scheduled.map(\.task) == [4, 5])
        scheduler.release(0)
        // Node 0 is free, but task 7 of the same class queues behind task 6.
        #expect(try scheduler.submit(7, four) == .waiting(.busy(node: 0)))
        #expect(scheduler.schedulePending().scheduled.map(\.task) == [6])
        #expect(scheduler.isQueued(7))
        scheduler.expectBalanced()
    }

    @Test("the infeasible queue is reported as demands and checked again when resources appear")
    func infeasibleQueue() throws {
        var scheduler = try Fixtures.scheduler(try Fixtures.fourByFour())
        let gpu = scheduler.request(try ResourceSet(cpus: 1, gpus: 1))
        #expect(try scheduler.submit(1, gpu) == .infeasible)
        #expect(try scheduler.submit(2, gpu) == .infeasible)
        #expect(scheduler.status().taskDemands
            == [.init(shape: try ResourceSet(cpus: 1, gpus: 1), count: 2, isInfeasible: true)])
        #expect(scheduler.schedulePending().isEmpty)
        let node = try scheduler.addNode(try NodeSpec(cpus: 2, gpuIDs: [0]))
        let update = scheduler.schedulePending()
        #expect(update.scheduled.map(\.task) == [1])
        #expect(update.scheduled.first?.node == node)
        #expect(update.scheduled.first?.gpuIDs == [0])
        // Task 2 is now feasible, merely waiting for the GPU.
        #expect(scheduler.status().taskDemands
            == [.init(shape: try ResourceSet(cpus: 1, gpus: 1), count: 1, isInfeasible: false)])
        scheduler.release(1)
        #expect(scheduler.schedulePending().scheduled.map(\.task) == [2])
        scheduler.expectBalanced()
    }

    @Test("cancel drops a queued task; duplicates and unknown tasks are typed errors")
    func cancelAndDuplicates() throws {
        var scheduler = try Fixtures.scheduler(try Fixtures.fourByFour())
        let four = scheduler.request(try cpus(4))
        for task in 0..<4 { _ = try scheduler.submit(TaskID(UInt64(task)), four) }
        _ = try scheduler.submit(4, four)
        #expect(throws: SchedulingError.duplicateTask(4)) { try scheduler.submit(4, four) }
        #expect(throws: SchedulingError.duplicateTask(0)) { try scheduler.submit(0, four) }
        let done1 = scheduler.cancel(4)
        #expect(done1)
        let done2 = scheduler.cancel(4)
        #expect(!done2)
        let done3 = scheduler.release(4)
        #expect(!done3)
        scheduler.release(0)
        #expect(scheduler.schedulePending().isEmpty)
        #expect(throws: SchedulingError.unknownTask(99)) { try scheduler.releaseForBlockedWait(99) }
        #expect(throws: SchedulingError.unknownTask(99)) { try scheduler.reacquireAfterWait(99) }
        scheduler.expectBalanced()
    }

    @Test("assigned resources are what the task holds, by name")
    func assignedResources() throws {
        var scheduler = try Fixtures.scheduler(try Fixtures.pciMachine())
        let request = scheduler.request(try ResourceSet(cpus: 2, gpus: 1, memory: 1_048_576))
        let placed = try #require(ClusterScheduler.placed(try scheduler.submit(1, request)))
        #expect(scheduler.assignedResources(of: 1) == (try ResourceSet(cpus: 2, gpus: 1, memory: 1_048_576)))
        #expect(scheduler.placement(of: 1) == placed)
        #expect(scheduler.assignedResources(of: 2) == nil)
        scheduler.expectBalanced()
    }

    @Test("the FIFO under each class keeps order through compaction and removal")
    func fifoQueue() {
        var queue = FIFOQueue<Int>()
        for value in 0..<200 { queue.append(value) }
        for expected in 0..<150 { #expect(queue.popFirst() == expected) }
        #expect(queue.removeFirst { $0 == 170 })
        #expect(!queue.removeFirst { $0 == 3 })
        queue.append(200)
        #expect(queue.count == 50)
        #expect(Array(queue.elements) == Array(150..<170) + Array(171...200))
        #expect(queue.removeAll().count == 50)
        #expect(queue.isEmpty && queue.popFirst() == nil)
    }
}
