import Dispatch
import Foundation
import SwiftRay
import Synchronization

/// The benchmarked workloads, shared by the swift-ray runs and the runs of what a user would
/// pick instead (DispatchQueue, TaskGroup, plain serial code).
enum Workloads {
    // MARK: Fan-out from one outside thread, then wait for all

    static func executorFanOut(_ executor: WorkStealingExecutor, jobs: Int) {
        executor.scope { scope in
            for _ in 0..<jobs { try? scope.spawn { _ in } }
        }
    }

    static func dispatchFanOut(jobs: Int) {
        let group = DispatchGroup()
        let queue = DispatchQueue.global()
        for _ in 0..<jobs { queue.async(group: group) {} }
        group.wait()
    }

    static func taskGroupFanOut(jobs: Int) async {
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<jobs { group.addTask {} }
        }
    }

    /// Spawn-and-run from inside a worker: one job spawns `jobs` empty children.
    static func executorSpawnInside(_ executor: WorkStealingExecutor, jobs: Int) {
        executor.scope { scope in
            try? scope.spawn { inner in
                for _ in 0..<jobs { try? inner.spawn { _ in } }
            }
        }
    }

    // MARK: Fork-join

    static let fibCutoff = 20

    static func fibSerial(_ n: Int) -> Int { n < 2 ? n : fibSerial(n - 1) + fibSerial(n - 2) }

    static func fibParallel(_ executor: WorkStealingExecutor, _ n: Int) -> Int {
        if n < fibCutoff { return fibSerial(n) }
        let (a, b) = (try? executor.join({ fibParallel(executor, n - 1) }, { fibParallel(executor, n - 2) })) ?? (0, 0)
        return a + b
    }

    /// Skynet (github.com/atemerev/skynet): a 10-ary tree of 1M leaves numbered 0..<1M, every
    /// node a job, summed. `serialBelow` runs subtrees of at most that many leaves serially.
    static func skynet(_ executor: WorkStealingExecutor, number: Int, size: Int, serialBelow: Int) -> Int {
        if size <= serialBelow { return skynetSerial(number: number, size: size) }
        let results = SlotBuffer(count: 10)
        let child = size / 10
        executor.scope { scope in
            for index in 0..<10 {
                try? scope.spawn { _ in
                    results[index] = skynet(executor, number: number + index * child, size: child, serialBelow: serialBelow)
                }
            }
        }
        return results.sum()
    }

    static func skynetSerial(number: Int, size: Int) -> Int {
        if size == 1 { return number }
        var sum = 0
        let child = size / 10
        for index in 0..<10 { sum += skynetSerial(number: number + index * child, size: child) }
        return sum
    }
}

/// Ten result slots, each written by one job and read after the scope closed (the scope's latch
/// orders the writes before the read).
final class SlotBuffer: @unchecked Sendable {
    private let slots: UnsafeMutableBufferPointer<Int>

    init(count: Int) { slots = .allocate(capacity: count); slots.initialize(repeating: 0) }
    deinit { slots.deallocate() }

    subscript(index: Int) -> Int {
        get { slots[index] }
        set { slots[index] = newValue }
    }

    func sum() -> Int { slots.reduce(0, +) }
}

/// Monotonic nanoseconds, cheap enough to take inside a job.
@inline(__always)
func nowNanoseconds() -> Int {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return time.tv_sec * 1_000_000_000 + time.tv_nsec
}
