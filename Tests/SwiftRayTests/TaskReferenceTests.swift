import Dispatch
import Foundation
import Synchronization
import Testing

@testable import SwiftRay

@Suite("Tasks: reference counting and the store")
struct TaskReferenceTests {
    @Test("a pending task's argument ref keeps the value; it goes when the task and the caller let go")
    func argumentsHeldByPendingTasks() throws {
        try withRuntime(RuntimeOptions(numCPUs: 1)) { ray in
            let counter = DeinitCounter()
            let gate = DispatchSemaphore(value: 0)
            let blocker = try ray.remote { () -> Int in
                gate.wait()
                return 0
            }
            let read = try ray.remote { (payload: Payload) in payload.bytes }
            let busy = try blocker.remote()
            var result: ObjectRef<Int>?
            do {
                let argument = try ray.put(Payload(counter, bytes: 100))
                result = try read.remote(argument)
            }
            // The caller dropped its ref; the queued task still holds one.
            #expect(counter.value == 0)
            gate.signal()
            #expect(try ray.get(result!, timeout: 10) == 100)
            _ = try ray.get(busy, timeout: 10)
            #expect(waitUntil { counter.value == 1 })
            result = nil
            #expect(waitUntil { ray.objectCount == 1 })  // only `busy` is left
        }
    }

    @Test("refs nested inside a stored value count until that value goes")
    func nestedRefsCount() throws {
        try withRuntime { ray in
            let counter = DeinitCounter()
            var outer: ObjectRef<[ObjectRef<Payload>]>? = try ray.put([try ray.put(Payload(counter))])
            #expect(ray.objectCount == 2)
            #expect(counter.value == 0)
            let inner = try ray.get(outer!)
            #expect(try ray.get(inner[0]).bytes == 64)
            outer = nil
            #expect(counter.value == 0)  // `inner` still holds the nested ref
            _ = consume inner
            #expect(counter.value == 1)
            #expect(ray.objectCount == 0)
        }
    }

    @Test("results and failures are freed when their refs go; cancelled tasks leak nothing")
    func nothingLeaks() throws {
        try withRuntime { ray in
            let ok = try ray.remote { (x: Int) in [UInt8](repeating: UInt8(truncatingIfNeeded: x), count: 1000) }
            let fail = try ray.remote { () throws -> Int in throw Boom.code(0) }
            for round in 0..<20 {
                let refs = try (0..<50).map { try ok.remote($0 + round) }
                let failed = try (0..<10).map { _ in try fail.remote() }
                _ = try ray.get(refs)
                _ = try ray.wait(failed, numReturns: failed.count, timeout: 30)
                if let last = refs.last { try ray.cancel(last) }
            }
            #expect(waitUntil { ray.objectCount == 0 && ray.objectStoreUsedBytes == 0 })
        }
    }

    @Test("a ref names its producer while pending and not after")
    func producerLink() throws {
        try withRuntime { ray in
            // A queued task is its ref's producer; a finished one is not (the link is dropped
            // when the object completes, and cancel then finds nothing).
            let gate = DispatchSemaphore(value: 0)
            let blocked = try ray.remote { () -> Int in
                gate.wait()
                return 1
            }
            let ref = try blocked.remote()
            #expect(ref.currentProducer() != nil)
            gate.signal()
            #expect(try ray.get(ref, timeout: 30) == 1)
            #expect(ref.currentProducer() == nil)
            #expect(try ray.cancel(ref) == false)
        }
    }

    @Test("stress: random task graphs over shared refs; every value is freed at the end")
    func randomGraphs() throws {
        try withRuntime { ray in
            let counter = DeinitCounter()
            let made = Atomic<Int>(0)
            let make = try ray.remote { (seed: Int) -> Payload in
                made.add(1, ordering: .sequentiallyConsistent)
                return Payload(counter, bytes: seed % 97 + 1)
            }
            let combine = try ray.remote { (a: Payload, b: Payload) -> Payload in
                made.add(1, ordering: .sequentiallyConsistent)
                return Payload(counter, bytes: a.bytes + b.bytes)
            }
            var generator = SplitMix64(seed: 7)
            for _ in 0..<30 {
                var pool = try (0..<8).map { try make.remote($0 + Int(generator.next() % 100)) }
                for _ in 0..<24 {
                    let a = pool[Int(generator.next() % UInt64(pool.count))]
                    let b = pool[Int(generator.next() % UInt64(pool.count))]
                    pool.append(try combine.remote(a, b))
                    if generator.next() % 3 == 0 { pool.remove(at: Int(generator.next() % UInt64(pool.count))) }
                }
                if generator.next() % 2 == 0 { _ = try ray.get(pool, timeout: 60) }
            }
            #expect(waitUntil(seconds: 60) { ray.objectCount == 0 })
            #expect(waitUntil { counter.value == made.load(ordering: .sequentiallyConsistent) })
            #expect(ray.objectStoreUsedBytes == 0)
        }
    }

    @Test("the object store filling up: a put waits the grace period, then ObjectStoreFull names the sizes")
    func storeFull() throws {
        try withRuntime(RuntimeOptions(objectStoreMemory: 10_000, objectStoreFullGracePeriod: 0.05)) { ray in
            let big = try ray.put([UInt8](repeating: 1, count: 8_000))
            do {
                _ = try ray.put([UInt8](repeating: 2, count: 4_000))
                Issue.record("the put fitted")
            } catch let full as ObjectStoreFull {
                #expect(full.requestedBytes == 4_000 && full.capacityBytes == 10_000)
            }
            // A task's result that does not fit fails its ref the same way.
            let produce = try ray.remote { [UInt8](repeating: 3, count: 4_000) }
            #expect(throws: (any Error).self) { try ray.get(try produce.remote(), timeout: 30) }
            _ = consume big
            #expect(try ray.get(try produce.remote(), timeout: 30).count == 4_000)
        }
    }
}

/// Polls `condition` until it holds or `seconds` pass (only a guard against hangs: tests wait
/// for events, never for durations); whether it held.
func waitUntil(seconds: Double = 10, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if condition() { return true }
        usleep(1000)
    }
    return condition()
}
