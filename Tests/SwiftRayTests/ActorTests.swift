import Dispatch
import Foundation
import Synchronization
import Testing

@testable import SwiftRay

/// The seeds' Counter actor. Used by one actor thread at a time (not thread-safe itself).
final class Counter {
    var value = 0
    let constructedOnNode: Int?

    init(node: Int?) { constructedOnNode = node }

    func increment() -> Int {
        value += 1
        return value
    }

    func add(_ amount: Int) -> Int {
        value += amount
        return value
    }

    func add(_ a: Int, _ b: Int) -> Int {
        value += a + b
        return value
    }

    func get() -> Int { value }

    func fail() throws -> Int { throw ActorFatalError("asked to fail") }
}

/// A message actor: keeps messages in order. Used by one actor thread at a time.
final class MessageBox {
    var messages: [String] = []
    func send(_ message: String) { messages.append(message) }
    func drain() -> [String] {
        defer { messages = [] }
        return messages
    }
}

@Suite("Actors")
struct ActorTests {
    @Test("the Counter seed: calls run in order, one at a time, state kept between calls")
    func counter() throws {
        try withRuntime { ray in
            let counter = try ray.actor { Counter(node: ray.runtimeContext.nodeID) }
            let refs = try (0..<100).map { _ in try counter.remote(Counter.increment) }
            #expect(try ray.get(refs) == Array(1...100))
            #expect(try ray.get(try counter.remote(Counter.add, 5)) == 105)
            #expect(try ray.get(try counter.remote({ $0.add(1, 2) })) == 108)
            let five = try ray.put(5)
            #expect(try ray.get(try counter.remote(Counter.add, five)) == 113)
            #expect(try ray.get(try counter.remote { $0.constructedOnNode }) == counter.nodeID)
        }
    }

    @Test("handles are Sendable: tasks and other threads reach the same instance; per-caller order holds")
    func handlesInTasks() throws {
        try withRuntime { ray in
            let box = try ray.actor { MessageBox() }
            let sender = try ray.remote { (prefix: String) throws -> Int in
                for index in 0..<50 { _ = try box.remote { $0.send("\(prefix)\(index)") } }
                return 0
            }
            _ = try ray.get([try sender.remote("a"), try sender.remote("b")], timeout: 30)
            let messages = try ray.get(try box.remote { $0.drain() }, timeout: 30)
            #expect(messages.count == 100)
            for prefix in ["a", "b"] {
                let mine = messages.filter { $0.hasPrefix(prefix) }
                #expect(mine == (0..<50).map { "\(prefix)\($0)" })
            }
        }
    }

    @Test("named actors: lookup, getIfExists, duplicate and unknown names")
    func namedActors() throws {
        try withRuntime { ray in
            let first = try ray.actor(ActorOptions(name: "counter")) { Counter(node: nil) }
            _ = try ray.get(try first.remote(Counter.add, 3))
            let found = try ray.actor(named: "counter", as: Counter.self)
            #expect(try ray.get(try found.remote(Counter.get)) == 3)
            let again = try ray.actor(ActorOptions(name: "counter", getIfExists: true)) { Counter(node: nil) }
            #expect(again == first)
            #expect(throws: ActorError.self) { try ray.actor(ActorOptions(name: "counter")) { Counter(node: nil) } }
            #expect(throws: ActorError.self) { try ray.actor(named: "nobody", as: Counter.self) }
            ray.kill(first)
            #expect(throws: ActorError.self) { try ray.actor(named: "counter", as: Counter.self) }
        }
    }

    @Test("kill: later calls fail with ActorDied naming the actor and why")
    func kill() throws {
        try withRuntime { ray in
            let counter = try ray.actor { Counter(node: nil) }
            #expect(try ray.get(try counter.remote(Counter.increment)) == 1)
            ray.kill(counter)
            #expect(counter.isDead)
            do {
                _ = try ray.get(try counter.remote(Counter.increment), timeout: 10)
                Issue.record("a call to a killed actor ran")
            } catch let ActorError.actorDied(actor, reason) {
                #expect(actor.contains("Counter"))
                #expect(reason.contains("ray.kill"))
            }
        }
    }

    @Test("a fatal error restarts the actor with fresh state when maxRestarts allows; the call is retried by maxTaskRetries")
    func restarts() throws {
        try withRuntime { ray in
            let builds = Atomic<Int>(0)
            let counter = try ray.actor(ActorOptions(maxRestarts: 1, maxTaskRetries: 0)) { () -> Counter in
                builds.add(1, ordering: .sequentiallyConsistent)
                return Counter(node: nil)
            }
            #expect(try ray.get(try counter.remote(Counter.add, 10)) == 10)
            #expect(throws: ActorError.self) { try ray.get(try counter.remote(Counter.fail), timeout: 10) }
            // Rebuilt by the factory: state starts over.
            #expect(try ray.get(try counter.remote(Counter.increment), timeout: 10) == 1)
            #expect(builds.load(ordering: .sequentiallyConsistent) == 2)
            // No restarts left: the next fatal error kills it for good.
            #expect(throws: ActorError.self) { try ray.get(try counter.remote(Counter.fail), timeout: 10) }
            #expect(throws: ActorError.self) { try ray.get(try counter.remote(Counter.increment), timeout: 10) }
            #expect(counter.isDead)
        }
    }

    @Test("an actor ends itself with exitActor; queued calls fail")
    func exitActor() throws {
        try withRuntime { ray in
            let counter = try ray.actor { Counter(node: nil) }
            let ended = try counter.remote { _ in ray.exitActor() }
            #expect(try ray.get(ended, timeout: 10))
            #expect(throws: ActorError.self) { try ray.get(try counter.remote(Counter.get), timeout: 10) }
            #expect(ray.exitActor() == false)
        }
    }

