import Dispatch
import Foundation
import Synchronization
import Testing

@testable import SwiftRay

/// The inbox in front of an ordered actor's default mailbox (ActorInbox.swift): a call made
/// while the actor's lock is held is pushed without waiting for it, and runs in its caller's
/// order; callers that meet on one actor lose no call and keep their own order, across kills
/// and restarts. ThreadSanitizer checks the protocol in CI.
@Suite("Actor inbox", .timeLimit(.minutes(3)))
struct ActorInboxTests {
    /// A log of (caller, sequence number) pairs, in the order the actor ran them.
    final class CallLog: Sendable {
        let entries = Mutex<[(caller: Int, sequence: Int)]>([])

        func append(_ caller: Int, _ sequence: Int) { entries.withLock { $0.append((caller, sequence)) } }

        /// Whether `sequences` is `0, 1, 2, ...` (checked without printing thousands of numbers).
        static func isInOrder(_ sequences: [Int]) -> Bool { sequences.enumerated().allSatisfy { $0.offset == $0.element } }

        /// Each caller's sequence numbers, in the order they ran.
        func byCaller(_ callers: Int) -> [[Int]] {
            entries.withLock { entries in
                (0..<callers).map { caller in entries.filter { $0.caller == caller }.map(\.sequence) }
            }
        }
    }

