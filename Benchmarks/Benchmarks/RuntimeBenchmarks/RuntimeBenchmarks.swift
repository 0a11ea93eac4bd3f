import Benchmark
import Foundation
import SwiftRay

// Runtime benchmarks (issue: tasks, ObjectRefs and the object store). The Ray-comparable lines
// are `swiftray microbenchmark`; these add allocation counts per operation (regressions show as
// malloc counts, which are not noisy), the memory of long task streams, and put/get of a large
// array against memcpy in the same run.

let nsPerOperation = BenchmarkMetric.custom("ns per operation", polarity: .prefersSmaller, useScalingFactor: false)
let megabytesPerSecond = BenchmarkMetric.custom("MB/s", polarity: .prefersLarger, useScalingFactor: false)
let liveObjects = BenchmarkMetric.custom("objects left", polarity: .prefersSmaller, useScalingFactor: false)

@inline(__always)
func now() -> Int {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return time.tv_sec * 1_000_000_000 + time.tv_nsec
}

func makeRuntime(recordTaskEvents: Bool = true) -> RayRuntime {
    do {
        var options = RuntimeOptions()
        options.recordTaskEvents = recordTaskEvents
        return try RayRuntime(options)
    } catch {
        fatalError("benchmark set-up: \(error)")
    }
}

