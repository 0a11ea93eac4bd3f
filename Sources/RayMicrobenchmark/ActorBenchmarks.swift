import Foundation
import SwiftRay

/// The callee of the actor lines: Ray's `Actor` (`num_cpus=0`), whose methods return `b"ok"`.
/// Stateless; thread-safe.
final class SmallValueActor: Sendable {
    func smallValue() -> String { "ok" }
    func smallValueArg(_ x: Int) -> String { "ok" }
}

/// Ray's `Client` actor (`num_cpus=0`): calls each server `n` times and gets the results, from
/// inside an actor. `Server` is the callee's class (`SmallValueActor` or its async twin); `call`
/// and `callWithArgument` make one call. Immutable; thread-safe.
final class ClientActor<Server: AnyObject>: Sendable {
    let servers: [ActorHandle<Server>]
    let ray: RayRuntime
    let call: @Sendable (ActorHandle<Server>) throws -> ObjectRef<String>
    let callWithArgument: (@Sendable (ActorHandle<Server>, ObjectRef<Int>) throws -> ObjectRef<String>)?

    init(
        servers: [ActorHandle<Server>], ray: RayRuntime, call: @escaping @Sendable (ActorHandle<Server>) throws -> ObjectRef<String>,
        callWithArgument: (@Sendable (ActorHandle<Server>, ObjectRef<Int>) throws -> ObjectRef<String>)? = nil
    ) {
        self.servers = servers
        self.ray = ray
        self.call = call
        self.callWithArgument = callWithArgument
    }

    func smallValueBatch(_ n: Int) throws -> Int {
        var results: [ObjectRef<String>] = []
        results.reserveCapacity(n * servers.count)
        for server in servers {
            for _ in 0..<n { results.append(try call(server)) }
        }
        _ = try ray.get(results)
        return 0
    }

    func smallValueBatchArg(_ n: Int) throws -> Int {
        guard let callWithArgument else { return try smallValueBatch(n) }
        let x = try ray.put(0)
        var results: [ObjectRef<String>] = []
        results.reserveCapacity(n * servers.count)
        for server in servers {
            for _ in 0..<n { results.append(try callWithArgument(server, x)) }
        }
        _ = try ray.get(results)
        return 0
    }
}

/// The actor lines of `ray microbenchmark` with Ray's loops and multipliers (`n_cpu` is half the
/// machine's logical CPUs, at least 1). Thread-safe (values only).
enum ActorBenchmarks {
    static var halfTheCPUs: Int { max(1, ProcessInfo.processInfo.activeProcessorCount / 2) }
    static let zeroCPU = ActorOptions(numCPUs: 0)

    static var all: [Microbenchmark] {
        [
            Microbenchmark("1:1 actor calls sync") { ray in
                let actor = try ray.actor(zeroCPU) { SmallValueActor() }
                return { _ = try ray.get(try actor.remote(SmallValueActor.smallValue)) }
            },
            Microbenchmark("1:1 actor calls async", multiplier: 1000) { ray in
                let actor = try ray.actor(zeroCPU) { SmallValueActor() }
                return { _ = try ray.get(try (0..<1000).map { _ in try actor.remote(SmallValueActor.smallValue) }) }
            },
            Microbenchmark("1:1 actor calls concurrent", multiplier: 1000) { ray in
                var options = zeroCPU
                options.maxConcurrency = 16
                let actor = try ray.actor(options) { SmallValueActor() }
                return { _ = try ray.get(try (0..<1000).map { _ in try actor.remote(SmallValueActor.smallValue) }) }
            },
            Microbenchmark("1:n actor calls async", multiplier: Double(5000 * halfTheCPUs)) { ray in
                let servers = try (0..<halfTheCPUs).map { _ in try ray.actor(zeroCPU) { SmallValueActor() } }
                let client = try ray.actor(zeroCPU) {
                    ClientActor(servers: servers, ray: ray) { try $0.remote(SmallValueActor.smallValue) }
                }
                return { _ = try ray.get(try client.remote(ClientActor.smallValueBatch, 5000)) }
            },
            Microbenchmark("n:n actor calls async", multiplier: Double(4 * 5000)) { ray in
                let actors = try (0..<halfTheCPUs).map { _ in try ray.actor(zeroCPU) { SmallValueActor() } }
                let work = try ray.remote { () throws -> Int in
                    _ = try ray.get(try (0..<5000).map { i in try actors[i % actors.count].remote(SmallValueActor.smallValue) })
                    return 0
                }
                return { _ = try ray.get(try (0..<4).map { _ in try work.remote() }) }
            },
            Microbenchmark("n:n actor calls with arg async", multiplier: Double(1000 * halfTheCPUs)) { ray in
                let servers = try (0..<halfTheCPUs).map { _ in try ray.actor(zeroCPU) { SmallValueActor() } }
                let clients = try servers.map { server in
                    try ray.actor(zeroCPU) {
                        ClientActor(
                            servers: [server], ray: ray, call: { try $0.remote(SmallValueActor.smallValue) },
                            callWithArgument: { try $0.remote(SmallValueActor.smallValueArg, $1) })
                    }
                }
                return { _ = try ray.get(try clients.map { try $0.remote(ClientActor.smallValueBatchArg, 1000) }) }
            },
        ]
    }
}
