import Synchronization
import Testing

@testable import SwiftRay

/// The ring under mailboxes and lease queues: order through growth from every head position,
/// and every element let go exactly once (growth moves elements: a double release crashes, a
/// leak shows in the live count).
@Suite("FIFO")
struct FIFOTests {
    /// How many ``Element``s are alive. Thread-safe (an atomic).
    final class LiveCount: Sendable {
        let count = Atomic<Int>(0)
    }

    /// A reference-counted element that counts itself alive. Immutable; thread-safe.
    final class Element: Sendable {
        let value: Int
        let live: LiveCount
        init(_ value: Int, live: LiveCount) {
            self.value = value
            self.live = live
            live.count.add(1, ordering: .relaxed)
        }
        deinit { live.count.subtract(1, ordering: .relaxed) }
    }

    @Test("growth keeps order and lets go of nothing, whatever the head's position")
    func growthFromEveryHead() {
        let live = LiveCount()
        for offset in 0..<40 {
            var fifo = FIFO<Element>()
            var next = 0
            var expected = 0
            // Move the head `offset` places on, with at most a few elements queued.
            for _ in 0..<offset {
                fifo.append(Element(next, live: live))
                next += 1
                #expect(fifo.popFirst()?.value == expected)
                expected += 1
            }
            // Grow it several times over, half the elements moved in with `append(taking:)`.
            for _ in 0..<300 {
                if next.isMultiple(of: 2) {
                    fifo.append(Element(next, live: live))
                } else {
                    var element: Element? = Element(next, live: live)
                    fifo.append(taking: &element)
                    #expect(element == nil)
                }
                next += 1
                if next.isMultiple(of: 7) {
                    #expect(fifo.popFirst()?.value == expected)
                    expected += 1
                }
            }
            #expect(live.count.load(ordering: .relaxed) == next - expected)
            while let element = fifo.popFirst() {
                #expect(element.value == expected)
                expected += 1
            }
            #expect(expected == next)
            #expect(fifo.isEmpty)
            #expect(live.count.load(ordering: .relaxed) == 0)
        }
    }

    @Test("a ring dropped while full and grown lets go of every element once")
    func droppedAfterGrowth() {
        let live = LiveCount()
        do {
            var fifo = FIFO<Element>()
            for value in 0..<16 { fifo.append(Element(value, live: live)) }
            _ = fifo.popFirst()
            fifo.append(Element(16, live: live))
            fifo.append(Element(17, live: live))  // grows from a head of 1
            #expect(fifo.count == 17)
            #expect(live.count.load(ordering: .relaxed) == 17)
        }
        #expect(live.count.load(ordering: .relaxed) == 0)
    }

    @Test("moving everything to another ring keeps order, empties the source and lets go of nothing")
    func moveAll() {
        let live = LiveCount()
        do {
            var source = FIFO<Element>()
            var target = FIFO<Element>()
            for value in 0..<20 { source.append(Element(value, live: live)) }
            source.moveAll(to: &target)  // into an empty ring: swapped
            #expect(source.isEmpty && target.count == 20)
            for value in 20..<45 { source.append(Element(value, live: live)) }
            _ = source.popFirst()  // the head off 0, so the copy wraps
            source.append(Element(45, live: live))
            source.moveAll(to: &target)  // into a non-empty ring: appended
            #expect(source.isEmpty)
            var order: [Int] = []
            while let element = target.popFirst() { order.append(element.value) }
            #expect(order == Array(0..<20) + Array(21...45))
        }
        #expect(live.count.load(ordering: .relaxed) == 0)
    }

    @Test("taking the front element's reference out keeps order, leaves the slot empty and hands over exactly one reference")
    func popFirstReference() {
        let live = LiveCount()
        do {
            var fifo = FIFO<Element>()
            for value in 0..<10 { fifo.append(Element(value, live: live)) }
            _ = fifo.popFirst()
            for value in 10..<30 { fifo.append(Element(value, live: live)) }  // grows from a head of 1
            var order: [Int] = []
            while let reference = fifo.popFirstReference() {
                order.append(reference._withUnsafeGuaranteedRef { $0.value })
                reference.release()  // the ring's reference, now the caller's
            }
            #expect(order == Array(1..<30))
            #expect(fifo.isEmpty)
            #expect(live.count.load(ordering: .relaxed) == 0)
            fifo.append(Element(30, live: live))  // the ring is reused
            #expect(fifo.popFirst()?.value == 30)
        }
        #expect(live.count.load(ordering: .relaxed) == 0)
    }

    @Test("a copy shares the ring until one side changes: each then sees its own elements, and each element is let go once")
    func copyOnWrite() {
        let live = LiveCount()
        do {
            var original = FIFO<Element>()
            for value in 0..<20 { original.append(Element(value, live: live)) }
            _ = original.popFirst()  // the head off 0, so the copy wraps
            var copy = original
            copy.append(Element(100, live: live))  // copied, then appended to
            #expect(original.count == 19 && copy.count == 20)
            var fromCopy: [Int] = []
            while let element = copy.popFirst() { fromCopy.append(element.value) }
            #expect(fromCopy == Array(1..<20) + [100])
            // The original still holds its elements, and a second copy taken now pops its own.
            var second = original
            #expect(second.popFirstReference().map { reference in
                defer { reference.release() }
                return reference._withUnsafeGuaranteedRef { $0.value }
            } == 1)
            #expect(original.count == 19 && second.count == 18)
            #expect(live.count.load(ordering: .relaxed) == 19)
            var fromOriginal: [Int] = []
            while let element = original.popFirst() { fromOriginal.append(element.value) }
            #expect(fromOriginal == Array(1..<20))
        }
        #expect(live.count.load(ordering: .relaxed) == 0)
    }

    @Test("the optional of each element type is one word, zero when nil, as the ring's move of a taken element assumes")
    func elementLayout() {
        func zeroWordNil<T>(_: T.Type) -> Bool {
            let none: T? = nil
            return MemoryLayout<T?>.size == MemoryLayout<UInt>.size && withUnsafeBytes(of: none) { $0.allSatisfy { $0 == 0 } }
        }
        #expect(zeroWordNil(AnyObjectRef.self))
        #expect(zeroWordNil(UnownedJob.self))
        #expect(zeroWordNil(Element.self))
    }
}

extension FIFOTests.Element: FIFOElement {}
