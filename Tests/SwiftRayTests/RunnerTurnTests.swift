import Dispatch
import Glibc
import Synchronization
import Testing

@testable import SwiftRay

/// Counts the calls or tasks that ran. Thread-safe.
final class RunCount: Sendable {
    let value = Atomic<Int>(0)
    func bump() { value.wrappingAdd(1, ordering: .relaxed) }
    var current: Int { value.load(ordering: .relaxed) }
}

/// Holds a runtime's only worker inside one call or task until released. Thread-safe.
final class WorkerHold: Sendable {
    private let started = DispatchSemaphore(value: 0)
    private let released = DispatchSemaphore(value: 0)

    /// Called by the call or task that holds the worker: returns once released.
    func holdHere() {
        started.signal()
        released.wait()
    }

    /// Whether a call came to hold the worker within a minute.
    func waitUntilHeld() -> Bool { started.wait(timeout: .now() + 60) == .success }

    func release() { released.signal() }

    /// Submits a task (no CPUs asked) that holds a worker of `ray` here until released; its ref.
    func holdAWorker(of ray: RayRuntime) throws -> ObjectRef<Int> {
        try ray.remote(TaskOptions(numCPUs: 0)) { () -> Int in
            self.holdHere()
            return 0
        }.remote()
    }
}

/// A runner (an actor's, a lease's) runs many calls in one job; it must give its worker up
/// after a turn when another job waits, or one busy actor or task class starves the rest of
/// its node. One worker, so the order is the executor's alone: the first call or task holds
/// it until the backlog and the probe are queued behind, and for longer than a turn's
/// minimum, so the turn ends at the first look at the worker's other work.
@Suite("Runner turns")
struct RunnerTurnTests {
    static let backlog = 2_000
    /// How long the first call or task holds the worker after everything is queued: past the
    /// minimum of the turn it began, whatever the queueing took.
    static let holdPastTurnMinimum = 2 * RunnerTurn.minimumNanoseconds / 1_000

    @Test("a busy actor's runner lets a waiting task run after a turn, not after its whole mailbox")
    func actorRunnerYieldsToWaitingTask() throws {
        try withRuntime(RuntimeOptions(numCPUs: 1, workersPerDomain: 1)) { ray in
            let hold = WorkerHold()
            let ran = RunCount()
            let actor = try ray.actor(ActorOptions(numCPUs: 0)) { MessageBox() }
            let first = try actor.remote { _ in hold.holdHere() }
            #expect(hold.waitUntilHeld())
            let calls = try (0..<Self.backlog).map { _ in try actor.remote { _ in ran.bump() } }
            let probe = try ray.remote(TaskOptions(numCPUs: 0)) { () -> Int in ran.current }.remote()
            usleep(UInt32(Self.holdPastTurnMinimum))
            hold.release()
            let seen = try ray.get(probe, timeout: 60)
            try ray.get(first, timeout: 60)
            _ = try ray.get(calls, timeout: 60)
            #expect(seen < Self.backlog, "the task waited for the whole mailbox (\(seen) calls ran first)")
            #expect(seen <= RunnerTurn.runsPerLook, "\(seen) calls ran before the waiting task")
            #expect(ran.current == Self.backlog)
        }
    }

    @Test("a busy lease's runner lets a waiting actor call run after a turn, not after its whole queue")
    func leaseRunnerYieldsToWaitingActorCall() throws {
        try withRuntime(RuntimeOptions(numCPUs: 1, workersPerDomain: 1)) { ray in
            let hold = WorkerHold()
            let ran = RunCount()
            let actor = try ray.actor(ActorOptions(numCPUs: 0)) { MessageBox() }
            _ = try ray.get(try actor.remote { _ in 0 }, timeout: 60)  // built before the worker is held
            // One function, so one lease queue: the backlog waits behind its first task.
            let step = try ray.remote(TaskOptions(numCPUs: 1)) { (index: Int) -> Int in
                if index == 0 { hold.holdHere() } else { ran.bump() }
                return index
            }
            let first = try step.remote(0)
            #expect(hold.waitUntilHeld())
            let tasks = try (1...Self.backlog).map { try step.remote($0) }
            let probe = try actor.remote { _ in ran.current }
            usleep(UInt32(Self.holdPastTurnMinimum))
            hold.release()
            let seen = try ray.get(probe, timeout: 60)
            _ = try ray.get(first, timeout: 60)
            _ = try ray.get(tasks, timeout: 60)
            #expect(seen < Self.backlog, "the actor call waited for the whole queue (\(seen) tasks ran first)")
            #expect(seen <= RunnerTurn.runsPerLook, "\(seen) tasks ran before the waiting call")
            #expect(ran.current == Self.backlog)
        }
    }

