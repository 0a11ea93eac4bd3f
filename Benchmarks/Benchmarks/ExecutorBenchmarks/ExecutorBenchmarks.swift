import Benchmark
import Dispatch
import Foundation
import RayTopology
import SwiftRay
import Synchronization

// Executor benchmarks (issue: the work-stealing executor). Each throughput benchmark records
// "ns per job" (wall time / jobs) as a custom metric; latency benchmarks record one sample per
// iteration in nanoseconds. Compare medians (p50) between lines of the same run.

let nsPerJob = BenchmarkMetric.custom("ns per job", polarity: .prefersSmaller, useScalingFactor: false)
let latencyNs = BenchmarkMetric.custom("latency ns", polarity: .prefersSmaller, useScalingFactor: false)
let roundTripNs = BenchmarkMetric.custom("round trip ns", polarity: .prefersSmaller, useScalingFactor: false)
let wakeUpsPerThousand = BenchmarkMetric.custom("wake-ups per 1000 jobs", polarity: .prefersSmaller, useScalingFactor: false)
let crossDomainPermille = BenchmarkMetric.custom("cross-domain steals per mille", polarity: .prefersSmaller, useScalingFactor: false)
let localSteals = BenchmarkMetric.custom("steals inside the domain", polarity: .prefersSmaller, useScalingFactor: false)
let crossDomainSteals = BenchmarkMetric.custom("steals across domains", polarity: .prefersSmaller, useScalingFactor: false)

/// Runs `body` and records its wall time divided by `jobs` (and, given the executor, how many
/// parked workers it had to wake).
func perJob(_ benchmark: Benchmark, jobs: Int, executor: WorkStealingExecutor? = nil, _ body: () -> Void) {
    let wakeUps = executor?.wakeUps ?? 0
    let start = nowNanoseconds()
    body()
    benchmark.measurement(nsPerJob, (nowNanoseconds() - start) / jobs)
    if let executor { benchmark.measurement(wakeUpsPerThousand, (executor.wakeUps - wakeUps) * 1000 / jobs) }
}

func perJob(_ benchmark: Benchmark, jobs: Int, _ body: () async -> Void) async {
    let start = nowNanoseconds()
    await body()
    benchmark.measurement(nsPerJob, (nowNanoseconds() - start) / jobs)
}

func makeExecutor(_ source: TopologySource = .machine, workersPerDomain: Int? = nil) -> WorkStealingExecutor {
    var configuration = WorkStealingExecutor.Configuration()
    configuration.defaultWorkersPerDomain = workersPerDomain
    do {
        return try WorkStealingExecutor(topology: Topology.load(source), configuration: configuration)
    } catch {
        fatalError("benchmark set-up: \(error)")
    }
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal], maxDuration: .seconds(4), maxIterations: 25)
    let custom: (BenchmarkMetric) -> Benchmark.Configuration = { metric in
        .init(metrics: [.wallClock, .mallocCountTotal, metric, wakeUpsPerThousand], maxDuration: .seconds(4), maxIterations: 25)
    }
    let executor = makeExecutor()  // one worker per PU: workers = cores
    let million = 1_000_000

    // MARK: 1M empty jobs from one outside thread, awaited

    Benchmark("fan-out 1M jobs: swift-ray executor", configuration: custom(nsPerJob)) { benchmark in
        perJob(benchmark, jobs: million, executor: executor) { Workloads.executorFanOut(executor, jobs: million) }
    }
    Benchmark("fan-out 1M jobs: DispatchQueue.global().async + DispatchGroup", configuration: custom(nsPerJob)) { benchmark in
        perJob(benchmark, jobs: million) { Workloads.dispatchFanOut(jobs: million) }
    }
    Benchmark("fan-out 100K jobs: withTaskGroup + addTask", configuration: custom(nsPerJob)) { benchmark in
        await perJob(benchmark, jobs: 100_000) { await Workloads.taskGroupFanOut(jobs: 100_000) }
    }

    // MARK: Spawns from inside workers

    Benchmark("spawn 1M jobs inside a worker: swift-ray executor", configuration: custom(nsPerJob)) { benchmark in
        perJob(benchmark, jobs: million, executor: executor) { Workloads.executorSpawnInside(executor, jobs: million) }
    }

    // MARK: Fork-join

    Benchmark("fib(30) serial") { benchmark in
        blackHole(Workloads.fibSerial(30))
    }
    Benchmark("fib(30) join, cut-off 20: swift-ray executor") { benchmark in
        blackHole(try executor.install { Workloads.fibParallel(executor, 30) })
    }
    Benchmark("skynet 1M leaves serial") { benchmark in
        blackHole(Workloads.skynetSerial(number: 0, size: million))
    }
    Benchmark("skynet 1M leaves, every node a job: swift-ray executor") { benchmark in
        blackHole(try executor.install { Workloads.skynet(executor, number: 0, size: million, serialBelow: 1) })
    }
    Benchmark("skynet 1M leaves, serial below 1000: swift-ray executor") { benchmark in
        blackHole(try executor.install { Workloads.skynet(executor, number: 0, size: million, serialBelow: 1000) })
    }

    // MARK: Wake-up and round trip

    Benchmark(
        "round trip: submit one job, wait for it (spinning pool): swift-ray executor",
        configuration: .init(metrics: [roundTripNs, latencyNs], maxDuration: .seconds(3), maxIterations: 20_000)
    ) { benchmark in
        let started = Atomic<Int>(0)
        let submitted = nowNanoseconds()
        _ = try executor.install { started.store(nowNanoseconds(), ordering: .relaxed); return 0 }
        let done = nowNanoseconds()
        benchmark.measurement(roundTripNs, done - submitted)
        benchmark.measurement(latencyNs, started.load(ordering: .relaxed) - submitted)
    }
    Benchmark(
        "wake-up: submit to start, pool parked: swift-ray executor",
        configuration: .init(metrics: [latencyNs], maxDuration: .seconds(5), maxIterations: 300)
    ) { benchmark in
        while !executor.allWorkersParked { usleep(100) }
        let started = Atomic<Int>(0)
        let submitted = nowNanoseconds()
        _ = try executor.install { started.store(nowNanoseconds(), ordering: .relaxed); return 0 }
        benchmark.measurement(latencyNs, started.load(ordering: .relaxed) - submitted)
    }
    let parker = ParkedThread()
    Benchmark(
        "wake-up: signal to run, thread parked on another CPU (DispatchSemaphore): this machine",
        configuration: .init(metrics: [latencyNs], maxDuration: .seconds(5), maxIterations: 300)
    ) { benchmark in
        usleep(2_000)  // let it park
        benchmark.measurement(latencyNs, parker.wake())
    }

    // MARK: A virtual 4-domain machine on the same cores

    let fourDomains = makeExecutor(.synthetic("numa:4 core:2 pu:1"), workersPerDomain: 1)
    Benchmark("fan-out 1M jobs, virtual 4 domains x 1 worker: swift-ray executor", configuration: custom(nsPerJob)) { benchmark in
        perJob(benchmark, jobs: million, executor: fourDomains) { Workloads.executorFanOut(fourDomains, jobs: million) }
    }
    // Each worker needs a CPU of its own for this line to mean anything: on fewer CPUs than workers,
    // a domain's own workers are mostly descheduled and the running ones steal across domains.
    for workersPerDomain in [2, 4] {
        let executor = makeExecutor(.synthetic("numa:4 core:\(workersPerDomain) pu:1"), workersPerDomain: workersPerDomain)
        Benchmark(
            "even load generated in each domain, virtual 4 domains x \(workersPerDomain) workers: cross-domain share of steals",
            configuration: .init(
                metrics: [.wallClock, crossDomainPermille, localSteals, crossDomainSteals], maxDuration: .seconds(4), maxIterations: 20)
        ) { benchmark in
            let before = executor.statistics()
            EvenLoad.run(executor, jobsPerDomain: 5_000)
            let after = executor.statistics()
            let local = zip(before, after).reduce(0) { $0 + $1.1.stolenLocal - $1.0.stolenLocal }
            let cross = zip(before, after).reduce(0) { $0 + $1.1.stolenCrossDomain - $1.0.stolenCrossDomain }
            benchmark.measurement(crossDomainPermille, local + cross == 0 ? 0 : 1000 * cross / (local + cross))
            benchmark.measurement(localSteals, local)
            benchmark.measurement(crossDomainSteals, cross)
        }
    }
}

