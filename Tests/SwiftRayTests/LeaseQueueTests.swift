import Dispatch
import Glibc
import Synchronization
import Testing

@testable import SwiftRay

/// A lease queue's runners: at most ``LeaseQueue/maxLingeringRunners`` wait for its next task
/// at once (two, or one where the workers are two or fewer), and the runners that do not wait give their lease back without stranding a task.
@Suite("Lease queue")
struct LeaseQueueTests {
    @Test("at most two runners of a queue linger at once; a runner that stops lingering frees its place")
    func lingeringIsCapped() {
        let queue = LeaseQueue(preferredNode: nil, leaseLimit: 8)
        #expect(queue.maxLingeringRunners == 2)
        #expect(queue.startLingering())
        #expect(queue.startLingering())
        #expect(!queue.startLingering())
        queue.stopLingering()
        #expect(queue.startLingering())
        #expect(!queue.startLingering())
        queue.stopLingering()
        queue.stopLingering()
        #expect(queue.startLingering())
        queue.stopLingering()
    }

    @Test("on two workers or fewer one runner lingers, leaving a core to the submitting thread")
    func oneLingersOnTwoWorkers() {
        for limit in [1, 2] {
            let queue = LeaseQueue(preferredNode: nil, leaseLimit: limit)
            #expect(queue.maxLingeringRunners == 1)
            #expect(queue.startLingering())
            #expect(!queue.startLingering())
            queue.stopLingering()
            #expect(queue.startLingering())
            queue.stopLingering()
        }
        #expect(LeaseQueue(preferredNode: nil, leaseLimit: 3).maxLingeringRunners == 2)
    }

    @Test("threads racing to linger never exceed the cap (a gauge of those inside)")
    func lingeringCapUnderRaces() {
        let queue = LeaseQueue(preferredNode: nil, leaseLimit: 8)
        let inside = Atomic<Int>(0)
        let most = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            for _ in 0..<20_000 {
                guard queue.startLingering() else { continue }
                let now = inside.add(1, ordering: .relaxed).newValue
                var seen = most.load(ordering: .relaxed)
                while now > seen, !most.compareExchange(expected: seen, desired: now, ordering: .relaxed).exchanged {
                    seen = most.load(ordering: .relaxed)
                }
                inside.subtract(1, ordering: .relaxed)
                queue.stopLingering()
            }
        }
        #expect(most.load(ordering: .relaxed) <= queue.maxLingeringRunners)
        #expect(most.load(ordering: .relaxed) >= 1)
    }

    @Test("with more workers than lingering runners, bursts of tiny tasks separated by pauses all finish")
    func burstsAfterRunnersEnded() throws {
        let ray = try RayRuntime(RuntimeOptions(topology: try Topology.load(.synthetic("numa:2 core:4 pu:1"))))
        defer { ray.shutdown() }
        let square = try ray.remote { (x: Int) in x * x }
        for round in 0..<30 {
            let refs = try (0..<500).map { try square.remote($0 + round) }
            #expect(try ray.get(refs, timeout: 60) == (0..<500).map { ($0 + round) * ($0 + round) })
            if round % 3 == 0 { usleep(2_000) }  // every runner gives its lease back meanwhile
        }
    }
}

/// The lease queue's inbox (LeaseInbox.swift): tasks pushed without the lock while a lease
/// request is outstanding or the leases are at the limit, and the inbox closing as leases end.
@Suite("Lease inbox")
struct LeaseInboxTests {
    @Test("on one worker (one lease at most) one caller's tasks start in the order it submitted them, across leases ending")
    func orderAcrossInboxAndLock() throws {
        let ray = try RayRuntime(RuntimeOptions(topology: try Topology.load(.synthetic("pu:1"))))
        defer { ray.shutdown() }
        let started = Mutex<[Int]>([])
        let note = try ray.remote { (index: Int) -> Int in
            started.withLock { $0.append(index) }
            return index
        }
        var next = 0
        for round in 0..<40 {
            let refs = try (0..<(round % 5 == 0 ? 2_000 : 50)).map { _ in
                defer { next += 1 }
                return try note.remote(next)
            }
            _ = try ray.get(refs, timeout: 60)
            if round % 4 == 0 { usleep(1_000) }  // the runner gives its lease back meanwhile
        }
        let order = started.withLock { $0 }
        let firstOutOfOrder = order.indices.first { order[$0] != $0 }
        #expect(order.count == next && firstOutOfOrder == nil, "first out of order at \(String(describing: firstOutOfOrder)) of \(order.count)")
    }

    @Test("several callers pushing bursts while leases start and end: every task runs, nothing stays in the store")
    func burstsFromSeveralCallers() throws {
        for topology in ["pu:1", "pu:2", "numa:2 core:2 pu:1"] {
            let ray = try RayRuntime(RuntimeOptions(topology: try Topology.load(.synthetic(topology))))
            defer { ray.shutdown() }
            let add = try ray.remote { (x: Int) in x &+ 1 }
            let failures = Atomic<Int>(0)
            DispatchQueue.concurrentPerform(iterations: 4) { caller in
                var seed = UInt64(caller + 1)
                for round in 0..<60 {
                    seed = seed &* 6364136223846793005 &+ 1442695040888963407
                    let count = Int(seed >> 56) + 1
                    do {
                        let refs = try (0..<count).map { try add.remote(round &* 1_000 &+ $0) }
                        let values = try ray.get(refs, timeout: 60)
                        if values != (0..<count).map({ round &* 1_000 &+ $0 &+ 1 }) { failures.add(1, ordering: .relaxed) }
                    } catch {
                        failures.add(1, ordering: .relaxed)
                    }
                    if seed & 7 == 0 { usleep(UInt32(seed >> 60) * 100) }
                }
            }
            #expect(failures.load(ordering: .relaxed) == 0, "\(topology)")
            #expect(waitUntil { ray.objectCount == 0 }, "\(topology)")
        }
    }
}
