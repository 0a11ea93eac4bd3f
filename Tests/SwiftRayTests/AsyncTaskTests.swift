import Foundation
import RayScheduling
import RayTopology
import Synchronization
import Testing

@testable import SwiftRay

/// A runtime for one async test, shut down when the test is done with it.
func withAsyncRuntime<R>(
    _ options: RuntimeOptions = RuntimeOptions(), _ body: (RayRuntime) async throws -> R
) async throws -> R {
    var options = options
    if options.topology == nil { options.topology = try Topology.load(.machine) }
    let ray = try RayRuntime(options)
    defer { ray.shutdown() }
    return try await body(ray)
}


/// An error a test body throws on purpose. A plain value; thread-safe.
struct FailedAttempt: Error, Equatable {
    let attempt: Int
}

@Suite("Async remote functions")
struct AsyncTaskTests {
    @Test("an async task's result; values and refs as arguments; it runs on its leased domain's workers")
    func asyncResult() throws {
        try withRuntime { ray in
            let double = try ray.remote { (x: Int) async throws -> Int in
                await Task.yield()
                return x * 2
            }
            #expect(try ray.get(try double.remote(21), timeout: 30) == 42)
            #expect(try ray.get(try double.remote(try ray.put(5)), timeout: 30) == 10)
            let add = try ray.remote { (a: Int, b: Int, c: Int) async throws -> Int in a + b + c }
            #expect(try ray.get(try add.remote(1, try ray.put(2), 3), timeout: 30) == 6)
            let whereAmI = try ray.remote { () async throws -> [Int?] in
                let before = ray.executor.currentDomain
                try await Task.sleep(for: .milliseconds(1))
                return [before, ray.executor.currentDomain]
            }
            #expect(try ray.get(try whereAmI.remote(), timeout: 30) == [0, 0])
        }
    }

    @Test("sync closures still define sync functions; a closure with await defines an async one")
    func overloadResolution() throws {
        try withRuntime { ray in
            let sync: RemoteFunction<Int, Int> = try ray.remote { (x: Int) in x + 1 }
            let inferred = try ray.remote { (x: Int) in try await ray.put(x).value + 1 }
            let typed: AsyncRemoteFunction<Int, Int> = inferred
            #expect(try ray.get(try sync.remote(1), timeout: 30) == 2)
            #expect(try ray.get(try typed.remote(1), timeout: 30) == 2)
        }
    }

    @Test("an async task awaits another task's ref and waits on refs")
    func awaitsAnotherTask() throws {
        try withRuntime { ray in
            let square = try ray.remote { (x: Int) in x * x }
            let sumOfSquares = try ray.remote(TaskOptions(numCPUs: 0.5)) { (n: Int) async throws -> Int in
                let refs = try (1...n).map { try square.remote($0) }
                let (ready, _) = try await ray.wait(refs, numReturns: n, timeout: 30)
                var total = 0
                for ref in ready { total += try await ref.value }
                return total
            }
            #expect(try ray.get(try sumOfSquares.remote(4), timeout: 30) == 30)
        }
    }

    @Test("cancelling a running async task cancels its Swift Task; get throws TaskCancelled")
    func cancelRunning() throws {
        try withRuntime { ray in
            let started = Locked<Bool>(false)
            let sawCancellation = Locked<Bool>(false)
            let sleeper = try ray.remote { () async throws -> Int in
                started.withLock { $0 = true }
                do {
                    try await Task.sleep(for: .seconds(600))
                } catch is CancellationError {
                    sawCancellation.withLock { $0 = true }
                    throw CancellationError()
                }
                return 1
            }
            let ref = try sleeper.remote()
            #expect(waitUntil { started.withLock { $0 } })
            #expect(try ray.cancel(ref))
            #expect(throws: TaskCancelled.self) { try ray.get(ref, timeout: 30) }
            #expect(sawCancellation.withLock { $0 })
            #expect(try ray.cancel(ref) == false)
        }
    }

    @Test("retries: allowed errors run the body again; others fail with RayTaskError")
    func retries() throws {
        try withRuntime { ray in
            let attempts = Locked<Int>(0)
            let options = TaskOptions(maxRetries: 3, retryExceptions: .always)
            let flaky = try ray.remote(options) { () async throws -> Int in
                let attempt = attempts.withLock { $0 += 1; return $0 }
                await Task.yield()
                if attempt < 3 { throw FailedAttempt(attempt: attempt) }
                return attempt
            }
            #expect(try ray.get(try flaky.remote(), timeout: 30) == 3)

            let never = try ray.remote(TaskOptions(name: "never")) { () async throws -> Int in
                throw FailedAttempt(attempt: 0)
            }
            do {
                _ = try ray.get(try never.remote(), timeout: 30)
                Issue.record("expected a RayTaskError")
            } catch let error as RayTaskError {
                #expect(error.cause(as: FailedAttempt.self) == FailedAttempt(attempt: 0))
                #expect(error.taskName == "never")
            }
        }
    }

    @Test("many async tasks suspended at once on few workers all finish")
    func manySuspended() async throws {
        try await withAsyncRuntime { ray in
            let gate = try ray.remote { () in 7 }
            let gateRef = try gate.remote()
            let waiter = try ray.remote(TaskOptions(numCPUs: 0.01)) { (i: Int, gate: ObjectRef<Int>) async throws -> Int in
                try await gate.value + i
            }
            let refs = try (0..<50).map { try waiter.remote($0, gateRef) }
            var total = 0
            for ref in refs { total += try await ref.value }
            #expect(total == (0..<50).reduce(0, +) + 50 * 7)
        }
    }
}

@Suite("Runtime context inside async bodies")
struct AsyncContextTests {
    final class Probe {
        func context(_ ray: RayRuntime) async -> RuntimeContext {
            await Swift.Task.yield()
            return ray.runtimeContext
        }
    }

    @Test("an async task and an async actor call see their own task, actor and node after suspending")
    func context() throws {
        try withRuntime { ray in
            let f = try ray.remote(TaskOptions(name: "async-ctx")) { () async -> RuntimeContext in
                await Swift.Task.yield()
                return ray.runtimeContext
            }
            let context = try ray.get(try f.remote(), timeout: 30)
            #expect(context.taskName == "async-ctx")
            #expect(context.nodeID == 0)
            #expect(context.taskID != nil)

            let probe = try ray.actor(ActorOptions(isAsync: true)) { Probe() }
            let inActor = try ray.get(try probe.remote { await $0.context(ray) }, timeout: 30)
            #expect(inActor.actorID == probe.id)
            #expect(inActor.nodeID == 0)

            let ending = try ray.actor(ActorOptions(isAsync: true)) { Probe() }
            let ended = try ray.get(try ending.remote { _ async in ray.exitActor() }, timeout: 30)
            #expect(ended)
            #expect(waitUntil { ending.isDead })
        }
    }
}
