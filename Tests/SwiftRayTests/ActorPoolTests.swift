import Foundation
import Testing

@testable import SwiftRay

/// A pool member: doubles values and counts its calls. Used by one actor thread at a time.
final class Doubler {
    var calls = 0
    func double(_ value: Int) -> Int {
        calls += 1
        return value * 2
    }
    func slowDouble(_ value: Int) -> Int {
        // Later values finish first (scheduling only; results are checked by value).
        usleep(UInt32(max(0, 10 - value) * 2_000))
        return double(value)
    }
    func fail(_ value: Int) throws -> Int { throw ActorPoolTestError.failed(value) }
}

/// A failure from a pool member. A plain value.
enum ActorPoolTestError: Error, Equatable { case failed(Int) }

@Suite("Actor pool")
struct ActorPoolTests {
    @Test("map returns results in input order; mapUnordered returns every result")
    func mapOrders() throws {
        try withRuntime(RuntimeOptions(numCPUs: 4)) { ray in
            let actors = try (0..<3).map { _ in try ray.actor { Doubler() } }
            let pool = ActorPool<Doubler, Int>(actors, runtime: ray)
            let values = Array(0..<10)
            #expect(try pool.map(values) { actor, value in try actor.remote(Doubler.slowDouble, value) } == values.map { $0 * 2 })
            let unordered = try pool.mapUnordered(values) { actor, value in try actor.remote(Doubler.slowDouble, value) }
            #expect(unordered.sorted() == values.map { $0 * 2 })
            #expect(!pool.hasNext)
            let calls = try ray.get(try actors.map { try $0.remote { $0.calls } }, timeout: 10)
            #expect(calls.reduce(0, +) == 20)
        }
    }

    @Test("submit, hasNext, getNext and getNextUnordered; waiting values go to freed actors")
    func submitAndGet() throws {
        try withRuntime { ray in
            let actors = try (0..<2).map { _ in try ray.actor { Doubler() } }
            let pool = ActorPool<Doubler, Int>(actors, runtime: ray)
            let double: (ActorHandle<Doubler>, Int) throws -> ObjectRef<Int> = { try $0.remote(Doubler.double, $1) }
            #expect(pool.hasFree)
            for value in 1...5 { try pool.submit(double, value) }
            #expect(!pool.hasFree)
            #expect(pool.hasNext)
            #expect(try pool.getNext(timeout: 30) == 2)
            #expect(try pool.getNext() == 4)
            var rest: [Int] = []
            while pool.hasNext { rest.append(try pool.getNextUnordered(timeout: 30)) }
            #expect(rest.sorted() == [6, 8, 10])
            #expect(throws: ActorPoolError.noPendingResults) { try pool.getNext() }
            #expect(throws: ActorPoolError.noPendingResults) { try pool.getNextUnordered() }
            // A call's error comes back from getNext; its actor is free again.
            try pool.submit({ try $0.remote(Doubler.fail, $1) }, 7)
            #expect(throws: RayTaskError.self) { try pool.getNext(timeout: 30) }
            #expect(pool.hasFree)
        }
    }

    @Test("getNext after getNextUnordered took the next result fails; a pending result times out")
    func orderingErrors() throws {
        try withRuntime { ray in
            let actor = try ray.actor { Doubler() }
            let pool = ActorPool<Doubler, Int>([actor], runtime: ray)
            let gate = DispatchSemaphore(value: 0)
            try pool.submit({ actor, _ in try actor.remote { _ in gate.wait(); return 1 } }, 0)
            #expect(throws: GetTimeout.self) { try pool.getNext(timeout: 0.01) }
            #expect(throws: GetTimeout.self) { try pool.getNextUnordered(timeout: 0.01) }
            gate.signal()
            #expect(try pool.getNext(timeout: 30) == 1)
            let two = try ray.actor { Doubler() }
            try pool.push(two)
            try pool.submit({ try $0.remote(Doubler.double, $1) }, 1)
            try pool.submit({ try $0.remote(Doubler.double, $1) }, 2)
            _ = try pool.getNextUnordered(timeout: 30)
            _ = try pool.getNextUnordered(timeout: 30)
            try pool.submit({ try $0.remote(Doubler.double, $1) }, 3)
            #expect(try pool.getNext(timeout: 30) == 6)
        }
    }

    @Test("popIdle and push; pushing a member fails naming it")
    func idleActors() throws {
        try withRuntime { ray in
            let actors = try (0..<2).map { _ in try ray.actor { Doubler() } }
            let pool = ActorPool<Doubler, Int>(actors, runtime: ray)
            let taken = try #require(pool.popIdle())
            #expect(throws: ActorPoolError.alreadyInPool(actor: actors[0].name)) { try pool.push(actors[0]) }
            _ = pool.popIdle()
            #expect(pool.popIdle() == nil)
            #expect(!pool.hasFree)
            try pool.submit({ try $0.remote(Doubler.double, $1) }, 21)
            #expect(!pool.hasNext)  // Ray's has_next: only calls in flight count
            try pool.push(taken)
            #expect(try pool.getNext(timeout: 30) == 42)
        }
    }
}
