import Dispatch
import Synchronization
import Testing

@testable import SwiftRay

/// One object a call (the design note in TaskRecord.swift): the ref a call returns is its
/// record; the call lets go of its inputs when it ends, unless they are plain data, and the
/// object goes with its last ref, wherever that is dropped.
@Suite("One object a call: a call's ref is its record")
struct OneObjectPerCallTests {
    final class Tally: @unchecked Sendable {
        var total = 0
        func add(_ x: Int) -> Int { total += x; return total }
        func read() -> Int { total }
        func size(_ probe: Probe) -> Int { probe.bytes }
        func failWith(_ probe: Probe) throws -> Int { throw Boom.code(probe.bytes) }
    }

    /// An argument that owns memory and tells when it goes.
    final class Probe: Sendable {
        let bytes: Int
        private let counter: DeinitCounter
        init(_ bytes: Int, _ counter: DeinitCounter) { self.bytes = bytes; self.counter = counter }
        deinit { counter.bump() }
    }

    @Test("a task's ref is its call: finished, no longer cancellable, freed with the ref")
    func taskRefIsItsCall() throws {
        try withRuntime(RuntimeOptions(numCPUs: 1)) { ray in
            let seven = try ray.remote { 7 }
            let double = try ray.remote { (x: Int) in 2 * x }
            for make in [{ try seven.remote() }, { try double.remote(21) }] as [() throws -> ObjectRef<Int>] {
                var ref: ObjectRef<Int>? = try make()
                #expect(ref is SingleReturnTask<Int>)
                #expect(ref!.kind == .call && ref!.releasesInputsAtEnd == false)
                _ = try ray.get(ref!, timeout: 30)
                #expect(ref!.currentProducer() == nil)
                #expect(try ray.cancel(ref!) == false)
                weak let call = ref
                // The worker may still hold the call it just ran (and mark it finished after
                // its value): one more task on the one worker.
                _ = try ray.get(try seven.remote(), timeout: 30)
                #expect(ref!.taskState.load(ordering: .acquiring) == .finished)
                ref = nil
                #expect(waitUntil { call == nil })
            }
            #expect(waitUntil { ray.objectCount == 0 })
        }
    }

    @Test("a task lets go of a ref argument and of arguments that own memory when it ends; its value stays")
    func taskInputsGoAtTheEnd() throws {
        try withRuntime { ray in
            let gone = DeinitCounter()
            let size = try ray.remote { (probe: Probe) in probe.bytes }
            let count = try ray.remote { (text: String) in text.utf8.count }
            let fail = try ray.remote { (probe: Probe) throws -> Int in throw Boom.code(probe.bytes) }
            let bySize = try size.remote(Probe(100, gone))
            let failed = try fail.remote(Probe(5, gone))
            let byRef = try count.remote(try ray.put("abc"))
            #expect(bySize.releasesInputsAtEnd && byRef.releasesInputsAtEnd)
            #expect(try ray.get([bySize, byRef], timeout: 30) == [100, 3])
            #expect(throws: RayTaskError.self) { try ray.get(failed, timeout: 30) }
            // Both probes went with their calls, the refs still held; the put's object too.
            #expect(waitUntil { gone.value == 2 })
            #expect(waitUntil { ray.objectCount == 3 })
            #expect(byRef.arguments.isEmpty)
        }
    }

    @Test("an actor call keeps plain arguments until its ref goes, and lets go of others when it ends")
    func actorCallInputs() throws {
        try withRuntime { ray in
            let gone = DeinitCounter()
            let tally = try ray.actor { Tally() }
            let plain = try tally.remote(Tally.add, 5)
            let noArguments = try tally.remote(Tally.read)
            let probed = try tally.remote(Tally.size, Probe(64, gone))
            let failed = try tally.remote(Tally.failWith, Probe(1, gone))
            let byRef = try tally.remote(Tally.add, try ray.put(1))
            #expect(try ray.get([plain, noArguments, probed, byRef], timeout: 30) == [5, 5, 64, 6])
            #expect(throws: RayTaskError.self) { try ray.get(failed, timeout: 30) }
            #expect((plain as? ActorMethodCall<Tally, Int, Int>)?.values == 5)
            #expect(!plain.releasesInputsAtEnd && !noArguments.releasesInputsAtEnd)
            #expect(waitUntil { gone.value == 2 })
            #expect(waitUntil { ray.objectCount == 5 })  // the put's object went with the call
            #expect((byRef as? ActorMethodCall<Tally, ObjectRef<Int>, Int>)?.values == nil)
        }
    }

    @Test("a call with several refs has a record of its own, their producer while it lives")
    func recordOfSeveralRefs() throws {
        try withRuntime { ray in
            let gate = DispatchSemaphore(value: 0)
            let pair = try ray.remote(numReturns: 2) { () -> [Int] in
                gate.wait()
                return [1, 2]
            }
            let refs = try pair.remote()
            let record = refs[0].currentProducer()
            #expect(record != nil && record === refs[1].currentProducer())
            #expect(record?.kind == .callRecord && record is MultipleReturnTask<Int>)
            gate.signal()
            #expect(try ray.get(refs, timeout: 30) == [1, 2])
            #expect(refs[0].currentProducer() == nil)

            // A record that goes before completing its refs (no runtime path does; the link
            // is unretained, so the record's deinit must clear it).
            let pending = try ray.store.makePending(of: Int.self)
            do {
                let shape = try ray.dispatcher.shape(for: TaskOptions())
                let orphan = MultipleReturnTask(
                    taskID: ray.nextTaskID(), store: ray.store, shape: shape, arguments: [], outputs: [pending],
                    body: { [2] })
                pending.setProducer(orphan)
                #expect(pending.currentProducer() === orphan)
            }
            #expect(pending.currentProducer() == nil)
            #expect(try ray.cancel(pending) == false)
            try ray.store.fulfil(pending, with: 3)
            #expect(try ray.get(pending) == 3)
        }
    }

    @Test("stress: refs dropped on other threads than the ones that made them and ran them; nothing leaks")
    func refsDroppedElsewhere() throws {
        try withRuntime(RuntimeOptions(numCPUs: 2)) { ray in
            let tally = try ray.actor { Tally() }
            let one = try ray.remote { 1 }
            let handOff = DispatchQueue(label: "drop refs")
            let group = DispatchGroup()
            for _ in 0..<50 {
                let batch = Batch()
                batch.refs = try (0..<100).map { _ in try tally.remote(Tally.add, 1) }
                batch.refs += try (0..<100).map { _ in try one.remote() }
                #expect(try ray.get(batch.refs, timeout: 30).count == 200)
                let calls = Calls(batch.refs)
                handOff.async(group: group) { batch.refs = [] }  // the last references go there
                group.wait()
                // A runner may still hold the last call it ran.
                #expect(waitUntil { calls.allGone })
            }
            #expect(try ray.get(try tally.remote(Tally.read), timeout: 30) == 5_000)
            #expect(waitUntil { ray.objectCount == 0 })
        }
    }
}

/// Refs handed to another thread to drop.
private final class Batch: @unchecked Sendable { var refs: [ObjectRef<Int>] = [] }

/// Weak references to calls, to see them go.
private struct Calls {
    private final class Weak { weak var call: AnyObjectRef?; init(_ call: AnyObjectRef) { self.call = call } }
    private let all: [Weak]
    init(_ calls: [AnyObjectRef]) { all = calls.map(Weak.init) }
    var allGone: Bool { all.allSatisfy { $0.call == nil } }
}