let benchmarks: @Sendable () -> Void = {
    let ray = makeRuntime()
    let operations = 100_000

    Benchmark(
        "put of a small value (ref dropped)",
        configuration: .init(metrics: [.wallClock, .mallocCountTotal, nsPerOperation], maxDuration: .seconds(3), maxIterations: 20)
    ) { benchmark in
        let start = now()
        for index in 0..<operations { blackHole(try ray.put(index)) }
        benchmark.measurement(nsPerOperation, (now() - start) / operations)
    }

    Benchmark(
        "get of a ready value",
        configuration: .init(metrics: [.wallClock, .mallocCountTotal, nsPerOperation], maxDuration: .seconds(3), maxIterations: 20)
    ) { benchmark in
        let ref = try ray.put(42)
        let start = now()
        for _ in 0..<operations { blackHole(try ray.get(ref)) }
        benchmark.measurement(nsPerOperation, (now() - start) / operations)
    }

    Benchmark(
        "tasks: 1000 submitted, run and got (per task)",
        configuration: .init(metrics: [.wallClock, .mallocCountTotal, nsPerOperation], maxDuration: .seconds(3), maxIterations: 200)
    ) { benchmark in
        let smallValue = try ray.remote { "ok" }
        let start = now()
        blackHole(try ray.get(try (0..<1000).map { _ in try smallValue.remote() }))
        benchmark.measurement(nsPerOperation, (now() - start) / 1000)
    }

    // The price of the state API and timeline: the same loop on a runtime that records no task
    // events (Ray's `enable_task_events=False` everywhere).
    let quiet = makeRuntime(recordTaskEvents: false)
    Benchmark(
        "tasks: 1000 submitted, run and got, task events off (per task)",
        configuration: .init(metrics: [.wallClock, .mallocCountTotal, nsPerOperation], maxDuration: .seconds(3), maxIterations: 200)
    ) { benchmark in
        let smallValue = try quiet.remote { "ok" }
        let start = now()
        blackHole(try quiet.get(try (0..<1000).map { _ in try smallValue.remote() }))
        benchmark.measurement(nsPerOperation, (now() - start) / 1000)
    }

    final class Echo: Sendable { func ok() -> String { "ok" } }
    Benchmark(
        "actor calls: 1000 submitted to one actor and got (per call)",
        configuration: .init(metrics: [.wallClock, .mallocCountTotal, nsPerOperation], maxDuration: .seconds(3), maxIterations: 200)
    ) { benchmark in
        let actor = try ray.actor(ActorOptions(numCPUs: 0)) { Echo() }
        let start = now()
        blackHole(try ray.get(try (0..<1000).map { _ in try actor.remote(Echo.ok) }))
        benchmark.measurement(nsPerOperation, (now() - start) / 1000)
    }

    // Issue (actors): an exclusive-core actor's sync round trip (submit one call, get its result,
    // back to back) under 10 µs median. Each iteration makes a fresh actor, warms it up, times
    // 2,000 round trips one by one and reports their median; beside it in the same run a plain
    // actor (numCPUs 0, Ray's benchmark actor) and a DispatchQueue hop with a semaphore.
    let roundTrips = 2_000
    let medianRoundTrip = BenchmarkMetric.custom("median round trip (ns)", polarity: .prefersSmaller, useScalingFactor: false)
    func medianOfRoundTrips(_ roundTrip: () throws -> Void) rethrows -> Int {
        for _ in 0..<200 { try roundTrip() }
        var samples: [Int] = []
        samples.reserveCapacity(roundTrips)
        for _ in 0..<roundTrips {
            let start = now()
            try roundTrip()
            samples.append(now() - start)
        }
        samples.sort()
        return samples[samples.count / 2]
    }
    for (label, options) in [
        ("exclusive-core actor (1 core)", ActorOptions.exclusive(cores: 1)),
        ("plain actor (numCPUs 0)", ActorOptions(numCPUs: 0)),
    ] {
        Benchmark(
            "actor sync round trip: \(label)",
            configuration: .init(metrics: [.wallClock, medianRoundTrip], maxDuration: .seconds(5), maxIterations: 20)
        ) { benchmark in
            let actor = try ray.actor(options) { Echo() }
            benchmark.measurement(medianRoundTrip, try medianOfRoundTrips { blackHole(try ray.get(try actor.remote(Echo.ok))) })
            ray.kill(actor)
        }
    }
    Benchmark(
        "actor sync round trip: peer, DispatchQueue.async + DispatchSemaphore",
        configuration: .init(metrics: [.wallClock, medianRoundTrip], maxDuration: .seconds(5), maxIterations: 20)
    ) { benchmark in
        let queue = DispatchQueue(label: "peer")
        let done = DispatchSemaphore(value: 0)
        benchmark.measurement(medianRoundTrip, medianOfRoundTrips {
            queue.async { done.signal() }
            done.wait()
        })
    }

    Benchmark(
        "tasks: 10M in batches of 10k, dropped (peak RSS, objects left)",
        configuration: .init(metrics: [.wallClock, .peakMemoryResident, liveObjects, nsPerOperation], maxDuration: .seconds(120), maxIterations: 1)
    ) { benchmark in
        let smallValue = try ray.remote { "ok" }
        let start = now()
        for _ in 0..<1000 {
            let refs = try (0..<10_000).map { _ in try smallValue.remote() }
            _ = try ray.wait(refs, numReturns: refs.count)
        }
        benchmark.measurement(nsPerOperation, (now() - start) / 10_000_000)
        var left = ray.objectCount
        for _ in 0..<1000 where left > 0 {
            usleep(1000)
            left = ray.objectCount
        }
        benchmark.measurement(liveObjects, left)
    }

    // Ray's `single client put gigabytes` moves 800 MB into plasma; here a put keeps the array's
    // buffer (copy on write), so it is measured beside a memcpy of the same bytes.
    let bytes = 800 * 1024 * 1024
    Benchmark(
        "put of an 800 MB array vs memcpy of it",
        configuration: .init(metrics: [.wallClock, megabytesPerSecond], maxDuration: .seconds(10), maxIterations: 5)
    ) { benchmark in
        let array = [UInt8](repeating: 1, count: bytes)
        let start = now()
        let ref = try ray.put(array)
        let elapsed = max(1, now() - start)
        benchmark.measurement(megabytesPerSecond, Int(Double(bytes) * 1000 / Double(elapsed)))
        let got = try ray.get(ref)
        precondition(got.withUnsafeBufferPointer { $0.baseAddress } == array.withUnsafeBufferPointer { $0.baseAddress })
    }
    Benchmark(
        "memcpy of 800 MB (reference for the put above)",
        configuration: .init(metrics: [.wallClock, megabytesPerSecond], maxDuration: .seconds(10), maxIterations: 5)
    ) { benchmark in
        let source = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        let target = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        defer {
            source.deallocate()
            target.deallocate()
        }
        memset(source, 1, bytes)
        memset(target, 0, bytes)
        let start = now()
        memcpy(target, source, bytes)
        let elapsed = max(1, now() - start)
        benchmark.measurement(megabytesPerSecond, Int(Double(bytes) * 1000 / Double(elapsed)))
    }
}
