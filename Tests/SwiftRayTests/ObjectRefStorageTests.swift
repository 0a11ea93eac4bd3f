import Testing

@testable import SwiftRay

/// A value of 40 bytes that holds a payload: too large for a ref's inline bytes, so it lives
/// in a heap copy. A plain value; thread-safe.
struct WidePayload: Sendable, Equatable {
    let payload: Payload
    let numbers: (Int, Int, Int, Int)

    static func == (lhs: WidePayload, rhs: WidePayload) -> Bool {
        lhs.payload === rhs.payload && lhs.numbers == rhs.numbers
    }
}

/// How a ref keeps its value (``ObjectRef/storage``, an ``InlineValue``): in place up to 24 bytes at 8-byte
/// alignment, else in a heap copy; either way the value reads back whole and goes exactly when
/// the last reference does, and a ref that never got a value destroys nothing.
@Suite("ObjectRef: value storage")
struct ObjectRefStorageTests {
    @Test("values in place and in a heap copy read back whole")
    func valuesReadBack() throws {
        #expect(InlineValue.storesInline(Int.self) && InlineValue.storesInline(String.self) && InlineValue.storesInline([Int].self))
        #expect(InlineValue.storesInline((Int, Int, Int).self))
        #expect(!InlineValue.storesInline((Int, Int, Int, Int).self))
        #expect(!InlineValue.storesInline(SIMD4<Float>.self))  // 16 bytes, but 16-byte alignment
        let store = try makeStore()
        #expect(try store.get(try store.put(42)) == 42)
        let text = String(repeating: "swift-ray ", count: 10)
        #expect(try store.get(try store.put(text)) == text)
        let triple = try store.get(try store.put((1, 2, 3)))
        #expect(triple == (1, 2, 3))
        let quadruple = try store.get(try store.put((1, 2, 3, 4)))
        #expect(quadruple == (1, 2, 3, 4))
        #expect(try store.get(try store.put(SIMD4<Float>(1, 2, 3, 4))) == SIMD4<Float>(1, 2, 3, 4))
        let wide = WidePayload(payload: Payload(DeinitCounter()), numbers: (5, 6, 7, 8))
        #expect(try store.get(try store.put(wide)) == wide)
        #expect(store.count == 0)
    }

    @Test("a value in place and one in a heap copy go exactly when the last ref goes")
    func valuesGoWithTheLastRef() throws {
        let store = try makeStore()
        let inPlace = DeinitCounter()
        let onHeap = DeinitCounter()
        var first: ObjectRef<Payload>? = try store.put(Payload(inPlace))
        var second: ObjectRef<WidePayload>? = try store.put(WidePayload(payload: Payload(onHeap), numbers: (1, 2, 3, 4)))
        var firstCopy = first
        var secondCopy = second
        first = nil
        second = nil
        #expect(inPlace.value == 0 && onHeap.value == 0 && store.count == 2)
        #expect(try store.get(try #require(secondCopy)).numbers == (1, 2, 3, 4))
        #expect(try store.get(try #require(firstCopy)).bytes == 64)
        firstCopy = nil
        #expect(inPlace.value == 1 && onHeap.value == 0)
        secondCopy = nil
        #expect(inPlace.value == 1 && onHeap.value == 1 && store.count == 0)
    }

    @Test("a value made by a task, in place or in a heap copy, goes with its ref; a failed or never-completed ref destroys nothing")
    func taskValuesAndEmptyRefs() throws {
        let inPlace = DeinitCounter()
        let onHeap = DeinitCounter()
        try withRuntime { ray in
            do {
                let small = try ray.remote { Payload(inPlace) }.remote()
                let wide = try ray.remote { WidePayload(payload: Payload(onHeap), numbers: (1, 2, 3, 4)) }.remote()
                let failing = try ray.remote(TaskOptions(maxRetries: 0)) { () throws -> WidePayload in throw Boom.code(7) }.remote()
                #expect(try ray.get(wide, timeout: 60).numbers == (1, 2, 3, 4))
                _ = try ray.get(small, timeout: 60)
                #expect(throws: RayTaskError.self) { try ray.get(failing, timeout: 60) }
                #expect(inPlace.value == 0 && onHeap.value == 0)
            }
            // The worker lets go of a task's ref just after completing it: wait for that.
            #expect(waitUntil { inPlace.value == 1 && onHeap.value == 1 && ray.objectCount == 0 })
            var pending: ObjectRef<WidePayload>? = try ray.store.makePending()
            #expect(ray.objectCount == 1)
            pending = nil
            #expect(ray.objectCount == 0 && pending == nil)
        }
    }
}
