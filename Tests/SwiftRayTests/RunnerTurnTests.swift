import Dispatch
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
}

/// A runner (an actor's, a lease's) runs many calls in one job; it must give its worker up
/// after a turn when another job waits, or one busy actor or task class starves the rest of
/// its node. One worker, so the order is the executor's alone: the first call or task holds
/// it until the backlog and the probe are queued behind.
@Suite("Runner turns")
struct RunnerTurnTests {
    static let backlog = 2_000

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
            hold.release()
            let seen = try ray.get(probe, timeout: 60)
            try ray.get(first, timeout: 60)
            _ = try ray.get(calls, timeout: 60)
            #expect(seen < Self.backlog, "the task waited for the whole mailbox (\(seen) calls ran first)")
            #expect(seen <= ActorCore.callsPerTurn, "\(seen) calls ran before the waiting task")
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
            hold.release()
            let seen = try ray.get(probe, timeout: 60)
            _ = try ray.get(first, timeout: 60)
            _ = try ray.get(tasks, timeout: 60)
            #expect(seen < Self.backlog, "the actor call waited for the whole queue (\(seen) tasks ran first)")
            #expect(seen <= LeaseRunner.tasksPerTurn, "\(seen) tasks ran before the waiting call")
            #expect(ran.current == Self.backlog)
        }
    }
}
