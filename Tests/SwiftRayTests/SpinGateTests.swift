import Dispatch
import Foundation
import Synchronization
import Testing

@testable import SwiftRay

/// The spin lock under the actors' mailboxes, the lease queues and the object table: mutual
/// exclusion under contention from more threads than this machine has CPUs (ThreadSanitizer
/// checks the ordering in CI), and a waiter that gets the gate after its holder was away far
/// longer than the waiter spins (the path where it yields at each try).
@Suite("Spin gate", .timeLimit(.minutes(2)))
struct SpinGateTests {
    /// A counter that is not atomic: only the gate keeps increments from being lost.
    final class Tally: @unchecked Sendable {
        var value = 0
    }

    @Test("four threads incrementing under one gate lose no increment")
    func mutualExclusionUnderContention() {
        let guarded = SpinLocked(Tally())
        let threads = 4
        let rounds = 20_000
        let finished = DispatchGroup()
        for _ in 0..<threads {
            finished.enter()
            // Threads of their own (a concurrentPerform would use one per CPU): more threads
            // than CPUs, so holders are preempted and waiters reach the yielding path.
            Thread.detachNewThread {
                for _ in 0..<rounds {
                    guarded.withLock { tally in
                        let read = tally.value
                        tally.value = read &+ 1
                    }
                }
                finished.leave()
            }
        }
        #expect(finished.wait(timeout: .now() + 60) == .success, "a thread never finished its rounds")
        #expect(guarded.withLock { $0.value } == threads * rounds)
    }

    @Test("a waiter gets the gate after its holder kept it for 50 ms (it yields meanwhile)")
    func waiterOutlastsLongHolder() {
        let guarded = SpinLocked(Tally())
        let holding = DispatchSemaphore(value: 0)
        let waiterDone = DispatchSemaphore(value: 0)
        let order = Mutex<[String]>([])
        Thread.detachNewThread {
            guarded.withLock { tally in
                holding.signal()
                Thread.sleep(forTimeInterval: 0.05)  // far past the waiter's ~2 µs of spinning
                tally.value = 1
                order.withLock { $0.append("holder") }
            }
        }
        holding.wait()
        let seen = Mutex<Int?>(nil)
        Thread.detachNewThread {
            let value = guarded.withLock { tally in
                order.withLock { $0.append("waiter") }
                return tally.value
            }
            seen.withLock { $0 = value }
            waiterDone.signal()
        }
        #expect(waiterDone.wait(timeout: .now() + 30) == .success, "the waiter never got the gate")
        #expect(order.withLock { $0 } == ["holder", "waiter"])
        #expect((seen.withLock { $0 } ?? -1) == 1, "the waiter got in while the holder still held the gate")
    }
}
