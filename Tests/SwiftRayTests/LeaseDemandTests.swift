import Dispatch
import Synchronization
import Testing

@testable import SwiftRay

/// When a task queue asks for one more lease (LeaseDemand.swift): eagerly without a running
/// lease or for long tasks, by the backlog's worth for short ones; and the ``StallWatch``
/// freeing tasks queued behind one that runs long.
@Suite("Lease demand")
struct LeaseDemandTests {
    @Test("with no running lease, or tasks of unknown or long run time, any task no idle runner can take wants a lease")
    func eagerWithoutRunningLeaseOrForLongTasks() {
        for runTime in [TaskRunTime.unknown, 50_000, 100, 1] {
            #expect(LeaseDemand.wantsLease(queued: 1, idle: 0, running: 0, limit: 4, runTime: runTime))
        }
        for runTime in [TaskRunTime.unknown, LeaseDemand.shortTaskNanoseconds, 1_000_000] {
            #expect(LeaseDemand.wantsLease(queued: 1, idle: 0, running: 1, limit: 4, runTime: runTime))
            #expect(LeaseDemand.wantsLease(queued: 2, idle: 1, running: 3, limit: 4, runTime: runTime))
            #expect(!LeaseDemand.wantsLease(queued: 1, idle: 1, running: 1, limit: 4, runTime: runTime))
            #expect(!LeaseDemand.wantsLease(queued: 9, idle: 0, running: 4, limit: 4, runTime: runTime))
        }
    }

    @Test("with a lease running, a backlog of short tasks wants a lease only when one runner needs longer than the backlog's worth")
    func shortTasksWeighTheBacklog() {
        // 100 ns tasks: 1,000 of them are 100 µs of work, the worth; one more tips it.
        #expect(!LeaseDemand.wantsLease(queued: 1_000, idle: 0, running: 1, limit: 4, runTime: 100))
        #expect(LeaseDemand.wantsLease(queued: 1_001, idle: 0, running: 1, limit: 4, runTime: 100))
        // 10 µs tasks: 10 of them.
        #expect(!LeaseDemand.wantsLease(queued: 10, idle: 0, running: 2, limit: 4, runTime: 10_000))
        #expect(LeaseDemand.wantsLease(queued: 11, idle: 0, running: 2, limit: 4, runTime: 10_000))
        // Just under the short limit.
        let almostLong = LeaseDemand.shortTaskNanoseconds - 1
        #expect(!LeaseDemand.wantsLease(queued: 5, idle: 0, running: 1, limit: 4, runTime: almostLong))
        #expect(LeaseDemand.wantsLease(queued: 6, idle: 0, running: 1, limit: 4, runTime: almostLong))
        // A zero average counts as 1 ns; the limit still holds.
        #expect(!LeaseDemand.wantsLease(queued: 100_000, idle: 0, running: 1, limit: 4, runTime: 0))
        #expect(LeaseDemand.wantsLease(queued: 100_001, idle: 0, running: 1, limit: 4, runTime: 0))
        #expect(!LeaseDemand.wantsLease(queued: 100_001, idle: 0, running: 4, limit: 4, runTime: 0))
    }

    @Test("the inbox opens while a request is outstanding, at the limit, or while a lease runs short tasks")
    func inboxOpens() {
        #expect(LeaseDemand.inboxOpens(requestOutstanding: true, running: 0, limit: 2, runTime: .max))
        #expect(LeaseDemand.inboxOpens(requestOutstanding: false, running: 2, limit: 2, runTime: .max))
        #expect(!LeaseDemand.inboxOpens(requestOutstanding: false, running: 1, limit: 2, runTime: .max))
        #expect(!LeaseDemand.inboxOpens(requestOutstanding: false, running: 1, limit: 2, runTime: 30_000))
        #expect(LeaseDemand.inboxOpens(requestOutstanding: false, running: 1, limit: 2, runTime: 300))
        #expect(!LeaseDemand.inboxOpens(requestOutstanding: false, running: 0, limit: 2, runTime: 300))
    }

