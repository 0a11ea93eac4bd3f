import Synchronization
import Testing

@testable import SwiftRay

/// Counts the calls made on it. Thread-safe (an atomic): a threaded actor with
/// `maxConcurrency: 2` runs two calls on it at once.
final class CallTally: Sendable {
    let calls = Atomic<Int>(0)

    func bump() -> Int { calls.add(1, ordering: .relaxed).newValue }

    func asyncBump() async -> Int { calls.add(1, ordering: .relaxed).newValue }
}

/// Counts the instances of ``NumberedInstance`` built and alive. Thread-safe (atomics).
final class InstanceCensus: Sendable {
    let built = Atomic<Int>(0)
    let alive = Atomic<Int>(0)
}

/// An actor's instance that knows which one it is (1 for the first built) and counts itself
/// in its census while it lives. Thread-safe (immutable; the census is atomic): threaded actors
/// use it too.
final class NumberedInstance: Sendable {
    let number: Int
    let census: InstanceCensus

    init(census: InstanceCensus) {
        self.census = census
        number = census.built.add(1, ordering: .sequentiallyConsistent).newValue
        census.alive.add(1, ordering: .sequentiallyConsistent)
    }

    deinit { census.alive.subtract(1, ordering: .sequentiallyConsistent) }
}

/// Restarts asked from outside while calls run on other threads: the instance a running call
/// uses must stay alive and untouched until the call ends, a second restart asked before the
/// first instance is built must not replace an instance calls already run on, and no call may
/// see the actor without an instance. Run under ThreadSanitizer in CI, where a plain read of the
/// instance racing the restart's write is reported.
@Suite("Actor restarts while calls run")
struct ActorRestartStressTests {
    /// Queues `calls` per round from this thread and asks for a restart after each round (two
    /// every third round, the second before the first instance is built); every call must
    /// return (a restart keeps the queued calls).
    private func hammer(
        _ ray: RayRuntime, rounds: Int, calls: Int, _ call: () throws -> ObjectRef<Int>, restart: () -> Void
    ) throws -> [Int] {
        var refs: [ObjectRef<Int>] = []
        for round in 0..<rounds {
            for _ in 0..<calls { refs.append(try call()) }
            restart()
            if round % 3 == 0 { restart() }
        }
        return try ray.get(refs, timeout: 120)
    }

    @Test("a call running through a restart finishes on the old instance, which is freed once no call runs; later calls run on the new one")
    func runningCallKeepsItsInstance() throws {
        // Two workers: the factory runs while the held call occupies one.
        try withRuntime(RuntimeOptions(workersPerDomain: 2)) { ray in
            let census = InstanceCensus()
            let actor = try ray.actor(ActorOptions(maxRestarts: 1)) { NumberedInstance(census: census) }
            let hold = WorkerHold()
            let held = try actor.remote { instance in
                hold.holdHere()
                return instance.number
            }
            #expect(hold.waitUntilHeld())
            ray.kill(actor, noRestart: false)
            #expect(waitUntil { census.built.load(ordering: .sequentiallyConsistent) == 2 })
            // The old instance lives on while the call runs on it.
            #expect(census.alive.load(ordering: .sequentiallyConsistent) == 2)
            hold.release()
            #expect(try ray.get(held, timeout: 30) == 1)
            #expect(try ray.get(try actor.remote { $0.number }, timeout: 30) == 2)
            #expect(waitUntil { census.alive.load(ordering: .sequentiallyConsistent) == 1 })
            #expect(!actor.isDead)
        }
    }

    @Test("threaded actor, two calls at once, restarted 400 times: every call returns from a live instance")
    func threadedActor() throws {
        try withRuntime { ray in
            let tally = try ray.actor(ActorOptions(maxConcurrency: 2, maxRestarts: -1)) { CallTally() }
            let values = try hammer(ray, rounds: 300, calls: 8, { try tally.remote(CallTally.bump) }) {
                ray.kill(tally, noRestart: false)
            }
            #expect(values.count == 2_400)
            #expect(values.allSatisfy { $0 >= 1 })
            #expect(!tally.isDead)
            #expect(try ray.get(try tally.remote(CallTally.bump), timeout: 30) >= 1)
        }
    }

    @Test("ordered actor (calls taken in batches), restarted 400 times: every call returns from a live instance")
    func orderedActor() throws {
        try withRuntime { ray in
            let tally = try ray.actor(ActorOptions(maxRestarts: -1)) { CallTally() }
            let values = try hammer(ray, rounds: 300, calls: 8, { try tally.remote(CallTally.bump) }) {
                ray.kill(tally, noRestart: false)
            }
            #expect(values.allSatisfy { $0 >= 1 })
            #expect(!tally.isDead)
        }
    }

    @Test("async actor, restarted 400 times: every call returns from a live instance")
    func asyncActor() throws {
        try withRuntime { ray in
            let tally = try ray.actor(ActorOptions(maxRestarts: -1, isAsync: true)) { CallTally() }
            let values = try hammer(ray, rounds: 300, calls: 8, { try tally.remote(CallTally.asyncBump) }) {
                ray.kill(tally, noRestart: false)
            }
            #expect(values.allSatisfy { $0 >= 1 })
            #expect(!tally.isDead)
        }
    }
}
