import Dispatch
import Foundation
import RayTopology
import Synchronization
import Testing

@testable import SwiftRay

/// Counts payload deinits, so tests see exactly when the store lets a value go. Thread-safe.
final class DeinitCounter: Sendable {
    private let count = Atomic<Int>(0)
    func bump() { count.add(1, ordering: .sequentiallyConsistent) }
    var value: Int { count.load(ordering: .sequentiallyConsistent) }
}

/// A class payload that declares its size and counts its deinit. Immutable; thread-safe.
final class Payload: Sendable, ObjectSizeEstimating {
    let counter: DeinitCounter
    let bytes: Int
    init(_ counter: DeinitCounter, bytes: Int = 64) {
        self.counter = counter
        self.bytes = bytes
    }
    deinit { counter.bump() }
    var estimatedObjectSize: Int { bytes }
}

/// An application error a producer fails an object with. A plain value; thread-safe.
enum Boom: Error, Equatable { case code(Int) }

/// A store for one test on the running machine's topology (or `topology`).
func makeStore(
    capacity: Int? = nil, grace: Double = 0.05, topology: Topology? = nil, executor: WorkStealingExecutor? = nil
) throws -> ObjectStore {
    try ObjectStore(
        topology: topology ?? executor?.topology ?? Topology.load(.machine), executor: executor,
        configuration: .init(capacityBytes: capacity, fullGracePeriod: grace))
}

/// Runs `body` on a global-queue thread after `seconds`.
func after(_ seconds: Double, _ body: @escaping @Sendable () -> Void) {
    DispatchQueue.global().asyncAfter(deadline: .now() + seconds, execute: body)
}

/// Seconds `body` takes.
func elapsed(_ body: () throws -> Void) rethrows -> Double {
    let start = MonotonicClock.nanoseconds
    try body()
    return Double(MonotonicClock.nanoseconds - start) / 1e9
}
