import Foundation
import RayScheduling
import RayTopology
import Synchronization
import Testing

@testable import SwiftRay

@Suite("Streaming generators")
struct GeneratorTests {
    @Test("the first value is readable while the generator still runs")
    func valuesBeforeTheEnd() throws {
        try withRuntime { ray in
            let gate = DispatchSemaphore(value: 0)
            let gen = try ray.generator { (n: Int, out: GeneratorSink<Int>) throws in
                try out.yield(100)
                gate.wait()
                for i in 1..<n { try out.yield(100 + i) }
            }
            let stream = try gen.remote(3)
            let first = try #require(try stream.next(timeout: 30))
            #expect(try ray.get(first, timeout: 30) == 100)
            #expect(throws: GetTimeout.self) { _ = try stream.next(timeout: 0) }
            gate.signal()
            var rest: [Int] = []
            for ref in stream { rest.append(try ray.get(ref, timeout: 30)) }
            #expect(rest == [101, 102])
            #expect(try stream.next(timeout: 1) == nil)
        }
    }

    @Test("values arrive in yield order; arguments as values or refs")
    func order() throws {
        try withRuntime { ray in
            let gen = try ray.generator { (n: Int, step: Int, out: GeneratorSink<Int>) throws in
                for i in 0..<n { try out.yield(i * step) }
            }
            let values = try gen.remote(try ray.put(200), 3).map { try ray.get($0, timeout: 30) }
            #expect(values == (0..<200).map { $0 * 3 })
            let none = try ray.generator { (_: GeneratorSink<String>) throws in }
            #expect(Array(try none.remote()).isEmpty)
        }
    }

    @Test("a body that throws: the values before it, then one ref failing with RayTaskError, then the end")
    func errorMidStream() throws {
        try withRuntime { ray in
            let gen = try ray.generator(TaskOptions(name: "breaks")) { (out: GeneratorSink<Int>) throws in
                for i in 0..<3 { try out.yield(i) }
                throw FailedAttempt(attempt: 1)
            }
            let refs = Array(try gen.remote())
            #expect(refs.count == 4)
            #expect(try ray.get(Array(refs.prefix(3)), timeout: 30) == [0, 1, 2])
            do {
                _ = try ray.get(refs[3], timeout: 30)
                Issue.record("expected a RayTaskError")
            } catch let error as RayTaskError {
                #expect(error.cause(as: FailedAttempt.self) == FailedAttempt(attempt: 1))
                #expect(error.taskName == "breaks")
            }
        }
    }

    @Test("retries run the body again and skip what the stream has")
    func retries() throws {
        try withRuntime { ray in
            let attempts = Locked<Int>(0)
            let gen = try ray.generator(TaskOptions(maxRetries: 2, retryExceptions: .always)) { (out: GeneratorSink<Int>) throws in
                let attempt = attempts.withLock { $0 += 1; return $0 }
                for i in 0..<6 {
                    if attempt == 1 && i == 3 { throw FailedAttempt(attempt: attempt) }
                    try out.yield(i)
                }
            }
            let values = try gen.remote().map { try ray.get($0, timeout: 30) }
            #expect(values == Array(0..<6))
            #expect(attempts.withLock { $0 } == 2)
        }
    }

    @Test("back-pressure 2: the generator never runs more than 2 objects ahead of its consumer")
    func backpressure() throws {
        try withRuntime { ray in
            let yielded = Locked<Int>(0)
            let overrun = Locked<Bool>(false)
            let gen = try ray.generator(backpressureNumObjects: 2) { (n: Int, out: GeneratorSink<Int>) throws in
                for i in 0..<n {
                    try out.yield(i)
                    yielded.withLock { $0 += 1 }
                    if out.unconsumed > 2 { overrun.withLock { $0 = true } }
                }
            }
            let stream = try gen.remote(20)
            // It gets 2 ahead, and stops there while nothing is taken.
            #expect(waitUntil { yielded.withLock { $0 } == 2 })
            #expect(stream.unconsumed == 2)
            var taken = 0
            var values: [Int] = []
            while let ref = try stream.next(timeout: 30) {
                taken += 1
                #expect(yielded.withLock { $0 } <= taken + 2)
                values.append(try ray.get(ref, timeout: 30))
            }
            #expect(values == Array(0..<20))
            #expect(!overrun.withLock { $0 })
            #expect(throws: RuntimeError.self) { _ = try ray.generator(backpressureNumObjects: 0) { (_: GeneratorSink<Int>) in } }
        }
    }

