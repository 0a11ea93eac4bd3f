import Dispatch
import Foundation
import RayTopology
import Synchronization
import Testing

@testable import SwiftRay

/// wait (sync and async), `ref.value`, and refs in completion order.
@Suite("ObjectStore: wait, async and completion order", .timeLimit(.minutes(5)))
struct ObjectStoreWaitTests {
    @Test func waitReturnsPartialResultsInInputOrder() throws {
        let store = try makeStore()
        let r0 = try store.put(0)
        let p1 = try store.makePending(of: Int.self)
        let r2 = try store.put(2)
        let p3 = try store.makePending(of: Int.self)
        let refs = [r0, p1, r2, p3]

        var result = try store.wait(refs, numReturns: 1)
        #expect(result.ready == [r0] && result.notReady == [p1, r2, p3])

        let seconds = try elapsed {
            result = try store.wait(refs, numReturns: 3, timeout: 0.05)
        }
        #expect(seconds >= 0.05)
        #expect(result.ready == [r0, r2] && result.notReady == [p1, p3])

        result = try store.wait(refs, numReturns: 4, timeout: 0)
        #expect(result.ready == [r0, r2] && result.notReady == [p1, p3])

        after(0.02) { try? store.fulfil(p3, with: 3) }
        result = try store.wait(refs, numReturns: 3, timeout: 30)
        #expect(result.ready == [r0, r2, p3] && result.notReady == [p1])

        try store.fulfil(p1, with: 1)
        result = try store.wait(refs, numReturns: 2)
        #expect(result.ready == [r0, p1] && result.notReady == [r2, p3])
    }

    @Test func numReturnsIsValidated() throws {
        let store = try makeStore()
        let refs = try (0..<4).map { try store.put($0) }
        #expect(throws: ObjectStoreError.invalidNumReturns(numReturns: 0, refCount: 4)) { try store.wait(refs, numReturns: 0) }
        #expect(throws: ObjectStoreError.invalidNumReturns(numReturns: 5, refCount: 4)) { try store.wait(refs, numReturns: 5) }
        #expect(throws: ObjectStoreError.invalidNumReturns(numReturns: 1, refCount: 0)) { try store.wait([ObjectRef<Int>]()) }
        #expect(throws: ObjectStoreError.duplicateObjectRef(refs[1].id)) { try store.wait([refs[0], refs[1], refs[1]]) }
        #expect(ObjectStoreError.invalidNumReturns(numReturns: 5, refCount: 4).description.contains("5"))
        #expect(try store.wait(refs, numReturns: 4).ready == refs)
    }

    @Test func asyncValueSuspendsUntilReady() async throws {
        let store = try makeStore()
        let ref = try store.makePending(of: [Int].self)
        after(0.02) { try? store.fulfil(ref, with: [1, 2, 3]) }
        #expect(try await ref.value == [1, 2, 3])
        #expect(try await store.put(5).value == 5)
    }

    @Test func asyncValueHonoursCancellation() async throws {
        let store = try makeStore()
        let ref = try store.makePending(of: Int.self)
        let waiting = Task { try await ref.value }
        try await Task.sleep(nanoseconds: 20_000_000)
        waiting.cancel()
        await #expect(throws: CancellationError.self) { try await waiting.value }
        try store.fulfil(ref, with: 1)
        #expect(try await ref.value == 1)
    }

