import Dispatch
import Foundation
import RayTopology
import Synchronization
import Testing

@testable import SwiftRay

/// Capacity accounting with per-shard credit: exact under concurrent puts and frees.
@Suite("ObjectStore: capacity under concurrency", .timeLimit(.minutes(2)))
struct ObjectStoreCapacityTests {
    @Test func concurrentPutsAndFreesLeaveNothingCharged() throws {
        let store = try makeStore(capacity: 1 << 30)
        DispatchQueue.concurrentPerform(iterations: 6) { thread in
            var kept: [ObjectRef<[UInt8]>] = []
            for step in 0..<4000 {
                let count = (step * 37 + thread * 11) % 3000
                if let ref = try? store.put([UInt8](repeating: 1, count: count)) { kept.append(ref) }
                _ = try? store.put(step)  // dropped at once
                if kept.count > 50 { kept.removeFirst(25) }
            }
        }
        #expect(store.count == 0)
        #expect(store.usedBytes == 0)
        // All of the capacity is there again: the shards' credit is taken back for a put.
        let whole = try store.put(Payload(DeinitCounter(), bytes: 1 << 30))
        #expect(store.usedBytes == 1 << 30)
        _ = whole
    }

    @Test func usedBytesIsExactWhileThreadsHoldObjects() throws {
        let store = try makeStore(capacity: 1 << 26)
        let threads = 4
        let perThread = 200
        let held = Locked<[ObjectRef<[UInt8]>]>([])
        DispatchQueue.concurrentPerform(iterations: threads) { thread in
            for step in 0..<perThread {
                if let ref = try? store.put([UInt8](repeating: 2, count: 100 + thread)) {
                    if step % 2 == 0 { held.withLock { $0.append(ref) } }
                }
            }
        }
        let expected = (0..<threads).reduce(0) { $0 + (perThread / 2) * (100 + $1) }
        #expect(store.usedBytes == expected)
        held.withLock { $0.removeAll() }
        #expect(store.usedBytes == 0 && store.count == 0)
    }

    @Test func objectsCompletedOnOtherThreadsAreChargedExactlyAndWakeTheirWaiters() throws {
        // A task's return object is made and freed by its caller but completed by a worker, who
        // pays for the value in its own shard: the sums must stay exact, a second completion
        // must refund what it paid, and a waiter registering while the object completes must
        // be woken (the entry's gate, not the shard's lock, orders the two).
        let store = try makeStore(capacity: 1 << 26)
        for round in 0..<50 {
            let refs = try (0..<64).map { _ in try store.makePending(of: [UInt8].self) }
            let refsBox = Locked(refs)
            let done = DispatchGroup()
            DispatchQueue.global().async(group: done) {
                DispatchQueue.concurrentPerform(iterations: 4) { producer in
                    let mine = refsBox.withLock { $0 }
                    for (index, ref) in mine.enumerated() where index % 4 == producer {
                        try? store.fulfil(ref, with: [UInt8](repeating: 1, count: 100 + index))
                        // A second completion is refused and pays nothing.
                        #expect(throws: ObjectStoreError.self) { try store.fulfil(ref, with: [1]) }
                    }
                }
            }
            let values = try store.get(refs, timeout: 30)
            #expect(values.map(\.count) == (0..<64).map { 100 + $0 }, "round \(round)")
            #expect(done.wait(timeout: .now() + 30) == .success)
            #expect(store.usedBytes == (0..<64).reduce(0) { $0 + 100 + $1 })
            refsBox.withLock { $0.removeAll() }
        }
        #expect(store.count == 0)
        #expect(store.usedBytes == 0)
    }

    @Test func aFullStoreStillThrowsWhenPutsComeFromManyThreads() throws {
        let capacity = 1 << 20
        let store = try makeStore(capacity: capacity, grace: 0.05)
        let held = Locked<[ObjectRef<Payload>]>([])
        let counter = DeinitCounter()
        // 4 threads fill the store exactly; credit idle in one shard must not refuse another's put.
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            for _ in 0..<64 {
                do {
                    let ref = try store.put(Payload(counter, bytes: 4096))
                    held.withLock { $0.append(ref) }
                } catch {
                    Issue.record("a put that fits failed: \(error)")
                }
            }
        }
        #expect(store.usedBytes == capacity)
        DispatchQueue.concurrentPerform(iterations: 2) { _ in
            #expect(throws: ObjectStoreFull.self) { try store.put(Payload(counter, bytes: 1)) }
        }
        #expect(throws: ObjectStoreError.objectLargerThanStore(size: capacity + 1, capacity: capacity)) {
            try store.put(Payload(counter, bytes: capacity + 1))
        }
        // A free elsewhere makes room for a waiting put within its grace period.
        let waiting = try makeStore(capacity: 1000, grace: 5)
        let blocker = Locked<ObjectRef<Payload>?>(try waiting.put(Payload(counter, bytes: 1000)))
        after(0.05) { blocker.withLock { $0 = nil } }
        let late = try waiting.put(Payload(counter, bytes: 600))
        #expect(waiting.usedBytes == 600)
        _ = late
        held.withLock { $0.removeAll() }
        #expect(store.usedBytes == 0 && store.count == 0)
    }
}
