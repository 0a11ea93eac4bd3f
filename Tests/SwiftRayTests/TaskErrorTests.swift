import Dispatch
import Foundation
import Synchronization
import Testing

@testable import SwiftRay

/// An application error of a test task. A plain value; thread-safe.
enum Flaky: Error, Equatable { case attempt(Int) }

@Suite("Tasks: errors, retries, cancellation")
struct TaskErrorTests {
    @Test("a throwing task: get throws RayTaskError with the original, matchable error and the task's name")
    func taskError() throws {
        try withRuntime { ray in
            let fail = try ray.remote(TaskOptions(name: "explode")) { (code: Int) throws -> Int in throw Boom.code(code) }
            let ref = try fail.remote(7)
            do {
                _ = try ray.get(ref)
                Issue.record("get did not throw")
            } catch let error as RayTaskError {
                #expect(error.cause(as: Boom.self) == .code(7))
                #expect(error.taskName == "explode")
                #expect(error.chain.isEmpty)
            }
        }
    }

    @Test("a failed dependency fails its dependents with the cause, through the chain of tasks")
    func dependencyChain() throws {
        try withRuntime { ray in
            let fail = try ray.remote(TaskOptions(name: "source")) { () throws -> Int in throw Boom.code(1) }
            let add = try ray.remote(TaskOptions(name: "middle")) { (x: Int) in x + 1 }
            let double = try ray.remote(TaskOptions(name: "sink")) { (x: Int) in x * 2 }
            let ref = try double.remote(try add.remote(try fail.remote()))
            do {
                _ = try ray.get(ref)
                Issue.record("get did not throw")
            } catch let error as RayTaskError {
                #expect(error.cause(as: Boom.self) == .code(1))
                #expect(error.taskName == "source")
                #expect(error.chain == ["middle", "sink"])
            }
            // A task that gets a failed ref and rethrows adds itself too.
            let rethrow = try ray.remote(TaskOptions(name: "reader")) { () throws -> Int in try ray.get(try fail.remote()) }
            #expect(throws: RayTaskError.self) { try ray.get(try rethrow.remote()) }
            do { _ = try ray.get(try rethrow.remote()) } catch let error as RayTaskError { #expect(error.chain == ["reader"]) }
        }
    }

    @Test("retries: application errors retried only as retryExceptions says, up to maxRetries; attempts counted")
    func retries() throws {
        try withRuntime { ray in
            let attempts = Atomic<Int>(0)
            let flaky = try ray.remote(TaskOptions(maxRetries: 3, retryExceptions: .always)) { () throws -> Int in
                let attempt = attempts.add(1, ordering: .sequentiallyConsistent).newValue
                if attempt < 3 { throw Flaky.attempt(attempt) }
                return ray.runtimeContext.attempt
            }
            #expect(try ray.get(try flaky.remote()) == 3)
            #expect(attempts.load(ordering: .sequentiallyConsistent) == 3)

            attempts.store(0, ordering: .sequentiallyConsistent)
            let noRetry = try flaky.options(TaskOptions(maxRetries: 3))
            #expect(throws: RayTaskError.self) { try ray.get(try noRetry.remote()) }
            #expect(attempts.load(ordering: .sequentiallyConsistent) == 1)

            attempts.store(0, ordering: .sequentiallyConsistent)
            let onlyBoom = try flaky.options(TaskOptions(maxRetries: 5, retryExceptions: .only([Boom.self])))
            #expect(throws: RayTaskError.self) { try ray.get(try onlyBoom.remote()) }
            #expect(attempts.load(ordering: .sequentiallyConsistent) == 1)

            attempts.store(0, ordering: .sequentiallyConsistent)
            let onlyFlaky = try flaky.options(TaskOptions(maxRetries: 1, retryExceptions: .only([Flaky.self])))
            do {
                _ = try ray.get(try onlyFlaky.remote())
                Issue.record("two attempts cannot succeed")
            } catch let error as RayTaskError {
                #expect(error.cause(as: Flaky.self) == .attempt(2))
            }
            #expect(attempts.load(ordering: .sequentiallyConsistent) == 2)
        }
    }

    @Test("cancel before a task runs: dropped, get throws TaskCancelled at once, never runs")
    func cancelPending() throws {
        try withRuntime(RuntimeOptions(numCPUs: 1)) { ray in
            let gate = DispatchSemaphore(value: 0)
            let ran = Atomic<Int>(0)
            let blocker = try ray.remote { () -> Int in
                gate.wait()
                return 0
            }
            let victim = try ray.remote { () -> Int in
                ran.add(1, ordering: .sequentiallyConsistent)
                return 1
            }
            let busy = try blocker.remote()  // holds the only CPU
            let ref = try victim.remote()
            #expect(try ray.cancel(ref))
            #expect(throws: TaskCancelled.self) { try ray.get(ref, timeout: 10) }
            gate.signal()
            #expect(try ray.get(busy, timeout: 10) == 0)
            // Later tasks of the class still run; the cancelled one never did.
            #expect(try ray.get(try victim.remote(), timeout: 10) == 1)
            #expect(ran.load(ordering: .sequentiallyConsistent) == 1)
            #expect(try ray.cancel(ref) == false)
        }
    }

    @Test("cancel while a task runs: flagged; the task sees it and its refs fail with TaskCancelled")
    func cancelRunning() throws {
        try withRuntime { ray in
            let started = DispatchSemaphore(value: 0)
            let loop = try ray.remote { () throws -> Int in
                started.signal()
                var spins = 0
                while !ray.isCancelled {
                    spins += 1
                    usleep(100)
                }
                try ray.checkCancellation()
                return spins
            }
            let ref = try loop.remote()
            #expect(started.wait(timeout: .now() + 30) == .success)
            #expect(try ray.cancel(ref))
            #expect(throws: TaskCancelled.self) { try ray.get(ref, timeout: 30) }
        }
    }

    @Test("cancel of a finished task does nothing: get returns the value")
    func cancelFinished() throws {
        try withRuntime { ray in
            let f = try ray.remote { 5 }
            let ref = try f.remote()
            #expect(try ray.get(ref) == 5)
            #expect(try ray.cancel(ref) == false)
            #expect(try ray.get(ref) == 5)
        }
    }

    @Test("bad input: invalid quantities, numReturns, timeouts, foreign refs, calls after shutdown")
    func badInput() throws {
        let other = try RayRuntime(RuntimeOptions(topology: try Topology.load(.machine)))
        let foreign = try other.put(1)
        try withRuntime(RuntimeOptions(objectStoreMemory: 1 << 20)) { ray in
            #expect(throws: RuntimeError.self) { try ray.remote(TaskOptions(numCPUs: -1)) { 0 } }
            #expect(throws: RuntimeError.self) { try ray.remote(TaskOptions(numGPUs: 1.5)) { 0 } }
            #expect(throws: RuntimeError.self) { try ray.remote(TaskOptions(numCPUs: .nan)) { 0 } }
            #expect(throws: RuntimeError.self) { try ray.remote(TaskOptions(numCPUs: 0.00001)) { 0 } }
            #expect(throws: RuntimeError.self) { try ray.remote(TaskOptions(resources: ["CPU": 1])) { 0 } }
            #expect(throws: RuntimeError.self) { try ray.remote(TaskOptions(maxRetries: -2)) { 0 } }
            #expect(throws: RuntimeError.self) { try ray.remote(numReturns: -1) { () -> [Int] in [] } }
            let ref = try ray.put(3)
            #expect(throws: ObjectStoreError.self) { try ray.get(ref, timeout: -1) }
            #expect(throws: ObjectStoreError.self) { try ray.get(ref, timeout: .nan) }
            #expect(throws: ObjectStoreError.self) { try ray.get(foreign) }
            #expect(throws: ObjectStoreError.self) { try ray.wait([ref], numReturns: 2) }
            #expect(throws: ObjectStoreError.self) { try ray.wait([ref, ref]) }
            do {
                _ = try ray.put([UInt8](repeating: 0, count: ray.objectStoreCapacity + 1))
                Issue.record("a put larger than the store fitted")
            } catch ObjectStoreError.objectLargerThanStore(let size, let capacity) {
                #expect(size == capacity + 1)
            }
            // Still working after all that.
            let f = try ray.remote { (x: Int) in x + 1 }
            #expect(try ray.get(try f.remote(ref)) == 4)
        }
        other.shutdown()
        #expect(throws: ObjectStoreError.self) { try other.get(foreign) }
        #expect(throws: (any Error).self) { try other.put(1) }
        #expect(throws: RuntimeError.self) { try other.remote { 0 } }
    }

    @Test("hard affinity to a node that does not exist fails the task as unschedulable, naming it")
    func unschedulable() throws {
        try withRuntime { ray in
            let strategy = SchedulingStrategy.nodeAffinity(NodeAffinitySchedulingStrategy(nodeID: 42, soft: false))
            let f = try ray.remote(TaskOptions(schedulingStrategy: strategy)) { 1 }
            do {
                _ = try ray.get(try f.remote(), timeout: 10)
                Issue.record("an unschedulable task ran")
            } catch let error as TaskUnschedulable {
                #expect("\(error)".contains("42"))
            }
            let soft = try f.options(TaskOptions(
                schedulingStrategy: .nodeAffinity(NodeAffinitySchedulingStrategy(nodeID: 42, soft: true))))
            #expect(try ray.get(try soft.remote(), timeout: 10) == 1)
        }
    }
}