    @Test func asyncWait() async throws {
        let store = try makeStore()
        let r0 = try store.put(0)
        let p1 = try store.makePending(of: Int.self)
        let p2 = try store.makePending(of: Int.self)
        var result = try await store.wait([p1, r0, p2], numReturns: 2, timeout: 0.05)
        #expect(result.ready == [r0] && result.notReady == [p1, p2])
        after(0.02) { try? store.fulfil(p2, with: 2) }
        result = try await store.wait([p1, r0, p2], numReturns: 2, timeout: 30)
        #expect(result.ready == [r0, p2] && result.notReady == [p1])
        await #expect(throws: ObjectStoreError.invalidNumReturns(numReturns: 4, refCount: 3)) {
            try await store.wait([p1, r0, p2], numReturns: 4)
        }
    }

    @Test func completionOrder() async throws {
        let store = try makeStore()
        let p0 = try store.makePending(of: Int.self)
        let p1 = try store.makePending(of: Int.self)
        let ready = try store.put(9)
        let p2 = try store.makePending(of: Int.self)
        var iterator = try store.completed([p0, p1, ready, p2]).makeAsyncIterator()
        #expect(await iterator.next() == ready)
        try store.fulfil(p2, with: 2)
        #expect(await iterator.next() == p2)
        try store.fail(p0, with: Boom.code(0))
        #expect(await iterator.next() == p0)
        after(0.01) { try? store.fulfil(p1, with: 1) }
        #expect(await iterator.next() == p1)
        #expect(await iterator.next() == nil)

        var none = try store.completed([ObjectRef<Int>]()).makeAsyncIterator()
        #expect(await none.next() == nil)
    }

    @Test func completionOrderManyProducers() async throws {
        let store = try makeStore()
        let refs = try (0..<200).map { _ in try store.makePending(of: Int.self) }
        let order = (0..<200).shuffled()
        let stream = try store.completed(refs)
        DispatchQueue.global().async {
            for index in order { try? store.fulfil(refs[index], with: index) }
        }
        var seen: [Int] = []
        for await ref in stream { seen.append(try store.get(ref)) }
        #expect(seen == order)
    }

    @Test func droppingACompletionSequenceLetsItsObjectsGo() async throws {
        let store = try makeStore()
        let counter = DeinitCounter()
        var ref: ObjectRef<Payload>? = try store.makePending(of: Payload.self)
        do {
            var iterator = try store.completed([try #require(ref)]).makeAsyncIterator()
            _ = iterator
            iterator = try store.completed([ObjectRef<Payload>]()).makeAsyncIterator()
        }
        #expect(store.count == 1)
        ref = nil
        #expect(store.count == 0)
        _ = counter
    }

    @Test("wait takes refs of mixed types as [AnyObjectRef]; each comes back as itself")
    func waitOnRefsOfMixedTypes() throws {
        try withRuntime { ray in
            let number = try ray.put(42)
            let gate = DispatchSemaphore(value: 0)
            let text = try ray.remote { () -> String in
                gate.wait()
                return "done"
            }.remote()
            let refs: [AnyObjectRef] = [text, number]
            let first = try ray.wait(refs, numReturns: 1, timeout: 30)
            #expect(first.ready == [number] && first.notReady == [text])
            let typed = try #require(first.ready.first as? ObjectRef<Int>)
            #expect(try ray.get(typed) == 42 && !(first.ready.first is ObjectRef<String>))
            gate.signal()
            let all = try ray.wait(refs, numReturns: 2, timeout: 30)
            #expect(all.ready == refs && all.notReady.isEmpty)
            #expect(try ray.get(try #require(all.ready[0] as? ObjectRef<String>)) == "done")
            #expect(throws: ObjectStoreError.self) { try ray.wait([number, number] as [AnyObjectRef]) }
        }
    }

    @Test("async wait and completed take refs of mixed types")
    func asyncWaitOnRefsOfMixedTypes() async throws {
        try await withAsyncRuntime { ray in
            let number = try ray.put(42)
            let text = try ray.put("ok")
            let refs: [AnyObjectRef] = [text, number]
            let all = try await ray.wait(refs, numReturns: 2, timeout: 30)
            #expect(all.ready == refs && all.notReady.isEmpty)
            #expect(try await (all.ready[1] as? ObjectRef<Int>)?.value == 42)
            var order: [ObjectID] = []
            for await ref in try ray.completed(refs) { order.append(ref.id) }
            #expect(order == [text.id, number.id])  // both complete already: input order
        }
    }
}
