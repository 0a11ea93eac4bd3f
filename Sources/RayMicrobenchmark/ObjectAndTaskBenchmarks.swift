import SwiftRay

/// The object store and task lines of `ray microbenchmark` (`python/ray/_private/ray_perf.py`),
/// with the same loop bodies and multipliers. The callee returns a tiny value (`"ok"`, as Ray's
/// `b"ok"`). Thread-safe (values only).
enum ObjectAndTaskBenchmarks {
    static var all: [Microbenchmark] {
        [
            Microbenchmark("single client get calls (Plasma Store)") { ray in
                let value = try ray.put(0)
                return { _ = try ray.get(value) }
            },
            Microbenchmark("single client put calls (Plasma Store)") { ray in
                { _ = try ray.put(0) }
            },
            Microbenchmark("multi client put calls (Plasma Store)", multiplier: 1000) { ray in
                let doPutSmall = try ray.remote { () throws -> Int in
                    for _ in 0..<100 { _ = try ray.put(0) }
                    return 0
                }
                return { _ = try ray.get(try (0..<10).map { _ in try doPutSmall.remote() }) }
            },
            Microbenchmark(
                "single client put gigabytes", multiplier: 8 * 0.1,
                note: "put of an 800 MB [Int64]: the store keeps the array's buffer (copy on write), no copy"
            ) { ray in
                let array = [Int64](repeating: 0, count: 100 * 1024 * 1024)
                return { _ = try ray.put(array) }
            },
            Microbenchmark("single client tasks and get batch") { ray in
                let smallValue = try ray.remote { "ok" }
                return { _ = try ray.get(try (0..<1000).map { _ in try smallValue.remote() }) }
            },
            Microbenchmark(
                "multi client put gigabytes", multiplier: 10 * 8 * 0.1,
                note: "10 tasks each make and put ten 80 MB [Int64] arrays (np.zeros in Ray)"
            ) { ray in
                let doPut = try ray.remote { () throws -> Int in
                    for _ in 0..<10 { _ = try ray.put([Int64](repeating: 0, count: 10 * 1024 * 1024)) }
                    return 0
                }
                return { _ = try ray.get(try (0..<10).map { _ in try doPut.remote() }) }
            },
            Microbenchmark("single client get object containing 10k refs") { ray in
                let create = try ray.remote { () throws -> [ObjectRef<Int>] in
                    try (0..<10_000).map { _ in try ray.put(1) }
                }
                let containing = try create.remote()
                return { _ = try ray.get(containing) }
            },
            Microbenchmark("single client wait 1k refs") { ray in
                let smallValue = try ray.remote { "ok" }
                return {
                    var notReady = try (0..<1000).map { _ in try smallValue.remote() }
                    for _ in 0..<1000 { notReady = try ray.wait(notReady).notReady }
                }
            },
            Microbenchmark("single client tasks sync") { ray in
                let smallValue = try ray.remote { "ok" }
                return { _ = try ray.get(try smallValue.remote()) }
            },
            Microbenchmark("single client tasks async", multiplier: 1000) { ray in
                let smallValue = try ray.remote { "ok" }
                return { _ = try ray.get(try (0..<1000).map { _ in try smallValue.remote() }) }
            },
            Microbenchmark(
                "multi client tasks async", multiplier: 10_000 * 4,
                note: "4 callers (tasks with num_cpus=0; actors in Ray) each submit 10,000 tasks and get them"
            ) { ray in
                let smallValue = try ray.remote { "ok" }
                let client = try ray.remote(TaskOptions(numCPUs: 0)) { (n: Int) throws -> Int in
                    _ = try ray.get(try (0..<n).map { _ in try smallValue.remote() })
                    return 0
                }
                return { _ = try ray.get(try (0..<4).map { _ in try client.remote(10_000) }) }
            },
        ]
    }
}
