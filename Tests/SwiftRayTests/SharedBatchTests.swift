import Dispatch
import Foundation
import Synchronization
import Testing

@testable import SwiftRay

/// A threaded actor's default lane takes its calls in batches that all its runners share, and
/// a watch starts more runners when calls wait and none starts (ActorCore+SharedBatches.swift).
/// Most tests hold the actor's factory while calls queue, so that its first runner takes them
/// all as one batch; then a call of the batch blocks, hands its runner to an async call, kills
/// the actor or fails fatally, and the rest of the batch must still run, or fail, once each.
@Suite("Threaded actors' shared batches")
struct SharedBatchTests {
    /// A threaded actor whose factory, the first time it runs, holds a worker until `hold` is
    /// released.
    private func heldActor<State: AnyObject>(
        _ ray: RayRuntime, _ options: ActorOptions, _ hold: WorkerHold, _ make: @escaping @Sendable () -> State
    ) throws -> ActorHandle<State> {
        let built = Atomic<Bool>(false)
        let actor = try ray.actor(options) { () -> State in
            if !built.exchange(true, ordering: .sequentiallyConsistent) { hold.holdHere() }
            return make()
        }
        #expect(hold.waitUntilHeld())
        return actor
    }

    @Test("a call that blocks until a later call of its batch has run does not hold that call back")
    func blockedCallDoesNotHoldItsBatch() throws {
        try withRuntime(RuntimeOptions(numCPUs: 2, workersPerDomain: 2)) { ray in
            let hold = WorkerHold()
            let actor = try heldActor(ray, ActorOptions(maxConcurrency: 2), hold) { Gauge() }
            let signal = DispatchSemaphore(value: 0)
            let waiter = try actor.remote { _ in signal.wait(timeout: .now() + 30) == .success }
            let signaller = try actor.remote { _ in
                signal.signal()
                return true
            }
            hold.release()
            #expect(try ray.get(waiter, timeout: 60), "the waiting call timed out: the later call never ran")
            #expect(try ray.get(signaller, timeout: 60))
        }
    }

    @Test("a call that gets a later call's result, inside its batch, receives it")
    func callGetsLaterCallOfItsBatch() throws {
        try withRuntime(RuntimeOptions(numCPUs: 2, workersPerDomain: 2)) { ray in
            let hold = WorkerHold()
            let actor = try heldActor(ray, ActorOptions(maxConcurrency: 2), hold) { Gauge() }
            let later = Mutex<ObjectRef<Int>?>(nil)
            let getter = try actor.remote { _ -> Int in
                while true {
                    if let ref = later.withLock({ $0 }) { return try ray.get(ref, timeout: 30) + 1 }
                    usleep(100)
                }
            }
            let answer = try actor.remote { _ in 41 }
            later.withLock { $0 = answer }
            hold.release()
            #expect(try ray.get(getter, timeout: 60) == 42)
        }
    }

    @Test("calls that block fill maxConcurrency runners at once, never more")
    func blockingCallsFillTheLimit() throws {
        try withRuntime(RuntimeOptions(numCPUs: 4, workersPerDomain: 4)) { ray in
            let hold = WorkerHold()
            let actor = try heldActor(ray, ActorOptions(maxConcurrency: 3), hold) { Gauge() }
            let refs = try (0..<9).map { _ in
                try actor.remote { gauge -> Int in
                    gauge.enter()
                    let deadline = Date().addingTimeInterval(10)
                    while gauge.current < 3, Date() < deadline { usleep(200) }
                    usleep(2_000)
                    gauge.leave()
                    return gauge.maximum
                }
            }
            hold.release()
            let most = try ray.get(refs, timeout: 120)
            #expect(most.max() == 3)
        }
    }

    @Test("a runner that hands its slot to an async call starts another for the calls behind it")
    func asyncCallHandsOverItsRunner() throws {
        try withRuntime(RuntimeOptions(numCPUs: 2, workersPerDomain: 2)) { ray in
            let hold = WorkerHold()
            let actor = try heldActor(ray, ActorOptions(maxConcurrency: 2), hold) { Gauge() }
            let flag = Atomic<Bool>(false)
            let awaiting = try actor.remote { _ async throws -> Bool in
                let deadline = ContinuousClock.now + .seconds(30)
                while !flag.load(ordering: .acquiring), ContinuousClock.now < deadline {
                    try await Task.sleep(nanoseconds: 100_000)
                }
                return flag.load(ordering: .acquiring)
            }
            let setter = try actor.remote { _ in
                flag.store(true, ordering: .releasing)
                return true
            }
            hold.release()
            #expect(try ray.get(setter, timeout: 60))
            #expect(try ray.get(awaiting, timeout: 60), "the async call waited in vain: the call behind it never ran")
        }
    }

