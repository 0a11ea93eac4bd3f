import Dispatch
import Foundation
import RayScheduling
import RayTopology
import Synchronization
import Testing

@testable import SwiftRay

/// A runtime for one test, shut down when the test is done with it.
func withRuntime<R>(_ options: RuntimeOptions = RuntimeOptions(), _ body: (RayRuntime) throws -> R) throws -> R {
    var options = options
    if options.topology == nil { options.topology = try Topology.load(.machine) }
    let ray = try RayRuntime(options)
    defer { ray.shutdown() }
    return try body(ray)
}

/// A matrix as the seeds' DAG example uses it. A plain value.
struct Matrix: Sendable, Equatable {
    var size: Int
    var cells: [Double]

    static func filled(_ size: Int, with value: Double) -> Matrix { Matrix(size: size, cells: .init(repeating: value, count: size * size)) }

    func multiplied(by other: Matrix) -> Matrix {
        var result = Matrix.filled(size, with: 0)
        for i in 0..<size {
            for j in 0..<size {
                var sum = 0.0
                for k in 0..<size { sum += cells[i * size + k] * other.cells[k * size + j] }
                result.cells[i * size + j] = sum
            }
        }
        return result
    }
}

@Suite("Tasks: the seeds' examples")
struct TaskSeedTests {
    @Test("square of 0..3: four tasks, refs returned at once, get in order")
    func squares() throws {
        try withRuntime { ray in
            let square = try ray.remote { (x: Int) in x * x }
            let refs = try (0..<4).map { try square.remote($0) }
            #expect(try ray.get(refs) == [0, 1, 4, 9])
        }
    }

    @Test("the matrix DAG: two createMatrix tasks feed a multiply task")
    func matrixDAG() throws {
        try withRuntime { ray in
            let createMatrix = try ray.remote { (size: Int) in Matrix.filled(size, with: 1) }
            let multiply = try ray.remote { (a: Matrix, b: Matrix) in a.multiplied(by: b) }
            let a = try createMatrix.remote(8)
            let b = try createMatrix.remote(8)
            let product = try multiply.remote(a, b)
            #expect(try ray.get(product) == Matrix.filled(8, with: 8))
            // Mixed: a ref and a plain value in one call.
            let mixed = try multiply.remote(a, Matrix.filled(8, with: 2))
            #expect(try ray.get(mixed) == Matrix.filled(8, with: 16))
        }
    }

    @Test("a ref nested inside a value stays a ref; a ref-typed parameter receives the ref")
    func nestedRefs() throws {
        try withRuntime { ray in
            let inner = try ray.put(41)
            let unwrap = try ray.remote { (refs: [ObjectRef<Int>]) in refs.map(\.id) }
            let ids = try ray.get(try unwrap.remote([inner]))
            #expect(ids == [inner.id])
            let readLater = try ray.remote { (ref: ObjectRef<Int>) throws -> Int in try ray.get(ref) + 1 }
            #expect(try ray.get(try readLater.remote(inner)) == 42)
        }
    }

    @Test("tasks that submit tasks and get them: nested 20 deep on the machine's workers, each with its own context after its get")
    func nestedSubmission() throws {
        struct ContextLost: Error {}
        try withRuntime { ray in
            let depth = Locked<RemoteFunction<Int, Int>?>(nil)
            let f = try ray.remote { (level: Int) throws -> Int in
                let mine = ray.runtimeContext.taskID
                if level == 0 { return 0 }
                let again = depth.withLock { $0 }!
                let below = try ray.get(try again.remote(level - 1))
                // A worker blocked in the get ran the tasks below on this thread, their frames
                // stacked on this one's (deeper than the frame stack's first capacity): the
                // innermost frame is this task's again.
                guard mine != nil, ray.runtimeContext.taskID == mine else { throw ContextLost() }
                return below + 1
            }
            depth.withLock { $0 = f }
            #expect(try ray.get(try f.remote(20), timeout: 60) == 20)
            depth.withLock { $0 = nil }
        }
    }

    @Test("long tasks of one function run in parallel on the domain's CPUs, not one after another")
    func parallelLongTasks() throws {
        try withRuntime(RuntimeOptions(numCPUs: 3)) { ray in
            let started = DispatchSemaphore(value: 0)
            let gate = DispatchSemaphore(value: 0)
            let long = try ray.remote { () -> Int in
                started.signal()
                gate.wait()
                return 1
            }
            let refs = try (0..<3).map { _ in try long.remote() }
            for _ in 0..<3 { #expect(started.wait(timeout: .now() + 30) == .success) }
            for _ in 0..<3 { gate.signal() }
            #expect(try ray.get(refs, timeout: 30) == [1, 1, 1])
        }
    }

    @Test("numReturns: several refs, one per returned value; a wrong count fails them all")
    func numReturns() throws {
        try withRuntime { ray in
            let split = try ray.remote(numReturns: 3) { (x: Int) in [x, x + 1, x + 2] }
            let refs = try split.remote(10)
            #expect(refs.count == 3)
            #expect(try ray.get(refs) == [10, 11, 12])
            let wrong = try ray.remote(numReturns: 2) { () -> [Int] in [1, 2, 3] }
            let bad = try wrong.remote()
            #expect(throws: RayTaskError.self) { try ray.get(bad[0]) }
            do {
                _ = try ray.get(bad[1])
            } catch let error as RayTaskError {
                guard case let .numReturnsMismatch(_, declared, returned)? = error.cause(as: RuntimeError.self) else {
                    Issue.record("unexpected cause \(error.cause)")
                    return
                }
                #expect(declared == 2 && returned == 3)
            }
        }
    }

    @Test("runtime context inside a task: task id and name, node, assigned resources")
    func runtimeContext() throws {
        try withRuntime { ray in
            let f = try ray.remote(TaskOptions(numCPUs: 0.5, name: "ctx")) { () -> RuntimeContext in ray.runtimeContext }
            let context = try ray.get(try f.remote())
            #expect(context.taskName == "ctx")
            #expect(context.taskID != nil)
            #expect(context.nodeID == 0)
            #expect(context.assignedResources["CPU"] == (try FixedPoint(0.5, name: "CPU")))
            #expect(ray.runtimeContext.taskID == nil)
        }
    }
}