    /// Short calls, all queued while a task holds the worker, and a task that the first of them
    /// submits (so it waits in the worker's own queue from the start of the runner's turn, and
    /// the runner never runs out of mail): the runner keeps the worker for its turn's minimum
    /// (its clock starts before the first call), then lets the task go first.
    /// Each call spins 0.5 us, so the backlog outlasts the minimum, and in a release build the
    /// first look at the worker's other work (256 calls) comes well before it: there a runner
    /// that ended its turn at that look fails both checks. (In a debug build a call's own
    /// overhead makes 256 calls last about the minimum; the lower bound holds in every build.)
    @Test("a runner of short calls keeps its worker for the turn's minimum, then lets a waiting task run")
    func shortCallsKeepTheWorkerForTheTurnsMinimum() throws {
        try withRuntime(RuntimeOptions(numCPUs: 1, workersPerDomain: 1)) { ray in
            let ran = RunCount()
            let backlog = 4_000
            let firstCallStart = Atomic<Int>(0)
            let firstLookAt = Atomic<Int>(0)
            let probe = Mutex<ObjectRef<[Int]>?>(nil)
            let probeFunction = try ray.remote(TaskOptions(numCPUs: 0)) { () -> [Int] in [MonotonicClock.nanoseconds, ran.current] }
            let actor = try ray.actor(ActorOptions(numCPUs: 0)) { MessageBox() }
            _ = try ray.get(try actor.remote { _ in 0 }, timeout: 60)  // built, so its runner starts at the first call
            // A task holds the only worker while every call is queued, so the runner that
            // starts after it never runs out of mail (it would give its worker up then).
            let hold = WorkerHold()
            let holding = try hold.holdAWorker(of: ray)
            #expect(hold.waitUntilHeld())
            let calls = try (0..<backlog).map { index in
                try actor.remote { _ in
                    let start = MonotonicClock.nanoseconds
                    if index == 0 {
                        firstCallStart.store(start, ordering: .relaxed)
                        let ref = try probeFunction.remote()
                        probe.withLock { $0 = ref }
                    } else if index == RunnerTurn.runsPerLook {
                        firstLookAt.store(start, ordering: .relaxed)
                    }
                    while MonotonicClock.nanoseconds - start < 500 {}
                    ran.bump()
                }
            }
            hold.release()
            _ = try ray.get(holding, timeout: 60)
            _ = try ray.get(calls, timeout: 60)
            let probed = try ray.get(try #require(probe.withLock { $0 }), timeout: 60)
            let waited = probed[0] - firstCallStart.load(ordering: .relaxed)
            // The turn began just before the first call.
            #expect(waited >= RunnerTurn.minimumNanoseconds * 9 / 10, "the task ran \(waited) ns after the first call")
            #expect(probed[1] < backlog, "the task waited for the whole mailbox (\(probed[1]) calls ran first)")
            let firstLook = firstLookAt.load(ordering: .relaxed) - firstCallStart.load(ordering: .relaxed)
            if firstLook < RunnerTurn.minimumNanoseconds * 8 / 10 {
                #expect(probed[1] > RunnerTurn.runsPerLook, "the turn ended at its first look, \(firstLook) ns in")
            }
            #expect(ran.current == backlog)
        }
    }
}
