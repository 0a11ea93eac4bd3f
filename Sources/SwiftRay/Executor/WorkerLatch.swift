import Dispatch
import Foundation
import Synchronization

/// A count-down latch that a worker can wait on without blocking its thread (it runs other jobs
/// meanwhile, see ``Worker/help(until:)``) and that any other thread can wait on by blocking.
/// Set once the count reaches zero; it never resets.
///
/// Thread-safe.
final class WorkerLatch: @unchecked Sendable {
    private let remaining: Atomic<Int>
    /// The worker helping until this latch is set (unretained: it waits inside `wait`).
    private let waitingWorker = Atomic<UInt>(0)
    private let blockedThread = Locked<DispatchSemaphore?>(nil)

    init(count: Int = 1) { remaining = Atomic(count) }

    /// How long a thread that is not a worker spins on the latch before it parks.
    static let spinNanoseconds = 50_000

    @inline(__always)
    var isSet: Bool { remaining.load(ordering: .sequentiallyConsistent) == 0 }

    /// Adds to the count (a scope spawning another job). Only before the latch is set.
    @inline(__always)
    func increment() { remaining.wrappingAdd(1, ordering: .relaxed) }

    /// Counts down by `count`; the call that reaches zero wakes the waiter. The caller must hold
    /// a strong reference: a waiter may free the latch as soon as it sees it set.
    @inline(__always)
    func countDown(by count: Int = 1) {
        guard remaining.wrappingSubtract(count, ordering: .sequentiallyConsistent).newValue == 0 else { return }
        let bits = waitingWorker.load(ordering: .sequentiallyConsistent)
        if bits != 0 {
            let worker = Unmanaged<Worker>.fromOpaque(UnsafeRawPointer(bitPattern: bits)!).takeUnretainedValue()
            worker.executor.sleep.wake(worker)
        }
        _ = blockedThread.withLock { $0?.signal() }
    }

    /// Waits until set: a worker of `executor` keeps running jobs; any other thread blocks.
    func wait(on executor: WorkStealingExecutor) {
        if isSet { return }
        if let worker = Worker.current(of: executor) {
            waitingWorker.store(UInt(bitPattern: Unmanaged.passUnretained(worker).toOpaque()), ordering: .sequentiallyConsistent)
            worker.help(until: self)
            waitingWorker.store(0, ordering: .relaxed)
            return
        }
        // Spin first (without sched_yield, see SleepProtocol.swift): parking and waking a thread
        // costs microseconds to tens of microseconds, more than most jobs take.
        let deadline = MonotonicClock.nanoseconds &+ Self.spinNanoseconds
        repeat {
            if isSet { return }
        } while MonotonicClock.nanoseconds < deadline
        let semaphore: DispatchSemaphore? = blockedThread.withLock { slot in
            if isSet { return nil }
            let semaphore = DispatchSemaphore(value: 0)
            slot = semaphore
            return semaphore
        }
        semaphore?.wait()
    }
}
