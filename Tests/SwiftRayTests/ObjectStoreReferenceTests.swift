import Dispatch
import Foundation
import RayTopology
import Synchronization
import Testing

@testable import SwiftRay

/// Values freed exactly when the last reference goes; capacity, grace period and ObjectStoreFull.
@Suite("ObjectStore: reference counting and capacity", .timeLimit(.minutes(5)))
struct ObjectStoreReferenceTests {
    @Test func valueIsFreedWithTheLastRef() throws {
        let store = try makeStore()
        let counter = DeinitCounter()
        var ref: ObjectRef<Payload>? = try store.put(Payload(counter, bytes: 100))
        var holders = [try #require(ref), try #require(ref)]
        var copy: ObjectRef<Payload>? = ref
        let id = try #require(ref).id
        #expect(store.referenceCount(of: id) == 4)  // ref, two holders, copy: one instance
        ref = nil
        holders.removeLast()
        #expect(counter.value == 0 && store.count == 1)
        holders.removeAll()
        #expect(counter.value == 0 && store.usedBytes == 100)
        let value = try store.get(try #require(copy))
        #expect(value.bytes == 100)
        copy = nil
        #expect(counter.value == 0)  // `value` still holds it, the store does not
        #expect(store.count == 0 && store.usedBytes == 0)
        _ = value
    }

    @Test func freedExactlyWhenLastRefGoes() throws {
        let store = try makeStore()
        let counter = DeinitCounter()
        do {
            var refs: [ObjectRef<Payload>] = []
            refs.append(try store.put(Payload(counter)))
            for _ in 0..<3 { refs.append(refs[0]) }
            while refs.count > 1 {
                refs.removeLast()
                #expect(counter.value == 0)
            }
            refs.removeAll()
            #expect(counter.value == 1)
        }
        #expect(store.count == 0 && store.usedBytes == 0)
    }

    @Test func referencesInsideOtherValuesCount() throws {
        let store = try makeStore()
        let counter = DeinitCounter()
        var ref: ObjectRef<Payload>? = try store.put(Payload(counter, bytes: 10))
        let id = try #require(ref).id
        var containing: ObjectRef<[ObjectRef<Payload>]>? = try store.put([try #require(ref), try #require(ref)])
        #expect(store.referenceCount(of: id) == 3)
        ref = nil
        #expect(counter.value == 0 && store.count == 2 && store.domain(of: id) == 0)
        let inner = try store.get(try #require(containing))
        containing = nil
        #expect(counter.value == 0 && store.count == 1 && store.referenceCount(of: id) == 2)
        _ = consume inner
        #expect(counter.value == 1 && store.count == 0 && store.usedBytes == 0)
        #expect(store.referenceCount(of: id) == 0 && store.domain(of: id) == nil)
    }

    @Test func pendingObjectsAreFreedToo() throws {
        let store = try makeStore()
        let counter = DeinitCounter()
        var ref: ObjectRef<Payload>? = try store.makePending(of: Payload.self)
        var producer = ref  // what a task holds until it delivers
        ref = nil
        #expect(store.count == 1)
        producer = nil
        #expect(store.count == 0)
        _ = producer
        // A pending object that is fulfilled after its refs went is dropped at once.
        let late = try store.makePending(of: Payload.self)
        let lateCopy = late
        try store.fulfil(late, with: Payload(counter, bytes: 7))
        #expect(store.usedBytes == 7)
        _ = (consume lateCopy, consume late)
        #expect(counter.value == 1 && store.usedBytes == 0 && store.count == 0)
    }

    @Test func fullStoreWaitsThenThrows() throws {
        let store = try makeStore(capacity: 1000, grace: 0.05)
        let big = try store.put([UInt8](repeating: 1, count: 800))
        var seconds = 0.0
        do {
            seconds = try elapsed { _ = try store.put([UInt8](repeating: 2, count: 300)) }
            Issue.record("the put fitted")
        } catch let error as ObjectStoreFull {
            #expect(error == ObjectStoreFull(requestedBytes: 300, usedBytes: 800, capacityBytes: 1000, gracePeriod: 0.05))
            for figure in ["300", "800", "1000"] { #expect(error.description.contains(figure)) }
        }
        _ = seconds
        let start = MonotonicClock.nanoseconds
        #expect(throws: ObjectStoreFull.self) { try store.put([UInt8](repeating: 2, count: 300)) }
        #expect(MonotonicClock.nanoseconds - start >= 50_000_000)
        // Still works for what fits.
        #expect(try store.get(store.put([UInt8](repeating: 3, count: 200))).count == 200)
        _ = big
    }

    @Test func putSucceedsWhenRoomIsFreedDuringTheGracePeriod() throws {
        let store = try makeStore(capacity: 1000, grace: 10)
        let holder = Locked<ObjectRef<[UInt8]>?>(try store.put([UInt8](repeating: 1, count: 800)))
        after(0.03) { holder.withLock { $0 = nil } }
        let seconds = try elapsed {
            let ref = try store.put([UInt8](repeating: 2, count: 300))
            #expect(try store.get(ref).count == 300)
        }
        #expect(seconds < 5)
        #expect(store.count == 0 && store.usedBytes == 0)
    }

    @Test func putLargerThanTheStoreFailsAtOnce() throws {
        let store = try makeStore(capacity: 1000, grace: 10)
        let seconds = elapsed {
            #expect(throws: ObjectStoreError.objectLargerThanStore(size: 1001, capacity: 1000)) {
                try store.put([UInt8](repeating: 0, count: 1001))
            }
        }
        #expect(seconds < 1)
        #expect(try store.get(store.put(1)) == 1)
    }

    @Test func fulfilOfAFullStoreFailsTheObject() throws {
        let store = try makeStore(capacity: 100, grace: 0.01)
        let big = try store.put([UInt8](repeating: 1, count: 90))
        let ref = try store.makePending(of: [UInt8].self)
        #expect(throws: ObjectStoreFull.self) { try store.fulfil(ref, with: [UInt8](repeating: 1, count: 20)) }
        #expect(throws: ObjectStoreFull.self) { try store.get(ref) }
        _ = big
    }

    @Test func refsInsideAStoredValueLiveAsLongAsIt() throws {
        let store = try makeStore()
        let counter = DeinitCounter()
        var inner: ObjectRef<Payload>? = try store.put(Payload(counter, bytes: 10))
        var outer: ObjectRef<[ObjectRef<Payload>]>? = try store.put([try #require(inner)])
        inner = nil
        #expect(store.count == 2 && counter.value == 0)
        let innerAgain = try store.get(try #require(outer))[0]
        #expect(try store.get(innerAgain).bytes == 10)
        _ = consume innerAgain
        outer = nil
        #expect(store.count == 0 && counter.value == 1 && store.usedBytes == 0)
    }

    /// Refs hold their store unretained; the table's shards hold it while they have entries.
    @Test("refs keep their store alive, and the store goes with the last of them, made on any thread")
    func storeLivesAsLongAsItsRefs() throws {
        let counter = DeinitCounter()
        weak var weakStore: ObjectStore?
        var refs: [AnyObjectRef] = []
        do {
            let store = try makeStore()
            weakStore = store
            refs.append(try store.put(Payload(counter)))
            refs.append(try store.makePending(of: Int.self))
            // Refs made on other threads land in other shards of the table.
            let made = Locked<[AnyObjectRef]>([])
            DispatchQueue.concurrentPerform(iterations: 8) { _ in
                let ref = try? store.put(Payload(counter))
                made.withLock { $0.append(ref!) }
            }
            refs += made.withLock { $0 }
        }
        #expect(weakStore != nil && refs.count == 10)
        // Every ref still works with only refs holding the store.
        for ref in refs where ref.isReady {
            #expect(try weakStore!.get(ref as! ObjectRef<Payload>).bytes == 64)
        }
        let pending = refs.remove(at: 1) as! ObjectRef<Int>
        try weakStore!.fulfil(pending, with: 7)
        #expect(try weakStore!.get(pending) == 7)
        while refs.count > 1 {
            refs.removeLast()
            #expect(weakStore != nil)
        }
        #expect(weakStore != nil && counter.value == 8)
        refs.removeAll()
        #expect(weakStore != nil)  // `pending` holds it
        _ = consume pending
        #expect(weakStore == nil && counter.value == 9)
    }
}