    @Test("cancel mid-stream: the generator stops at its next yield and the stream ends with TaskCancelled")
    func cancelMidStream() throws {
        try withRuntime { ray in
            let stopped = Locked<Bool>(false)
            let gen = try ray.generator(backpressureNumObjects: 4) { (out: GeneratorSink<Int>) throws in
                var i = 0
                do {
                    while true {
                        try out.yield(i)
                        i += 1
                    }
                } catch is TaskCancelled {
                    stopped.withLock { $0 = true }
                    throw TaskCancelled(taskID: TaskID(0), taskName: "")
                }
            }
            let stream = try gen.remote()
            for expected in 0..<3 {
                let ref = try #require(try stream.next(timeout: 30))
                #expect(try ray.get(ref, timeout: 30) == expected)
            }
            #expect(try ray.cancel(stream))
            var values: [Int] = []
            var cancelledAtEnd = false
            for ref in stream {
                do {
                    values.append(try ray.get(ref, timeout: 30))
                } catch is TaskCancelled {
                    cancelledAtEnd = true
                }
            }
            #expect(cancelledAtEnd)
            #expect(values == Array(3..<(3 + values.count)))
            #expect(waitUntil { stopped.withLock { $0 } })
            #expect(stream.cancel() == false)
        }
    }

    @Test("cancel of a generator busy between yields ends the stream at once")
    func cancelBetweenYields() throws {
        try withRuntime { ray in
            let gen = try ray.generator { (out: GeneratorSink<Int>) throws in
                try out.yield(1)
                while !out.isCancelled { usleep(100) }
            }
            let stream = try gen.remote()
            let first = try #require(try stream.next(timeout: 30))
            #expect(try ray.get(first, timeout: 30) == 1)
            stream.cancel()
            let last = try #require(try stream.next(timeout: 30))
            #expect(throws: TaskCancelled.self) { try ray.get(last, timeout: 30) }
            #expect(try stream.next(timeout: 30) == nil)
        }
    }

    @Test("dropping a half-read stream releases its objects: the store's count returns to 0")
    func noLeaks() throws {
        try withRuntime { ray in
            let finished = Locked<Bool>(false)
            let gen = try ray.generator { (n: Int, out: GeneratorSink<[Int]>) throws in
                defer { finished.withLock { $0 = true } }
                for i in 0..<n { try out.yield(Array(repeating: i, count: 100)) }
            }
            let paced = try gen.backpressure(numObjects: 3)
            do {
                // Paused by back-pressure when dropped: the generator is cancelled.
                let stream = try paced.remote(try ray.put(50))
                for _ in 0..<2 { _ = try ray.get(try #require(try stream.next(timeout: 30)), timeout: 30) }
            }
            #expect(waitUntil { finished.withLock { $0 } && ray.objectCount == 0 })
            finished.withLock { $0 = false }
            do {
                // Finished when dropped: its unread refs go.
                let stream = try gen.remote(10)
                _ = try #require(try stream.next(timeout: 30))
                #expect(waitUntil { finished.withLock { $0 } })
            }
            #expect(waitUntil { ray.objectCount == 0 })
        }
    }

    @Test("async iteration: for try await over the stream")
    func asyncIteration() async throws {
        try await withAsyncRuntime { ray in
            let gen = try ray.generator(backpressureNumObjects: 1) { (n: Int, out: GeneratorSink<String>) throws in
                for i in 0..<n { try out.yield("v\(i)") }
            }
            var values: [String] = []
            for try await ref in try gen.remote(10) { values.append(try await ref.value) }
            #expect(values == (0..<10).map { "v\($0)" })
        }
    }

    @Test("a task consumes a stream: its blocked waits give its CPU back, so the generator can run")
    func consumedInsideATask() throws {
        try withRuntime(RuntimeOptions(numCPUs: 1)) { ray in
            let gen = try ray.generator(backpressureNumObjects: 2) { (n: Int, out: GeneratorSink<Int>) throws in
                for i in 0..<n { try out.yield(i) }
            }
            let sum = try ray.remote { (n: Int) throws -> Int in
                var total = 0
                for ref in try gen.remote(n) { total += try ray.get(ref) }
                return total
            }
            #expect(try ray.get(try sum.remote(30), timeout: 60) == (0..<30).reduce(0, +))
        }
    }
}
