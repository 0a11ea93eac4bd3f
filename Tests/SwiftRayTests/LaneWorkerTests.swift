import Foundation
import Synchronization
import Testing

@testable import SwiftRay

/// An async actor's state for the lane-worker tests: reads its own lane's worker count from
/// inside its calls. Not thread-safe by itself (the actor serializes it).
final class LaneProbe: @unchecked Sendable {
    /// Set right after the actor is made (before any call), for the calls to read their lane.
    /// Weak: the actor holds this instance, and a strong link back kept both, and the runtime
    /// the actor holds, alive after the test (LeakSanitizer).
    nonisolated(unsafe) weak var core: ActorCore?
    let gauge = Gauge()
    var mostWorkers = 0
    let started = Atomic<Bool>(false)

    /// The default lane's workers now (the call runs in one of them).
    func workersNow() -> Int {
        let workers = core?.state.withLock { $0.lanes[0].workers } ?? 0
        mostWorkers = max(mostWorkers, workers)
        return workers
    }

    /// Runs without suspending.
    func quick() async -> Int { workersNow() }

    /// Waits (yielding the loop) until `partners` calls are inside, as ``Gauge/pair(_:)``.
    func pair(_ partners: Int) async -> Int {
        _ = workersNow()
        return await gauge.pair(partners)
    }

    /// Sleeps until cancelled (or 30 s pass); throws `CancellationError` when cancelled.
    func sleepUntilCancelled() async throws -> Bool {
        started.store(true, ordering: .releasing)
        try await Task.sleep(for: .seconds(30))
        return false
    }

    /// Calls whose body ran (see ``countRun(_:)``).
    var runs = 0

    /// Counts that its body ran.
    func countRun(_ value: Int) async -> Int {
        runs += 1
        return value
    }

    /// ``countRun(_:)`` for a threaded actor.
    func countRunSync(_ value: Int) -> Int {
        runs += 1
        return value
    }

    /// Whether the running call's `Task` is cancelled.
    func seesCancellation() async -> Bool { Task.isCancelled }

    /// The running call's id as the runtime context reports it, after a suspension.
    func contextTaskID(_ ray: RayRuntime) async -> TaskID? {
        await Task.yield()
        return ray.runtimeContext.taskID
    }
}

/// Submits `call` with a pending argument, waits until the actor took it (it holds the
/// lane's only slot while it waits for the argument), cancels it, checks that its ref
/// throws `TaskCancelled`, then provides the argument.
func cancelWhileTheArgumentIsPending(
    _ ray: RayRuntime, _ actor: ActorHandle<LaneProbe>, _ call: (ObjectRef<Int>) throws -> ObjectRef<Int>
) throws {
    let argument = try ray.store.makePending(of: Int.self)
    let waiting = try call(argument)
    #expect(waitUntil { actor.core.state.withLock { $0.lanes[0].running == 1 && $0.lanes[0].mailbox.isEmpty } })
    #expect(try ray.cancel(waiting))
    #expect(throws: TaskCancelled.self) { try ray.get(waiting, timeout: 30) }
    try ray.store.fulfil(argument, with: 7)
}

@Suite("Async actors: lane workers", .timeLimit(.minutes(5)))
struct LaneWorkerTests {
    /// An async actor whose calls can read their lane.
    func probeActor(_ ray: RayRuntime, maxConcurrency: Int? = nil) throws -> ActorHandle<LaneProbe> {
        let options = maxConcurrency.map { ActorOptions(maxConcurrency: $0, isAsync: true) } ?? ActorOptions(isAsync: true)
        let actor = try ray.actor(options) { LaneProbe() }
        // The first call runs after this write: the actor's lock orders them.
        _ = try ray.get(try actor.remote { $0.core = actor.core }, timeout: 30)
        return actor
    }

    @Test("calls that never suspend all run in one worker, however many are queued")
    func oneWorkerWithoutSuspensions() throws {
        try withRuntime { ray in
            let actor = try probeActor(ray)
            for _ in 0..<5 {
                _ = try ray.get(try (0..<2_000).map { _ in try actor.remote(LaneProbe.quick) }, timeout: 60)
            }
            let most = try ray.get(try actor.remote { $0.mostWorkers }, timeout: 30)
            #expect(most == 1)
        }
    }