    @Test("the run time: unknown at first, the first sample, then a moving average by eighths; forgetting makes it unknown")
    func runTimeAverage() {
        let runTime = TaskRunTime()
        #expect(runTime.nanoseconds == TaskRunTime.unknown)
        runTime.record(800)
        #expect(runTime.nanoseconds == 800)
        runTime.record(1_600)
        #expect(runTime.nanoseconds == 900)
        runTime.record(100)
        #expect(runTime.nanoseconds == 800)
        runTime.forget()
        #expect(runTime.nanoseconds == TaskRunTime.unknown)
        runTime.record(.max)
        #expect(runTime.nanoseconds < TaskRunTime.unknown)
    }

    @Test("a task that blocks among short tasks of its class does not hold the queued ones back: the watch gets them a lease")
    func stalledQueueGetsALease() throws {
        let ray = try RayRuntime(RuntimeOptions(topology: try Topology.load(.synthetic("pu:2"))))
        defer { ray.shutdown() }
        let gate = DispatchSemaphore(value: 0)
        // 0: a short task; 1: waits until a later task of the same function opens the gate;
        // 2: opens it.
        let step = try ray.remote { (mode: Int) -> Bool in
            switch mode {
            case 1: return gate.wait(timeout: .now() + 60) == .success
            case 2: gate.signal()
            default: break
            }
            return true
        }
        for round in 0..<3 {
            // Warm up until the queue knows its tasks are short, as a streaming caller's are.
            var short = false
            for _ in 0..<50 where !short {
                _ = try ray.get(try (0..<1_000).map { _ in try step.remote(0) }, timeout: 60)
                short = step.shape.withQueue(preferring: nil) {
                    LeaseDemand.areShort(runTime: $0.runTime.nanoseconds)
                }
            }
            #expect(short, "round \(round): the queue's tasks never counted as short")
            let blocked = try step.remote(1)
            let behind = try (0..<100).map { _ in try step.remote(0) }
            let opener = try step.remote(2)
            #expect(try ray.get(blocked, timeout: 60), "round \(round): the blocked task was not freed")
            #expect(try ray.get(behind + [opener], timeout: 60).allSatisfy { $0 })
        }
        #expect(waitUntil { ray.stallWatch.watchedCount == 0 && ray.objectCount == 0 })
    }

    @Test("callers streaming short tasks and long ones into one class on two workers: every task runs once, nothing stays in the store")
    func mixedRunTimesStress() throws {
        let ray = try RayRuntime(RuntimeOptions(topology: try Topology.load(.synthetic("pu:2"))))
        defer { ray.shutdown() }
        let runs = Atomic<Int>(0)
        let work = try ray.remote { (spins: Int) -> Int in
            runs.add(1, ordering: .relaxed)
            var x = spins
            for _ in 0..<spins { x = x &* 31 &+ 7 }
            return x == 42 ? 0 : 1
        }
        let failures = Atomic<Int>(0)
        let perCaller = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: 3) { caller in
            var seed = UInt64(caller + 11)
            var submitted = 0
            for _ in 0..<40 {
                seed = seed &* 6364136223846793005 &+ 1442695040888963407
                let count = Int(seed >> 55) + 1
                let long = seed & 15 == 0
                do {
                    let refs = try (0..<count).map { index in
                        try work.remote(long && index == 0 ? 2_000_000 : Int(seed >> 60))
                    }
                    submitted += count
                    if try ray.get(refs, timeout: 60).count != count { failures.add(1, ordering: .relaxed) }
                } catch {
                    failures.add(1, ordering: .relaxed)
                }
            }
            perCaller.add(submitted, ordering: .relaxed)
        }
        #expect(failures.load(ordering: .relaxed) == 0)
        #expect(runs.load(ordering: .relaxed) == perCaller.load(ordering: .relaxed))
        #expect(waitUntil { ray.objectCount == 0 })
    }
}
