import Dispatch
import Synchronization
import Testing

@testable import SwiftRay

@Suite("Task event rings: one writer, many readers, no lock")
struct TaskEventRingTests {
    @Test("keeps the last capacity events in order and counts what it overwrote")
    func wrapsAround() throws {
        let ring = TaskEventRing(capacity: 64, log: 1, serial: 7)
        for index in 0..<200 {
            _ = ring.append(
                task: UInt64(index), stamp: index * 10, name: UInt32(index), domain: Int16(index % 3),
                worker: -1, kind: index % 2 == 0 ? .started : .finished)
        }
        let slots = ring.slots()
        #expect(slots.map(\.task) == (136..<200).map(UInt64.init))
        #expect(slots.allSatisfy { $0.stamp == Int($0.task) * 10 && $0.name == UInt32($0.task) })
        #expect(slots.allSatisfy { $0.domain == Int16($0.task % 3) && $0.worker == -1 })
        // Unwrapped first: comparing a `UInt64?` inside #expect trips AddressSanitizer (a
        // 9-byte read of the 8-byte slot in the runtime's AnyHashable conversion).
        let oldest = try #require(slots.first)
        #expect(oldest.key == 7 << 40 | 136)
        #expect(ring.dropped == 136)
        #expect(ring.count(ofKind: Int(TaskEvent.Kind.started.rawValue)) == 100)
    }

    @Test("a reader racing the writer never sees a torn event (stress)")
    func readerNeverSeesTornEvents() {
        let ring = TaskEventRing(capacity: 256, log: 1, serial: 1)
        let done = Atomic<Bool>(false)
        let torn = Atomic<Int>(0)
        let reads = Atomic<Int>(0)
        let group = DispatchGroup()
        DispatchQueue.global().async(group: group) {
            while !done.load(ordering: .acquiring) {
                for slot in ring.slots() {
                    // Every field derives from the task id: a mix of two events would not match.
                    let task = slot.task
                    if slot.stamp != Int(task &* 3) || slot.name != UInt32(truncatingIfNeeded: task)
                        || slot.domain != Int16(truncatingIfNeeded: task & 0x7fff)
                        || slot.kind != (task % 2 == 0 ? .started : .finished)
                    {
                        torn.add(1, ordering: .relaxed)
                    }
                }
                reads.add(1, ordering: .relaxed)
            }
        }
        // Write until the reader has raced at least 20 full reads (and 300,000 events at least).
        var task: UInt64 = 0
        while task < 300_000 || reads.load(ordering: .relaxed) < 20 {
            defer { task += 1 }
            _ = ring.append(
                task: task, stamp: Int(task &* 3), name: UInt32(truncatingIfNeeded: task),
                domain: Int16(truncatingIfNeeded: task & 0x7fff), worker: 0, kind: task % 2 == 0 ? .started : .finished)
        }
        done.store(true, ordering: .releasing)
        group.wait()
        #expect(torn.load(ordering: .relaxed) == 0)
        #expect(reads.load(ordering: .relaxed) > 0)
        #expect(ring.slots().count == 256)
    }
}