    @Test("suspended calls get more workers, up to the limit and never more")
    func workersGrowWithSuspendedCalls() throws {
        try withRuntime { ray in
            let actor = try probeActor(ray, maxConcurrency: 4)
            let refs = try (0..<40).map { _ in try actor.remote(LaneProbe.pair, 4) }
            #expect(try ray.get(refs, timeout: 60).max() == 4)
            let most = try ray.get(try actor.remote { $0.mostWorkers }, timeout: 30)
            #expect(most >= 2 && most <= 4)
            // The workers end once the lane is idle (none leaks).
            #expect(waitUntil { actor.core.state.withLock { $0.lanes[0].workers } == 0 })
        }
    }

    @Test("cancelling a running call cancels it alone: the next call in the lane does not see it")
    func cancellationStaysWithItsCall() throws {
        try withRuntime { ray in
            let actor = try probeActor(ray, maxConcurrency: 1)
            for _ in 0..<20 {
                let sleeping = try actor.remote(LaneProbe.sleepUntilCancelled)
                let next = try actor.remote(LaneProbe.seesCancellation)
                #expect(waitUntil { sleepingStarted(actor) })
                #expect(try ray.cancel(sleeping))
                #expect(throws: TaskCancelled.self) { try ray.get(sleeping, timeout: 30) }
                #expect(try ray.get(next, timeout: 30) == false)
            }
        }
    }

    @Test("cancelling a call that waits for its argument ends the wait: its body never runs, the lane goes on")
    func cancelWhileWaitingForAnArgument() throws {
        try withRuntime { ray in
            let actor = try probeActor(ray, maxConcurrency: 1)
            for _ in 0..<20 {
                try cancelWhileTheArgumentIsPending(ray, actor) { try actor.remote(LaneProbe.countRun, $0) }
                #expect(try ray.get(try actor.remote(LaneProbe.seesCancellation), timeout: 30) == false)
            }
            #expect(try ray.get(try actor.remote { $0.runs }, timeout: 30) == 0)
        }
    }

    /// Whether the sleeping call started (read without queueing behind it: the lane runs one
    /// call at a time).
    func sleepingStarted(_ actor: ActorHandle<LaneProbe>) -> Bool {
        guard let instance = actor.core.currentInstance as? LaneProbe else { return false }
        return instance.started.exchange(false, ordering: .acquiringAndReleasing)
    }

    @Test("each call sees its own frame in the runtime context, in one shared worker")
    func framesPerCall() throws {
        try withRuntime { ray in
            let actor = try probeActor(ray)
            let refs = try (0..<200).map { _ in try actor.remote(LaneProbe.contextTaskID, ray) }
            let ids = try ray.get(refs, timeout: 60)
            // Task ids grow in submission order, and the calls start in that order.
            let known = ids.compactMap { $0 }
            #expect(known.count == 200)
            #expect(Set(known).count == 200)
            #expect(known.map(\.rawValue) == known.map(\.rawValue).sorted())
        }
    }

    @Test("submit, suspend and wake: 600 rounds of 1, 2 and 64 calls from two threads, none lost")
    func roundsOfSubmitSuspendWake() throws {
        try withRuntime(RuntimeOptions(numCPUs: 2)) { ray in
            for round in 0..<600 {
                let limit = 1 + round % 4
                let actor = try ray.actor(ActorOptions(maxConcurrency: limit, isAsync: true)) { AsyncCounter() }
                let count = [1, 2, 64][round % 3]
                let other = try ray.remote(TaskOptions(numCPUs: 0)) { () throws -> [Int] in
                    try ray.get(try (0..<count).map { i in
                        i.isMultiple(of: 2) ? try actor.remote(AsyncCounter.asyncAdd, 1) : try actor.remote(AsyncCounter.bump)
                    }, timeout: 30)
                }
                let fromTask = try other.remote()
                let here = try (0..<count).map { i in
                    i.isMultiple(of: 3) ? try actor.remote(AsyncCounter.bump) : try actor.remote(AsyncCounter.asyncAdd, 1)
                }
                _ = try ray.get(here, timeout: 30)
                _ = try ray.get(fromTask, timeout: 30)
                if limit == 1 {
                    // One call at a time: asyncAdd's read and write never interleave.
                    #expect(try ray.get(try actor.remote(AsyncCounter.get), timeout: 30) == 2 * count)
                }
                #expect(waitUntil { actor.core.state.withLock { $0.lanes[0].workers } == 0 })
            }
        }
    }
}
