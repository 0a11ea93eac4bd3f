import Dispatch
import Foundation
import RayTopology
import Synchronization
import Testing

@testable import SwiftRay

/// put and get of small and large values, timeouts, bad input, failures, helping workers, domains.
@Suite("ObjectStore: put and get", .timeLimit(.minutes(5)))
struct ObjectStoreTests {
    /// A small plain value to store. Thread-safe.
    struct Point: Sendable, Equatable { var x: Double, y: Double }

    @Test func putAndGetSmallValues() throws {
        let store = try makeStore()
        let int = try store.put(42)
        let text = try store.put("hello")
        let point = try store.put(Point(x: 1, y: 2))
        #expect(try store.get(int) == 42)
        #expect(try store.get(text) == "hello")
        #expect(try store.get(point) == Point(x: 1, y: 2))
        #expect(int.isReady && int == int && Set([int, int]).count == 1 && int != text as AnyObjectRef)
        #expect(store.count == 3)
        #expect(store.usedBytes == 8 + 5 + MemoryLayout<Point>.size)
    }

    @Test func largeArrayIsNotCopied() throws {
        let store = try makeStore()
        let array = [Double](repeating: 1.5, count: 10_000_000)
        var ref: ObjectRef<[Double]>? = try store.put(array)
        #expect(store.usedBytes == 80_000_000)
        let got = try store.get(#require(ref))
        let stored = array.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) }
        let read = got.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) }
        #expect(stored == read)
        #expect(got.count == 10_000_000 && got[9_999_999] == 1.5)
        ref = nil
        #expect(store.usedBytes == 0 && store.count == 0)
    }

    @Test func sizesFollowDeclaredSizes() throws {
        let store = try makeStore()
        let counter = DeinitCounter()
        let data = try store.put(Data(count: 1000))
        #expect(store.usedBytes == 1000)
        let payload = try store.put(Payload(counter, bytes: 4096))
        #expect(store.usedBytes == 1000 + 4096)
        let strings = try store.put(["ab", "cde"])
        #expect(store.usedBytes == 1000 + 4096 + 2 * MemoryLayout<String>.stride + 5)
        _ = (data, payload, strings)
        #expect(throws: ObjectStoreError.invalidObjectSize(-1)) { try store.put(Payload(counter, bytes: -1)) }
    }

    @Test func getManyRefs() throws {
        let store = try makeStore()
        let refs = try (0..<1000).map { try store.put($0 * 2) }
        #expect(try store.get(refs) == (0..<1000).map { $0 * 2 })
        #expect(try store.get([ObjectRef<Int>]()) == [])
    }

    @Test func getOfPendingTimesOut() throws {
        let store = try makeStore()
        let ref = try store.makePending(of: Int.self)
        let seconds = elapsed {
            #expect(throws: GetTimeout(timeout: 0.05, pending: [ref.id])) { try store.get(ref, timeout: 0.05) }
        }
        #expect(seconds >= 0.05)
        #expect(throws: GetTimeout(timeout: 0, pending: [ref.id])) { try store.get(ref, timeout: 0) }
        let ready = try store.put(1)
        #expect(throws: GetTimeout.self) { try store.get([ready, ref], timeout: 0.01) }
        do {
            _ = try store.get(ref, timeout: 0.02)
        } catch let error as GetTimeout {
            #expect(error.description.contains("0.02") && error.description.contains("\(ref.id)"))
        }
        try store.fulfil(ref, with: 5)
        #expect(try store.get(ref, timeout: 0) == 5)
        #expect(try store.get([ready, ref]) == [1, 5])
    }

    @Test func badTimeoutsAreTypedErrors() throws {
        let store = try makeStore()
        let ready = try store.put(1)
        let pending = try store.makePending(of: Int.self)
        #expect(throws: ObjectStoreError.invalidTimeout(-1)) { try store.get(pending, timeout: -1) }
        #expect(throws: ObjectStoreError.invalidTimeout(-1)) { try store.get([ready, pending], timeout: -1) }
        #expect(throws: ObjectStoreError.invalidTimeout(-0.5)) { try store.wait([pending], timeout: -0.5) }
        do {
            _ = try store.get(pending, timeout: .nan)
            Issue.record("NaN timeout accepted")
        } catch let error as ObjectStoreError {
            guard case .invalidTimeout(let value) = error, value.isNaN else { throw error }
            #expect(error.description.contains("nan"))
        }
        #expect(ObjectStoreError.invalidTimeout(-1).description.contains("-1.0"))
        // The store keeps working.
        #expect(try store.get(ready, timeout: 1) == 1)
    }

    @Test func foreignRefsAndShutdown() throws {
        let first = try makeStore()
        let second = try makeStore()
        let ref = try first.put(1)
        #expect(throws: ObjectStoreError.foreignObjectRef(id: ref.id, store: second.serial)) { try second.get(ref) }
        #expect(throws: ObjectStoreError.self) { try second.get([ref]) }
        #expect(throws: ObjectStoreError.self) { try second.wait([ref]) }
        let pending = try first.makePending(of: Int.self)
        let thrown = Locked<(any Error)?>(nil)
        let done = Countdown(1)
        DispatchQueue.global().async {
            do { _ = try first.get(pending, timeout: 30) } catch { thrown.withLock { $0 = error } }
            done.tick()
        }
        usleep(20_000)
        first.shutdown()
        #expect(done.wait(seconds: 10))
        #expect(thrown.withLock { $0 as? ObjectStoreError } == .shutDown)
        #expect(throws: ObjectStoreError.shutDown) { try first.get(ref) }
        #expect(throws: ObjectStoreError.shutDown) { try first.put(2) }
        #expect(try second.get(second.put(3)) == 3)
    }

    @Test func getBlocksUntilFulfilled() throws {
        let store = try makeStore()
        let refs = try (0..<8).map { _ in try store.makePending(of: Int.self) }
        for (index, ref) in refs.enumerated() {
            after(0.001 * Double(index)) { try? store.fulfil(ref, with: index) }
        }
        #expect(try store.get(refs, timeout: 30) == Array(0..<8))
        #expect(throws: ObjectStoreError.alreadyCompleted(refs[0].id)) { try store.fulfil(refs[0], with: 1) }
        #expect(throws: ObjectStoreError.alreadyCompleted(refs[0].id)) { try store.fail(refs[0], with: Boom.code(1)) }
    }

    @Test func failureReachesEveryGet() async throws {
        let store = try makeStore()
        let ref = try store.makePending(of: String.self)
        let ready = try store.put("ok")
        after(0.01) { try? store.fail(ref, with: Boom.code(7)) }
        #expect(throws: Boom.code(7)) { try store.get(ref, timeout: 30) }
        #expect(throws: Boom.code(7)) { try store.get(ref) }
        #expect(throws: Boom.code(7)) { try store.get([ready, ref]) }
        #expect(throws: Boom.code(7)) { try store.get(ref as ObjectRef<String>) }
        await #expect(throws: Boom.code(7)) { try await ref.value }
        let (done, notDone) = try await store.wait([ref, ready], numReturns: 2, timeout: 0)
        #expect(done == [ref, ready] && notDone.isEmpty)
    }

    @Test func workerGetHelpsInsteadOfBlocking() throws {
        let topology = try Topology.load(.synthetic("numa:1 core:1 pu:1"))
        try withExecutor(topology, workers: 1) { executor in
            let store = try makeStore(executor: executor)
            let ref = try store.makePending(of: Int.self)
            let slow = try store.makePending(of: Int.self)
            let got = Atomic<Int>(-1)
            let timedOut = Atomic<Bool>(false)
            let done = Countdown(2)
            // One worker: the first job's get can only finish if the worker runs the second
            // job (the producer) while it waits.
            try executor.submit {
                got.store((try? store.get(ref, timeout: 30)) ?? -2, ordering: .sequentiallyConsistent)
                done.tick()
            }
            try executor.submit { try? store.fulfil(ref, with: 99) }
            try executor.submit {
                do { _ = try store.get(slow, timeout: 0.05) } catch is GetTimeout {
                    timedOut.store(true, ordering: .sequentiallyConsistent)
                } catch {}
                done.tick()
            }
            #expect(done.wait(seconds: 30))
            let value = got.load(ordering: .sequentiallyConsistent)
            let didTimeOut = timedOut.load(ordering: .sequentiallyConsistent)
            #expect(value == 99)
            #expect(didTimeOut)
        }
    }

    @Test func domainsAreRecorded() throws {
        let topology = try Topology.load(.synthetic("numa:2 core:1 pu:1"))
        try withExecutor(topology, workers: 1) { executor in
            let store = try makeStore(executor: executor)
            let outside = try store.put(1)
            #expect(store.domain(of: outside.id) == 0)
            let placed = try store.put(2, onDomain: 1)
            #expect(store.domain(of: placed.id) == 1)
            #expect(throws: ObjectStoreError.unknownDomain(id: 5, domainCount: 2)) { try store.put(3, onDomain: 5) }
            let fromWorker = Locked<ObjectRef<Int>?>(nil)
            let done = Countdown(1)
            try executor.submit(toDomain: 1, pinned: true) {
                fromWorker.withLock { $0 = try? store.put(4) }
                done.tick()
            }
            #expect(done.wait())
            let ref = try #require(fromWorker.withLock { $0 })
            #expect(store.domain(of: ref.id) == 1)
        }
    }

    @Test func badConfigurationIsRejected() throws {
        #expect(throws: ObjectStoreError.invalidCapacity(0)) { try makeStore(capacity: 0) }
        #expect(throws: ObjectStoreError.invalidGracePeriod(-1)) { try makeStore(grace: -1) }
        let store = try makeStore()
        let memory = try Topology.load(.machine).domains.reduce(UInt64(0)) { $0 + $1.memoryBytes }
        if memory > 0 { #expect(store.capacityBytes == Int(memory / 10 * 3)) }
    }
}
