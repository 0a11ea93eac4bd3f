import Benchmark
import Foundation
import RayScheduling
import RayTopology

// Scheduler benchmarks (issue: the scheduler). The scheduler is pure: these measure its own
// decision and bookkeeping cost, without threads or the runtime around it.

let nsPerDecision = BenchmarkMetric.custom("ns per decision", polarity: .prefersSmaller, useScalingFactor: false)
let groupsPerSecond = BenchmarkMetric.custom("groups per second", polarity: .prefersLarger, useScalingFactor: false)

@inline(__always)
func now() -> Int {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return time.tv_sec * 1_000_000_000 + time.tv_nsec
}

/// A scheduler over `domains` virtual domains of 4 CPUs, half of them busy (so DEFAULT has
/// scores to compare), and the interned request of a one-CPU task.
func loadedScheduler(domains: Int) -> (ClusterScheduler, SchedulingRequest) {
    do {
        var scheduler = try ClusterScheduler(
            topology: Topology.load(.synthetic("numa:\(domains) core:4 pu:1")), random: SystemRandomNumberGenerator())
        let oneCPU = SchedulingRequest(resources: scheduler.resourceRequest(for: try ResourceSet(["CPU": 1])))
        for task in 0..<(domains * 2) { _ = try scheduler.submit(TaskID(UInt64(task)), oneCPU) }
        return (scheduler, oneCPU)
    } catch {
        fatalError("benchmark set-up: \(error)")
    }
}

let benchmarks: @Sendable () -> Void = {
    let decisions = 100_000
    for domains in [8, 64] {
        Benchmark(
            "scheduling decision, 1-CPU task, DEFAULT, \(domains) domains",
            configuration: .init(metrics: [.wallClock, .mallocCountTotal, nsPerDecision], maxDuration: .seconds(3), maxIterations: 30)
        ) { benchmark in
            var (scheduler, oneCPU) = loadedScheduler(domains: domains)
            let start = now()
            for _ in 0..<decisions { blackHole(try scheduler.selectNode(for: oneCPU)) }
            benchmark.measurement(nsPerDecision, (now() - start) / decisions)
        }
        Benchmark(
            "schedule and release, 1-CPU task, DEFAULT, \(domains) domains",
            configuration: .init(metrics: [.wallClock, .mallocCountTotal, nsPerDecision], maxDuration: .seconds(3), maxIterations: 30)
        ) { benchmark in
            var (scheduler, oneCPU) = loadedScheduler(domains: domains)
            let start = now()
            for index in 0..<decisions {
                let task = TaskID(UInt64(1_000_000 + index))
                blackHole(try scheduler.submit(task, oneCPU))
                scheduler.release(task)
            }
            benchmark.measurement(nsPerDecision, (now() - start) / decisions)
        }
    }
    // Ray's `placement group create/removal` loop: create 100 one-bundle groups, wait for each
    // to be created, remove each. Here the scheduler's part only (no ready() ref yet).
    Benchmark(
        "placement group create/removal (scheduler only), 8 domains",
        configuration: .init(metrics: [.wallClock, .mallocCountTotal, groupsPerSecond], maxDuration: .seconds(3), maxIterations: 200)
    ) { benchmark in
        var (scheduler, _) = loadedScheduler(domains: 8)
        let bundle = try ResourceSet(["CPU": 0.01])
        let start = now()
        var ids: [PlacementGroupID] = []
        for _ in 0..<100 { ids.append(try scheduler.createPlacementGroup([bundle])) }
        for id in ids where try scheduler.placementGroup(id).state != .created { blackHole(id) }
        for id in ids { blackHole(try scheduler.removePlacementGroup(id)) }
        benchmark.measurement(groupsPerSecond, 100 * 1_000_000_000 / max(1, now() - start))
    }
}
