import Foundation
import SwiftRay

/// The callee of the async-actor lines: Ray's `AsyncActor` (`@ray.remote`, default options),
/// whose `async def` methods return `b"ok"`. Stateless; thread-safe.
final class AsyncSmallValueActor: Sendable {
    func smallValue() async -> String { "ok" }
    func smallValueWithArg(_ x: Int) async -> String { "ok" }
}

/// The async-actor lines of `ray microbenchmark`, with Ray's loops and multipliers (they follow
/// the actor lines). Thread-safe (values only).
enum AsyncActorBenchmarks {
    /// Ray's `AsyncActor.remote()`: default options, an async actor.
    static let asyncActor = ActorOptions(isAsync: true)

    static var all: [Microbenchmark] {
        let halfTheCPUs = ActorBenchmarks.halfTheCPUs
        return [
            Microbenchmark("1:1 async-actor calls sync") { ray in
                let actor = try ray.actor(asyncActor) { AsyncSmallValueActor() }
                return { _ = try ray.get(try actor.remote(AsyncSmallValueActor.smallValue)) }
            },
            Microbenchmark("1:1 async-actor calls async", multiplier: 1000) { ray in
                let actor = try ray.actor(asyncActor) { AsyncSmallValueActor() }
                return { _ = try ray.get(try (0..<1000).map { _ in try actor.remote(AsyncSmallValueActor.smallValue) }) }
            },
            Microbenchmark("1:1 async-actor calls with args async", multiplier: 1000) { ray in
                let actor = try ray.actor(asyncActor) { AsyncSmallValueActor() }
                return {
                    _ = try ray.get(try (0..<1000).map { i in try actor.remote(AsyncSmallValueActor.smallValueWithArg, i) })
                }
            },
            Microbenchmark("1:n async-actor calls async", multiplier: Double(5000 * halfTheCPUs)) { ray in
                let servers = try (0..<halfTheCPUs).map { _ in try ray.actor(asyncActor) { AsyncSmallValueActor() } }
                let client = try ray.actor(ActorBenchmarks.zeroCPU) {
                    ClientActor(servers: servers, ray: ray) { try $0.remote(AsyncSmallValueActor.smallValue) }
                }
                return { _ = try ray.get(try client.remote(ClientActor.smallValueBatch, 5000)) }
            },
            Microbenchmark("n:n async-actor calls async", multiplier: Double(4 * 5000)) { ray in
                let actors = try (0..<halfTheCPUs).map { _ in try ray.actor(asyncActor) { AsyncSmallValueActor() } }
                let work = try ray.remote { () throws -> Int in
                    _ = try ray.get(
                        try (0..<5000).map { i in try actors[i % actors.count].remote(AsyncSmallValueActor.smallValue) })
                    return 0
                }
                return { _ = try ray.get(try (0..<4).map { _ in try work.remote() }) }
            },
        ]
    }
}