    @Test("a kill inside a shared batch: every call after it fails with ActorDied; none is lost")
    func killInsideSharedBatch() throws {
        try withRuntime(RuntimeOptions(numCPUs: 2, workersPerDomain: 2)) { ray in
            let hold = WorkerHold()
            let actor = try heldActor(ray, ActorOptions(maxConcurrency: 4), hold) { CallTally() }
            let killer = try actor.remote { _ in
                ray.kill(actor)
                return -1
            }
            let rest = try (0..<50).map { _ in try actor.remote { $0.bump() } }
            hold.release()
            #expect(try ray.get(killer, timeout: 60) == -1)
            var ran = 0
            var died = 0
            for ref in rest {
                do {
                    _ = try ray.get(ref, timeout: 60)
                    ran += 1
                } catch let ActorError.actorDied(_, reason) {
                    #expect(reason.contains("ray.kill"))
                    died += 1
                }
            }
            #expect(ran + died == 50)
            #expect(died > 0)
        }
    }

    @Test("a fatal error inside a shared batch: the call is retried on the rebuilt instance and every call runs once")
    func fatalErrorInsideSharedBatch() throws {
        try withRuntime(RuntimeOptions(numCPUs: 2, workersPerDomain: 2)) { ray in
            let hold = WorkerHold()
            let census = InstanceCensus()
            let failedOnce = Atomic<Bool>(false)
            let runs = Atomic<Int>(0)
            let options = ActorOptions(maxConcurrency: 4, maxRestarts: 1, maxTaskRetries: 1)
            let actor = try heldActor(ray, options, hold) { NumberedInstance(census: census) }
            let failing = try actor.remote { instance -> Int in
                if !failedOnce.exchange(true, ordering: .sequentiallyConsistent) {
                    throw ActorFatalError("planted")
                }
                return instance.number
            }
            let rest = try (0..<50).map { _ in
                try actor.remote { instance -> Int in
                    runs.add(1, ordering: .relaxed)
                    return instance.number
                }
            }
            hold.release()
            #expect(try ray.get(failing, timeout: 60) == 2)
            #expect(try ray.get(rest, timeout: 60).count == 50)
            #expect(runs.load(ordering: .relaxed) == 50)
            #expect(census.built.load(ordering: .sequentiallyConsistent) == 2)
        }
    }

    @Test("the watch lets go of an idle actor and looks again when its lane has a runner again")
    func watchLetsGoOfIdleActors() throws {
        try withRuntime { ray in
            let actor = try ray.actor(ActorOptions(maxConcurrency: 2)) { CallTally() }
            #expect(try ray.get(try actor.remote { $0.bump() }, timeout: 30) == 1)
            #expect(waitUntil { ray.stallWatch.watchedCount == 0 })
            let signal = DispatchSemaphore(value: 0)
            let waiter = try actor.remote { _ in signal.wait(timeout: .now() + 30) == .success }
            let signaller = try actor.remote { _ in
                signal.signal()
                return true
            }
            #expect(try ray.get(waiter, timeout: 60))
            #expect(try ray.get(signaller, timeout: 60))
            #expect(waitUntil { ray.stallWatch.watchedCount == 0 })
            #expect(waitUntil { actor.core.state.withLock { $0.lanes[0].running == 0 && $0.lanes[0].runners == 0 } })
        }
    }

    @Test("stress: four callers, calls that sometimes block, a threaded actor of limit 3: every call runs once, never more than 3 at once")
    func stress() throws {
        try withRuntime(RuntimeOptions(numCPUs: 2, workersPerDomain: 2)) { ray in
            let actor = try ray.actor(ActorOptions(maxConcurrency: 3)) { Gauge() }
            let results = Mutex<[Int]>([])
            DispatchQueue.concurrentPerform(iterations: 4) { caller in
                var refs: [ObjectRef<Int>] = []
                for i in 0..<300 {
                    let value = caller * 1_000 + i
                    let ref = try? actor.remote { gauge -> Int in
                        gauge.enter()
                        if value % 29 == 0 { usleep(300) }
                        gauge.leave()
                        return value
                    }
                    if let ref { refs.append(ref) }
                    if i % 100 == 99 {
                        let got = (try? ray.get(refs, timeout: 120)) ?? []
                        results.withLock { $0 += got }
                        refs = []
                    }
                }
            }
            let expected = (0..<4).flatMap { caller in (0..<300).map { caller * 1_000 + $0 } }
            #expect(results.withLock { $0.sorted() } == expected)
            #expect(try ray.get(try actor.remote { $0.maximum }, timeout: 30) <= 3)
        }
    }
}