    /// Runs `body(caller)` on `count` threads of their own (more than this machine's CPUs, so
    /// callers are preempted inside the actor's lock and the others push into the inbox).
    private func onThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) -> Bool {
        let finished = DispatchGroup()
        for caller in 0..<count {
            finished.enter()
            Thread.detachNewThread {
                body(caller)
                finished.leave()
            }
        }
        return finished.wait(timeout: .now() + 120) == .success
    }

    /// From each of `callers` threads, makes `calls` calls that run `check` (which may throw),
    /// log (caller, sequence) and increment the counter, then gets them; whether every get
    /// returned.
    private func callFromThreads(
        _ ray: RayRuntime, _ counter: ActorHandle<Counter>, callers: Int, calls: Int, log: CallLog,
        check: @escaping @Sendable (_ caller: Int, _ sequence: Int) throws -> Void = { _, _ in }
    ) -> Bool {
        let failures = Atomic<Int>(0)
        let finished = onThreads(callers) { caller in
            do {
                let refs = try (0..<calls).map { sequence in
                    try counter.remote { state in
                        try check(caller, sequence)
                        log.append(caller, sequence)
                        return state.increment()
                    }
                }
                _ = try ray.get(refs, timeout: 60)
            } catch {
                failures.add(1, ordering: .relaxed)
            }
        }
        return finished && failures.load(ordering: .relaxed) == 0
    }

    /// Every caller's calls all ran, in its order.
    private func expectAllRanInOrder(_ log: CallLog, callers: Int, calls: Int) {
        for (caller, sequences) in log.byCaller(callers).enumerated() {
            #expect(sequences.count == calls && CallLog.isInOrder(sequences), "caller \(caller): lost or out of order")
        }
    }

    @Test("calls made while the actor's lock is held and its runner works are pushed without waiting, and run in order")
    func pushWhileLocked() throws {
        try withRuntime { ray in
            let counter = try ray.actor { Counter(node: nil) }
            let core = counter.core
            #expect(core.usesInbox)
            // A runner holds the lane (started under the lock: `scheduled` is set).
            let hold = WorkerHold()
            let first = try counter.remote { state in
                hold.holdHere()
                return state.increment()
            }
            #expect(hold.waitUntilHeld())
            let lockHeld = DispatchSemaphore(value: 0)
            let releaseLock = DispatchSemaphore(value: 0)
            Thread.detachNewThread {
                core.state.withLock { _ in
                    lockHeld.signal()
                    releaseLock.wait()
                }
            }
            lockHeld.wait()
            // Each call returns at once (a call that waited for the lock would never return).
            let refs = try (0..<100).map { _ in try counter.remote { $0.increment() } }
            let pushed = core.inbox.seemsNonEmpty
            #expect(pushed)
            releaseLock.signal()
            hold.release()
            #expect(try ray.get(first, timeout: 30) == 1)
            #expect(try ray.get(refs, timeout: 30) == Array(2...101))
            let drained = !core.inbox.seemsNonEmpty
            #expect(drained)
        }
    }

    @Test("calls made while the runner's job waits behind a busy worker go straight into the inbox, and run in order once it starts")
    func pushWhileRunnerWaits() throws {
        try withRuntime(RuntimeOptions(numCPUs: 1, workersPerDomain: 1)) { ray in
            let counter = try ray.actor(ActorOptions(numCPUs: 0)) { Counter(node: nil) }
            let core = counter.core
            #expect(try ray.get(counter.remote { $0.increment() }, timeout: 30) == 1)  // alive, its runner gone
            // The one worker runs a task that holds it: the runner started below waits behind it.
            let hold = WorkerHold()
            let holding = try hold.holdAWorker(of: ray)
            #expect(hold.waitUntilHeld())
            let refs = try (0..<1_000).map { _ in try counter.remote { $0.increment() } }
            // The lock was free all along: only the first call went through it (it started the
            // runner, whose job now waits); the others were pushed.
            let queued = core.state.withLock { $0.mailbox.count }
            let pushed = core.inbox.seemsNonEmpty
            #expect(queued == 1 && pushed)
            hold.release()
            #expect(try ray.get(holding, timeout: 30) == 0)
            #expect(try ray.get(refs, timeout: 30) == Array(2...1_001))
            let drained = !core.inbox.seemsNonEmpty
            #expect(drained)
        }
    }

    @Test("callers meeting on one actor: each caller's calls run in its order, none is lost")
    func callersKeepTheirOrder() throws {
        try withRuntime { ray in
            let log = CallLog()
            let counter = try ray.actor { Counter(node: nil) }
            let callers = 4
            let calls = 3_000
            #expect(callFromThreads(ray, counter, callers: callers, calls: calls, log: log))
            expectAllRanInOrder(log, callers: callers, calls: calls)
            #expect(try ray.get(counter.remote { $0.value }, timeout: 30) == callers * calls)
        }
    }

    @Test("a kill while callers push: each caller's calls that ran are a prefix of its calls, the rest fail with ActorDied")
    func killWhileCallersPush() throws {
        try withRuntime { ray in
            let log = CallLog()
            let counter = try ray.actor { Counter(node: nil) }
            let callers = 4
            let calls = 2_000
            let unexpected = Atomic<Int>(0)
            let ranByCaller = Mutex<[Int: Int]>([:])
            #expect(onThreads(callers) { caller in
                var refs: [ObjectRef<Int>] = []
                for sequence in 0..<calls {
                    if caller == 0, sequence == calls / 2 { ray.kill(counter) }
                    do {
                        refs.append(try counter.remote { state in
                            log.append(caller, sequence)
                            return state.increment()
                        })
                    } catch {
                        unexpected.add(1, ordering: .relaxed)
                    }
                }
                var ran = 0
                for ref in refs {
                    do {
                        _ = try ray.get(ref, timeout: 60)
                        ran += 1
                    } catch ActorError.actorDied {
                    } catch {
                        unexpected.add(1, ordering: .relaxed)
                    }
                }
                ranByCaller.withLock { $0[caller] = ran }
            })
            #expect(unexpected.load(ordering: .relaxed) == 0)
            let ran = ranByCaller.withLock { $0 }
            for (caller, sequences) in log.byCaller(callers).enumerated() {
                #expect(CallLog.isInOrder(sequences), "caller \(caller) ran out of order")
                #expect(sequences.count == ran[caller], "caller \(caller): a get disagrees with the log")
            }
            #expect(log.byCaller(callers)[0].count <= calls / 2)
        }
    }

    @Test("a restart while callers push: every call runs once, in its caller's order")
    func restartWhileCallersPush() throws {
        try withRuntime { ray in
            let log = CallLog()
            let failedOnce = Atomic<Bool>(false)
            let counter = try ray.actor(ActorOptions(maxRestarts: 1, maxTaskRetries: 1)) { Counter(node: nil) }
            let callers = 4
            let calls = 2_000
            #expect(callFromThreads(ray, counter, callers: callers, calls: calls, log: log) { caller, sequence in
                if caller == 1, sequence == calls / 2, !failedOnce.exchange(true, ordering: .relaxed) {
                    throw ActorFatalError("fails once")
                }
            })
            let failed = failedOnce.load(ordering: .relaxed)
            #expect(failed)
            expectAllRanInOrder(log, callers: callers, calls: calls)
        }
    }

    @Test("a call to a dead actor that finds its lock held fails with one event before the failure, not two")
    func deadActorThroughClosedInbox() throws {
        try withRuntime { ray in
            let counter = try ray.actor { Counter(node: nil) }
            _ = try ray.get(try counter.remote { $0.increment() })
            ray.kill(counter)
            #expect(counter.isDead)
            // Another thread holds the actor's lock: the call finds it taken, goes to the closed
            // inbox (recording its queued event), then waits for the lock and finds the actor dead.
            let holding = DispatchSemaphore(value: 0)
            let release = DispatchSemaphore(value: 0)
            let holder = DispatchGroup()
            holder.enter()
            Thread.detachNewThread {
                counter.core.state.withLock { _ in
                    holding.signal()
                    release.wait()
                }
                holder.leave()
            }
            holding.wait()
            let events = try #require(ray.events)
            let earlier = Set(events.snapshot().map(\.task))
            // The lock goes once the call's queued event is there (it is on its way to the lock).
            Thread.detachNewThread {
                while !events.snapshot().contains(where: { !earlier.contains($0.task) && $0.kind == .queued }) {
                    usleep(1_000)
                }
                release.signal()
            }
            let ref = try counter.remote { $0.increment() }
            #expect(holder.wait(timeout: .now() + 10) == .success)
            #expect(throws: ActorError.self) { try ray.get(ref, timeout: 10) }
            let new = events.snapshot().filter { !earlier.contains($0.task) }
            #expect(Set(new.map(\.task)).count == 1)
            #expect(new.map(\.kind) == [.queued, .failed])
        }
    }
}
