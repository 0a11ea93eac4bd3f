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
