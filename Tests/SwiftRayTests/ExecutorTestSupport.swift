import Dispatch
import Foundation
import RayTopology
import Synchronization
import Testing

@testable import SwiftRay

/// Counts jobs down and lets the test wait with a deadline, so that a lost wake-up fails the
/// test instead of hanging CI.
final class Countdown: Sendable {
    private let remaining: Atomic<Int>
    private let done = DispatchSemaphore(value: 0)

    init(_ count: Int) { remaining = Atomic(count) }

    func tick() {
        if remaining.subtract(1, ordering: .sequentiallyConsistent).newValue == 0 { done.signal() }
    }

    /// Whether the count reached zero within `seconds`.
    func wait(seconds: Double = 60) -> Bool {
        done.wait(timeout: .now() + seconds) == .success
    }
}

/// An executor for one test, shut down when the test is done with it.
func withExecutor<R>(
    _ topology: Topology? = nil, workers: Int? = nil, spinMicroseconds: Int? = nil,
    trimDelayMilliseconds: Int? = nil,
    _ body: (WorkStealingExecutor) throws -> R
) throws -> R {
    var configuration = WorkStealingExecutor.Configuration()
    configuration.defaultWorkersPerDomain = workers
    if let spinMicroseconds { configuration.spinMicroseconds = spinMicroseconds }
    if let trimDelayMilliseconds { configuration.spareJobsTrimDelayMilliseconds = trimDelayMilliseconds }
    let executor = try WorkStealingExecutor(topology: topology ?? Topology.load(.machine), configuration: configuration)
    defer {
        try? executor.shutdown()
    }
    return try body(executor)
}

/// Waits (up to `seconds`) until every worker of `executor` is parked.
func waitUntilAllParked(_ executor: WorkStealingExecutor, seconds: Double = 10) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if executor.statistics().reduce(0, { $0 + $1.sleepingWorkers }) == executor.workerCounts.reduce(0, +) {
            return true
        }
        usleep(200)
    }
    return false
}
