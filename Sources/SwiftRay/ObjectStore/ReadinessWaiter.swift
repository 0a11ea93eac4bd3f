import Dispatch
import Synchronization

/// One waiter on one or more objects: a get (waits for all), a wait (for `numReturns`), an
/// async get, one element of a completion-order sequence, or a put waiting for room. Objects
/// count it down as they complete; the count reaching zero, a timer or a cancellation fires it,
/// once, and firing wakes the waiter the way it chose: a worker's latch (the worker runs other
/// jobs meanwhile), a semaphore (another thread blocks), or an action (resumes a continuation).
///
/// Each waiter is registered only with the objects it waits on, so completing an object wakes
/// exactly its waiters: no global condition variable. Thread-safe.
@usableFromInline
final class ReadinessWaiter: @unchecked Sendable {
    /// How firing wakes the waiter. A plain value; thread-safe.
    enum Wake: Sendable {
        case latch(WorkerLatch)
        case semaphore(DispatchSemaphore)
        case action(@Sendable () -> Void)
    }

    private let needed: Atomic<Int>
    private let fired = Atomic<Bool>(false)
    private let wake: Wake

    /// How long a thread that is not a worker spins before it parks when no ``ParkSpin`` says
    /// otherwise (a park and wake costs microseconds to tens of microseconds).
    static let spinNanoseconds = ParkSpin.shortNanoseconds

    init(needed: Int, wake: Wake) {
        self.needed = Atomic(needed)
        self.wake = wake
    }

    /// A waiter that wakes the calling thread: by its latch when it is a worker of `executor`,
    /// else by a semaphore.
    static func forCurrentThread(needed: Int, executor: WorkStealingExecutor?) -> ReadinessWaiter {
        if let executor, Worker.current(of: executor) != nil {
            return ReadinessWaiter(needed: needed, wake: .latch(WorkerLatch()))
        }
        return ReadinessWaiter(needed: needed, wake: .semaphore(DispatchSemaphore(value: 0)))
    }

    /// Whether it fired (an acquiring load).
    @inline(__always)
    var hasFired: Bool { fired.load(ordering: .acquiring) }

    /// One of the objects it waits for completed.
    @inline(__always)
    func objectCompleted() {
        if needed.wrappingSubtract(1, ordering: .acquiringAndReleasing).newValue == 0 { fire() }
    }

    /// Wakes the waiter unless it was woken already; whether this call woke it.
    @discardableResult
    func fire() -> Bool {
        guard fired.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else {
            return false
        }
        switch wake {
        case .latch(let latch): latch.countDown()
        case .semaphore(let semaphore): semaphore.signal()
        case .action(let action): action()
        }
        return true
    }

    /// Fires the waiter at `deadline` (monotonic nanoseconds) unless it fired before.
    func fire(atDeadline deadline: Int) {
        let delay = max(0, deadline &- MonotonicClock.nanoseconds)
        DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(delay)) { [self] in fire() }
    }

    /// Blocks the calling thread (a worker: runs other jobs) until the waiter fires or
    /// `deadline` (monotonic nanoseconds) passes. Only for waiters made by `forCurrentThread`.
    func block(until deadline: Int?, executor: WorkStealingExecutor?, spin: ParkSpin? = nil) {
        switch wake {
        case .latch(let latch):
            guard let executor else { return }
            if let deadline { fire(atDeadline: deadline) }
            latch.wait(on: executor)
        case .semaphore(let semaphore):
            let start = MonotonicClock.nanoseconds
            let spinEnd = start &+ (spin?.budget ?? Self.spinNanoseconds)
            repeat {
                if hasFired { return }
            } while MonotonicClock.nanoseconds < min(spinEnd, deadline ?? .max)
            if let deadline {
                let left = deadline &- MonotonicClock.nanoseconds
                if left > 0, semaphore.wait(timeout: .now() + .nanoseconds(left)) == .success {
                    spin?.parkedWaitEnded(startedAt: start, endedAt: MonotonicClock.nanoseconds)
                    return
                }
                fire()  // the deadline passed: no one signals this semaphore after this
            } else {
                semaphore.wait()
                spin?.parkedWaitEnded(startedAt: start, endedAt: MonotonicClock.nanoseconds)
            }
        case .action:
            return
        }
    }
}
