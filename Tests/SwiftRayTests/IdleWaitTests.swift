import Testing

@testable import SwiftRay

/// A runner's wait for more work (a linger for mail or tasks, a gather) ends when the blocked
/// job it runs nested in can go on: the innermost help's latch is set. One worker, so every
/// job runs nested in the one that blocks; each job records what its worker says.
@Suite("Idle waits")
struct IdleWaitTests {
    /// What the nested jobs saw, in order. Thread-safe (under a lock).
    final class Seen: Sendable {
        let values = Locked<[String: Bool]>([:])
        func record(_ name: String, on executor: WorkStealingExecutor) {
            let value = Worker.current(of: executor)?.shouldEndIdleWait
            values.withLock { $0[name] = value }
        }
        subscript(name: String) -> Bool? { values.withLock { $0[name] } }
    }

    @Test("a wait nested in a blocked job's help ends once that job's latch is set, the innermost latch only")
    func nestedWaitEndsWithInnermostLatch() throws {
        try withExecutor(workers: 1) { executor in
            let seen = Seen()
            let done = Countdown(1)
            let outer = WorkerLatch()
            let inner = WorkerLatch()
            try executor.submit {
                seen.record("top level", on: executor)
                try? executor.submit {
                    seen.record("nested, latch not set", on: executor)
                    outer.countDown()
                    seen.record("nested, latch set", on: executor)
                    try? executor.submit {
                        seen.record("nested twice, outer latch set", on: executor)
                        inner.countDown()
                        seen.record("nested twice, inner latch set", on: executor)
                    }
                    inner.wait(on: executor)
                    seen.record("back in the first nested job", on: executor)
                }
                outer.wait(on: executor)
                seen.record("back at the top level", on: executor)
                done.tick()
            }
            #expect(done.wait())
            #expect(seen["top level"] == false)
            #expect(seen["nested, latch not set"] == false)
            #expect(seen["nested, latch set"] == true)
            #expect(seen["nested twice, outer latch set"] == false)
            #expect(seen["nested twice, inner latch set"] == true)
            #expect(seen["back in the first nested job"] == true)
            #expect(seen["back at the top level"] == false)
        }
    }
}
