import Dispatch
import Foundation
import Synchronization
import Testing

@testable import SwiftRay

/// Races on the work-stealing deque: every job must be taken exactly once, whoever takes it.
@Suite("Chase-Lev deque races", .timeLimit(.minutes(5)))
struct DequeTests {
    /// Jobs that count how often each of them ran.
    final class Tally: @unchecked Sendable {
        let count: Int
        let runs: UnsafeMutablePointer<Atomic<Int>>
        init(_ count: Int) {
            self.count = count
            runs = .allocate(capacity: count)
            for index in 0..<count { (runs + index).initialize(to: Atomic(0)) }
        }
        deinit {
            runs.deinitialize(count: count)
            runs.deallocate()
        }
        func job(_ index: Int) -> QueuedJob {
            ClosureJob(pinnedDomain: nil) { self.runs[index].add(1, ordering: .relaxed) }
        }
        var allOnce: Bool { (0..<count).allSatisfy { runs[$0].load(ordering: .relaxed) == 1 } }
    }

    @Test("owner push/pop against two thieves: each job taken once", arguments: [1, 7, 300])
    func pushPopSteal(burst: Int) {
        let count = 60_000
        let deque = WorkStealingDeque(capacity: 16)  // small: growth races too
        let tally = Tally(count)
        let ownerDone = Atomic<Bool>(false)
        let thieves = DispatchGroup()
        for _ in 0..<2 {
            DispatchQueue.global().async(group: thieves) {
                while true {
                    switch deque.steal() {
                    case .success(let job): job.execute(by: nil)
                    case .retry: continue
                    case .empty: if ownerDone.load(ordering: .sequentiallyConsistent) && deque.count == 0 { return }
                    }
                }
            }
        }
        var next = 0
        while next < count {
            for _ in 0..<min(burst, count - next) {
                deque.push(tally.job(next))
                next += 1
            }
            for _ in 0..<(burst / 2 + 1) { deque.pop()?.execute(by: nil) }
        }
        while let job = deque.pop() { job.execute(by: nil) }
        ownerDone.store(true, ordering: .sequentiallyConsistent)
        thieves.wait()
        #expect(tally.allOnce)
    }

    @Test("batch steals from a push-only lane: each job taken once, in order per batch")
    func batchSteal() {
        let count = 100_000
        let lane = WorkStealingDeque(capacity: 16)
        let tally = Tally(count)
        let producerDone = Atomic<Bool>(false)
        let thieves = DispatchGroup()
        for _ in 0..<2 {
            DispatchQueue.global().async(group: thieves) {
                let own = WorkStealingDeque()
                while true {
                    switch lane.stealBatch(limit: 32, into: own) {
                    case .success(let job):
                        job.execute(by: nil)
                        while let more = own.pop() { more.execute(by: nil) }
                    case .retry: continue
                    case .empty: if producerDone.load(ordering: .sequentiallyConsistent) && lane.count == 0 { return }
                    }
                }
            }
        }
        for index in 0..<count {
            // Keep the ring nearly full but never grown, so slots are reused all the time
            // while thieves claim them.
            while lane.count >= 14 { sched_yield() }
            lane.push(tally.job(index))
        }
        producerDone.store(true, ordering: .sequentiallyConsistent)
        thieves.wait()
        #expect(tally.allOnce)
    }
}