/// An even load generated inside the domains: one root job pinned to each domain (the roots
/// start together) spawns `jobsPerDomain` small jobs into its own deque, so each domain's
/// workers share their domain's work; a worker steals from another domain only when its own
/// runs dry.
enum EvenLoad {
    static func run(_ executor: WorkStealingExecutor, jobsPerDomain: Int) {
        let domains = executor.workerCounts.count
        let remaining = Atomic<Int>(domains)
        let started = Atomic<Int>(0)
        let done = DispatchSemaphore(value: 0)
        for domain in 0..<domains {
            try? executor.submit(toDomain: domain, pinned: true) {
                // The roots start spawning together: submitted one after another into parked
                // domains, the first would otherwise spawn while the others' workers, awake
                // and idle, take its jobs; that is an uneven load.
                started.add(1, ordering: .relaxed)
                while started.load(ordering: .relaxed) < domains { sched_yield() }
                executor.scope { scope in
                    for _ in 0..<jobsPerDomain {
                        try? scope.spawn { _ in
                            var x = 0
                            for i in 0..<500 { x &+= i &* i }
                            blackHole(x)
                        }
                    }
                }
                if remaining.subtract(1, ordering: .relaxed).newValue == 0 { done.signal() }
            }
        }
        done.wait()
    }
}

/// A thread parked on a semaphore, woken on demand: this machine's own wake-up latency for the
/// case the executor meets, a thread parked on one CPU woken by a thread spinning on another.
/// Both are pinned (to the last and first PU), so the kernel cannot run the woken thread on the
/// waker's CPU instead, which is far cheaper on a virtual machine than waking an idle vCPU.
final class ParkedThread: @unchecked Sendable {
    private let go = DispatchSemaphore(value: 0)
    private let back = DispatchSemaphore(value: 0)
    private let signalled = Atomic<Int>(0)
    private let woke = Atomic<Int>(0)
    private let pus: CPUSet

    init() {
        pus = (try? Topology.load(.machine).allPUs) ?? []
        let parkedPU = pus.last
        Thread { [self] in
            if let parkedPU { _ = try? ThreadBinding.bindCurrentThread(to: [parkedPU]) }
            while true {
                go.wait()
                woke.store(nowNanoseconds(), ordering: .relaxed)
                back.signal()
            }
        }.start()
    }

    /// Signals the parked thread from the first PU and returns nanoseconds until it ran.
    func wake() -> Int {
        let restore = try? ThreadBinding.currentThreadCPUs()
        if let first = pus.first, pus.count > 1 { _ = try? ThreadBinding.bindCurrentThread(to: [first]) }
        defer { if let restore { _ = try? ThreadBinding.bindCurrentThread(to: restore) } }
        let before = woke.load(ordering: .relaxed)
        signalled.store(nowNanoseconds(), ordering: .relaxed)
        go.signal()
        while woke.load(ordering: .relaxed) == before {}
        back.wait()
        return woke.load(ordering: .relaxed) - signalled.load(ordering: .relaxed)
    }
}
