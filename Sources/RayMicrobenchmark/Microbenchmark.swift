import SwiftRay

/// One line of `ray microbenchmark`: its name, its multiplier (operations per call of the loop
/// body), and how to set it up on a runtime. `prepare` runs once before timing and returns the
/// loop body. Immutable; thread-safe.
public struct Microbenchmark: Sendable {
    /// Ray's name for the line.
    public let name: String
    /// Operations per call of the body (Ray's `multiplier`).
    public let multiplier: Double
    /// What the line measures here when it differs from Ray's loop (printed with `--verbose`).
    public let note: String?
    /// Sets the benchmark up and returns its loop body.
    let prepare: @Sendable (RayRuntime) throws -> () throws -> Void

    init(
        _ name: String, multiplier: Double = 1, note: String? = nil,
        prepare: @escaping @Sendable (RayRuntime) throws -> () throws -> Void
    ) {
        self.name = name
        self.multiplier = multiplier
        self.note = note
        self.prepare = prepare
    }
}

/// The benchmarks of `ray microbenchmark` that apply in one process, in Ray's order, and a runner
/// that times them on one runtime as Ray does (all lines on one `ray.init`). Thread-safe.
public enum MicrobenchmarkSuite {
    /// Every line, in Ray's order.
    public static var all: [Microbenchmark] {
        ObjectAndTaskBenchmarks.all + ActorBenchmarks.all + AsyncActorBenchmarks.all + PlacementGroupBenchmarks.all
    }

    /// The lines whose name contains `pattern` (all when nil or empty), as Ray's `TESTS_TO_RUN`.
    public static func matching(_ pattern: String?) -> [Microbenchmark] {
        guard let pattern, !pattern.isEmpty else { return all }
        return all.filter { $0.name.contains(pattern) }
    }

    /// The runtime the suite runs on: the machine, plus Ray's `custom` resource of the
    /// placement-group line.
    public static var defaultOptions: RuntimeOptions { RuntimeOptions(resources: ["custom": 100]) }

    /// Times `benchmarks` with `plan` on a runtime made with `options`, reporting each result as
    /// it is measured; with `probeHost`, each after a 20 ms ``HostProbe`` taken just before it.
    public static func run(
        _ benchmarks: [Microbenchmark], plan: TimingPlan, options: RuntimeOptions = defaultOptions,
        probeHost: Bool = false,
        report: (MicrobenchmarkResult) -> Void
    ) throws -> [MicrobenchmarkResult] {
        let ray = try RayRuntime(options)
        defer { ray.shutdown() }
        var results: [MicrobenchmarkResult] = []
        let probe = probeHost ? HostProbe() : nil
        for benchmark in benchmarks {
            let body = try benchmark.prepare(ray)
            let hostRoundTrip = probe?.coreToCoreRoundTrip()
            var result = try timeit(benchmark.name, plan: plan, multiplier: benchmark.multiplier, body)
            result.hostRoundTripNanoseconds = hostRoundTrip
            report(result)
            results.append(result)
        }
        return results
    }
}