    @Test("an unnamed actor ends when its last handle goes, after its queued calls")
    func handleScope() throws {
        try withRuntime { ray in
            let built = DeinitCounter()
            final class Tracked: @unchecked Sendable {
                let counter: DeinitCounter
                init(_ counter: DeinitCounter) { self.counter = counter }
                deinit { counter.bump() }
            }
            var result: ObjectRef<Int>?
            do {
                let actor = try ray.actor { Tracked(built) }
                result = try actor.remote { _ in 7 }
            }
            #expect(try ray.get(result!, timeout: 10) == 7)
            #expect(waitUntil { ray.dispatcher.withScheduler { $0.status().usage.allSatisfy { $0.used == 0 } } })
            #expect(waitUntil { ray.dispatcher.state.withLock { $0.actors.isEmpty } })
        }
    }

    @Test("maxConcurrency > 1 runs calls at once; maxPendingCalls refuses extra calls")
    func concurrencyAndPending() throws {
        try withRuntime(RuntimeOptions(numCPUs: 4)) { ray in
            let threaded = try ray.actor(ActorOptions(maxConcurrency: 2)) { Gauge() }
            let refs = try (0..<6).map { _ in
                try threaded.remote { gauge in
                    gauge.enter()
                    usleep(20_000)
                    gauge.leave()
                    return gauge.maximum
                }
            }
            #expect(try ray.get(refs, timeout: 30).max() == 2)

            let serial = try ray.actor(ActorOptions(maxPendingCalls: 2)) { Gauge() }
            let blocker = DispatchSemaphore(value: 0)
            let first = try serial.remote { _ in blocker.wait() }
            while try ray.wait([first], timeout: 0).ready.isEmpty, serial.core.state.withLock({ $0.mailbox.count }) > 0 {
                usleep(1000)
            }
            _ = try serial.remote { _ in 1 }
            _ = try serial.remote { _ in 2 }
            do {
                _ = try ray.get(try serial.remote { _ in 3 }, timeout: 10)
                Issue.record("a third pending call was accepted")
            } catch ActorError.tooManyPendingCalls(_, let limit) {
                #expect(limit == 2)
            }
            blocker.signal()
        }
    }

    @Test("bad input: maxConcurrency 0, invalid resources, an actor that cannot be placed")
    func badInput() throws {
        try withRuntime { ray in
            #expect(throws: RuntimeError.self) { try ray.actor(ActorOptions(maxConcurrency: 0)) { Counter(node: nil) } }
            #expect(throws: RuntimeError.self) { try ray.actor(ActorOptions(numGPUs: 1.5)) { Counter(node: nil) } }
            #expect(throws: RuntimeError.self) { try ray.actor(ActorOptions(name: "")) { Counter(node: nil) } }
            let nowhere = try ray.actor(ActorOptions.pinned(toDomain: 99)) { Counter(node: nil) }
            do {
                _ = try ray.get(try nowhere.remote(Counter.get), timeout: 10)
                Issue.record("an actor pinned to a missing domain ran")
            } catch let ActorError.actorDied(_, reason) {
                #expect(reason.contains("99"))
            }
        }
    }

    @Test("pinned actors: placed on the domain asked for, state built there (virtual 2-domain machine)")
    func pinned() throws {
        let topology = try Topology.load(.synthetic("numa:2 core:2 pu:1"))
        try withRuntime(RuntimeOptions(topology: topology)) { ray in
            for domain in 0..<2 {
                let counter = try ray.actor(ActorOptions.pinned(toDomain: domain)) { Counter(node: ray.runtimeContext.nodeID) }
                #expect(try ray.get(try counter.remote { $0.constructedOnNode }, timeout: 10) == domain)
                #expect(try ray.get(try counter.remote { _ in ray.runtimeContext.nodeID }, timeout: 10) == domain)
                #expect(counter.nodeID == domain)
            }
        }
    }

    @Test("a threaded actor's call cancelled while its runner waits for its argument: its body never runs")
    func threadedCancelWhileWaitingForAnArgument() throws {
        try withRuntime { ray in
            let actor = try ray.actor { LaneProbe() }
            for _ in 0..<20 {
                try cancelWhileTheArgumentIsPending(ray, actor) {
                    try actor.remote(LaneProbe.countRunSync, $0)
                }
                #expect(try ray.get(try actor.remote { $0.runs }, timeout: 30) == 0)
            }
        }
    }
}

@Suite("Actor handles outliving the caller's runtime variable")
struct ActorLifetimeTests {
    /// A handle made in a scope that drops its runtime variable.
    static func handleOnly() throws -> ActorHandle<Counter> {
        let ray = try RayRuntime(RuntimeOptions(topology: try Topology.load(.machine)))
        return try ray.actor(ActorOptions(name: "outlives")) { Counter(node: nil) }
    }

    @Test("a handle keeps its runtime: calls through it work after the last other reference went")
    func handleKeepsRuntime() throws {
        let counter = try Self.handleOnly()
        let ref = try counter.remote(Counter.increment)
        #expect(try ref.value(from: counter) == 1)
        counter.core.runtime.shutdown()
        #expect(throws: (any Error).self) { try counter.core.runtime.get(try counter.remote(Counter.increment), timeout: 10) }
    }
}

extension ObjectRef {
    /// The value through the runtime of `actor` (tests).
    fileprivate func value<State>(from actor: ActorHandle<State>) throws -> Value {
        try actor.core.runtime.get(self, timeout: 10)
    }
}
