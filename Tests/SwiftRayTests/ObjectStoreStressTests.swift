import Dispatch
import Foundation
import RayTopology
import Synchronization
import Testing

@testable import SwiftRay

/// Many threads and workers putting, getting, dropping and producing at once; the store ends empty.
@Suite("ObjectStore: concurrency stress", .timeLimit(.minutes(5)))
struct ObjectStoreStressTests {
    /// A small deterministic generator per thread (SplitMix64). Not thread-safe: one per thread.
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    @Test func randomPutsGetsDropsAndProducers() throws {
        let threads = 4
        let iterations = 3000
        try withExecutor(workers: 2) { executor in
            let store = try makeStore(capacity: 1 << 22, grace: 1, executor: executor)
            let shared = Locked<[ObjectRef<Int>]>([])
            // Ids of objects just dropped, looked up by other threads while they are being freed.
            let dropped = Locked<[ObjectID]>([])
            let mismatches = Atomic<Int>(0)
            let workerGets = Countdown(threads * 20)
            DispatchQueue.concurrentPerform(iterations: threads) { thread in
                var random = Generator(state: UInt64(thread + 1) * 7919)
                var mine: [ObjectRef<[UInt8]>] = []
                var promised: [ObjectRef<Int>] = []
                var submitted = 0
                func check(_ ok: Bool) { if !ok { mismatches.add(1, ordering: .relaxed) } }
                for step in 0..<iterations {
                    switch Int.random(in: 0..<10, using: &random) {
                    case 0, 1:
                        let count = Int.random(in: 0..<512, using: &random)
                        if let ref = try? store.put([UInt8](repeating: UInt8(truncatingIfNeeded: count), count: count)) {
                            mine.append(ref)
                        }
                    case 2:
                        if let ref = mine.randomElement(using: &random) {
                            let value = try? store.get(ref)
                            check(value.map { bytes in bytes.allSatisfy { $0 == UInt8(truncatingIfNeeded: bytes.count) } } ?? false)
                        }
                    case 3:
                        if !mine.isEmpty {
                            let gone = mine.remove(at: Int.random(in: 0..<mine.count, using: &random))
                            dropped.withLock { ids in
                                if ids.count >= 64 { ids.removeFirst(32) }
                                ids.append(gone.id)
                            }
                        }
                    case 4:
                        if let ref = try? store.makePending(of: Int.self) {
                            shared.withLock { $0.append(ref) }
                            promised.append(ref)
                        }
                    case 5:
                        let taken: ObjectRef<Int>? = shared.withLock { list in
                            list.isEmpty ? nil : list.remove(at: Int.random(in: 0..<list.count, using: &random))
                        }
                        if let taken {
                            if step % 7 == 0 {
                                try? store.fail(taken, with: Boom.code(Int(taken.id.index)))
                            } else {
                                try? store.fulfil(taken, with: Int(taken.id.index))
                            }
                        }
                    case 6:
                        if let ref = promised.randomElement(using: &random) {
                            do {
                                check(try store.get(ref, timeout: 0.001) == Int(ref.id.index))
                            } catch is GetTimeout {
                            } catch let error as Boom {
                                check(error == .code(Int(ref.id.index)))
                            } catch { check(false) }
                        }
                    case 7:
                        let some = Array(promised.suffix(4))
                        if !some.isEmpty, let result = try? store.wait(some, numReturns: some.count, timeout: 0) {
                            check(result.ready.count + result.notReady.count == some.count)
                            check(result.ready.allSatisfy(\.isReady))
                        }
                        if promised.count > 16 { promised.removeFirst(8) }
                    case 8:
                        // Lookups by id race with the frees of other threads' drops.
                        if let ref = mine.randomElement(using: &random) {
                            check(store.referenceCount(of: ref.id) >= 1 && store.domain(of: ref.id) == 0)
                        }
                        if let id = dropped.withLock({ $0.randomElement(using: &random) }) {
                            check(store.referenceCount(of: id) >= 0)
                            _ = store.domain(of: id)
                        }
                    default:
                        if submitted < 20, let ref = promised.randomElement(using: &random) {
                            submitted += 1
                            let job: @Sendable () -> Void = {
                                var ok: Bool
                                do {
                                    ok = try store.get(ref, timeout: 30) == Int(ref.id.index)
                                } catch let error as Boom {
                                    ok = error == .code(Int(ref.id.index))
                                } catch { ok = false }
                                if !ok { mismatches.add(1, ordering: .relaxed) }
                                workerGets.tick()
                            }
                            if (try? executor.submit(job)) == nil { check(false) }
                        }
                    }
                }
                for _ in submitted..<20 { workerGets.tick() }
            }
            // Fulfil whatever is still promised, so that every worker get finishes.
            do {
                let rest = shared.withLock { list in defer { list = [] }; return list }
                for ref in rest { try? store.fulfil(ref, with: Int(ref.id.index)) }
            }
            #expect(workerGets.wait(seconds: 60))
            let mismatchCount = mismatches.load(ordering: .relaxed)
            #expect(mismatchCount == 0)
            #expect(waitUntilAllParked(executor))
            #expect(store.count == 0)
            #expect(store.usedBytes == 0)
        }
    }

    /// A get or wait counts the complete refs, then registers with the pending ones: objects
    /// completing between the two must still be counted exactly once, or the waiter would wait
    /// for one completion too many (it would sleep until its timeout, although every object is
    /// there within microseconds) or wake too early (a get would find refs still pending).
    @Test func completionsRacingTheRegistrationOfAWaiter() throws {
        let store = try makeStore()
        let clock = ContinuousClock()
        for round in 0..<2000 {
            let refs = try (0..<8).map { _ in try store.makePending(of: Int.self) }
            let order = refs.shuffled()
            let producer = Thread { for ref in order { try? store.fulfil(ref, with: Int(ref.id.index)) } }
            producer.start()
            let waited = try clock.measure {
                if round % 2 == 0 {
                    #expect(try store.get(refs, timeout: 30) == refs.map { Int($0.id.index) })
                } else {
                    let (ready, notReady) = try store.wait(refs, numReturns: 4, timeout: 30)
                    #expect(ready.count == 4 && ready.count + notReady.count == 8 && ready.allSatisfy(\.isReady))
                }
            }
            // Not a timing: a liveness bound, far above any scheduling delay and below the timeout.
            try #require(waited < .seconds(20), "round \(round): the waiter slept until its timeout")
        }
    }

    @Test func manyWaitersOnManyObjects() throws {
        let store = try makeStore()
        let refs = try (0..<64).map { _ in try store.makePending(of: Int.self) }
        let done = Countdown(8)
        let wrong = Atomic<Int>(0)
        for waiter in 0..<8 {
            let mine = refs.shuffled()
            DispatchQueue.global().async {
                if (try? store.get(mine, timeout: 30)) != mine.map({ Int($0.id.index) }) {
                    wrong.add(1, ordering: .relaxed)
                }
                _ = waiter
                done.tick()
            }
        }
        DispatchQueue.concurrentPerform(iterations: 4) { part in
            for index in stride(from: part, to: refs.count, by: 4) {
                try? store.fulfil(refs[index], with: Int(refs[index].id.index))
            }
        }
        #expect(done.wait(seconds: 60))
        let wrongCount = wrong.load(ordering: .relaxed)
        #expect(wrongCount == 0)
    }
}
