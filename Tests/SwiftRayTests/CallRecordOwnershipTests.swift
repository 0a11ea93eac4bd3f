import Dispatch
import Synchronization
import Testing

@testable import SwiftRay

/// Who frees a call's record (the design note in TaskRecord.swift): a delivered record that
/// holds nothing else alive goes with its ref; any other goes when its call ends.
@Suite("Call records: freed with their ref when they hold nothing else")
struct CallRecordOwnershipTests {
    final class Tally: @unchecked Sendable {
        var total = 0
        func add(_ x: Int) -> Int { total += x; return total }
        func read() -> Int { total }
        func echo(_ text: String) -> String { text }
        func fail() throws -> Int { throw Boom.code(1) }
    }

    /// The record `ref` holds after it completed, weakly, or nil when it holds none.
    private static func keptRecord<Value>(of ref: ObjectRef<Value>) -> TaskRecord? {
        ref.withGate { ref.ownsProducer ? ref.producer?.takeUnretainedValue() : nil }
    }

    @Test("a task without ref arguments and with plain-data arguments is kept by its ref and freed with it")
    func plainTasksGoWithTheirRef() throws {
        // One worker: once a later task has run, the worker has let go of the earlier ones.
        try withRuntime(RuntimeOptions(numCPUs: 1)) { ray in
            let seven = try ray.remote { 7 }
            let double = try ray.remote { (x: Int) in 2 * x }
            for make in [{ try seven.remote() }, { try double.remote(21) }] as [() throws -> ObjectRef<Int>] {
                var ref: ObjectRef<Int>? = try make()
                _ = try ray.get(ref!, timeout: 30)
                _ = try ray.get(try seven.remote(), timeout: 30)
                weak let record = Self.keptRecord(of: ref!)
                #expect(record != nil)
                #expect(record?.state.load(ordering: .acquiring) == .finished)
                // Delivered: no longer its ref's producer for cancel.
                #expect(ref!.currentProducer() == nil)
                #expect(try ray.cancel(ref!) == false)
                ref = nil
                #expect(record == nil)  // freed by this thread, as the ref went
            }
            // The last helper task's ref may be let go by its worker just after the get.
            #expect(waitUntil { ray.objectCount == 0 })
        }
    }

    @Test("a task with a ref argument or an argument that owns memory lets go of its record when it ends")
    func otherTasksGoWhenTheyEnd() throws {
        try withRuntime { ray in
            let count = try ray.remote { (text: String) in text.utf8.count }
            let text = try count.remote(String(repeating: "x", count: 100))
            let byRef = try count.remote(try ray.put("abc"))
            #expect(try ray.get([text, byRef], timeout: 30) == [100, 3])
            #expect(Self.keptRecord(of: text) == nil && text.withGate { text.producer == nil })
            #expect(Self.keptRecord(of: byRef) == nil && byRef.withGate { byRef.producer == nil })
            // The argument object went with its last ref while the result's ref lives on.
            #expect(waitUntil { ray.objectCount == 2 })
        }
    }

    @Test("actor calls: kept by their ref when plain, not when they pass a String or a ref, nor when they fail")
    func actorCalls() throws {
        try withRuntime { ray in
            let tally = try ray.actor { Tally() }
            var plain: ObjectRef<Int>? = try tally.remote(Tally.add, 5)
            let noArguments = try tally.remote(Tally.read)
            let text = try tally.remote(Tally.echo, "hello")
            let byRef = try tally.remote(Tally.add, try ray.put(1))
            let failed = try tally.remote(Tally.fail)
            #expect(try ray.get(plain!, timeout: 30) == 5)
            #expect(try ray.get([noArguments, byRef], timeout: 30) == [5, 6])
            #expect(try ray.get(text, timeout: 30) == "hello")
            #expect(throws: RayTaskError.self) { try ray.get(failed, timeout: 30) }
            // The calls run in order on one runner: it has let go of all but the last.
            weak let record = Self.keptRecord(of: plain!)
            #expect(record is ActorMethodCall<Tally, Int, Int>)
            #expect(Self.keptRecord(of: noArguments) != nil)
            #expect(Self.keptRecord(of: text) == nil)
            #expect(Self.keptRecord(of: byRef) == nil)
            #expect(Self.keptRecord(of: failed) == nil)
            plain = nil
            #expect(record == nil)
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
                let records = Records(batch.refs.compactMap(Self.keptRecord(of:)))
                #expect(records.count == 200)
                handOff.async(group: group) { batch.refs = [] }  // the last references go there
                group.wait()
                // The runner may still hold the record of the last call it ran.
                #expect(waitUntil { records.allGone })
            }
            #expect(try ray.get(try tally.remote(Tally.read), timeout: 30) == 5_000)
            #expect(waitUntil { ray.objectCount == 0 })
        }
    }
}

/// Refs handed to another thread to drop.
private final class Batch: @unchecked Sendable { var refs: [ObjectRef<Int>] = [] }

/// Weak references to records, to see them go.
private struct Records {
    private final class Weak { weak var record: TaskRecord?; init(_ record: TaskRecord) { self.record = record } }
    private let all: [Weak]
    init(_ records: [TaskRecord]) { all = records.map(Weak.init) }
    var count: Int { all.count }
    var allGone: Bool { all.allSatisfy { $0.record == nil } }
}
