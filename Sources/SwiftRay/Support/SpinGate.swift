internal import CSwiftRuntime
import Glibc
import Synchronization

/// A one-byte spin lock for critical sections of a few dozen instructions that take no other
/// lock: the object store's shards and each object's entry. Taking a free gate is one
/// compare-and-exchange and leaving it one release store (a pthread mutex pays an atomic
/// read-modify-write for each, and a call). A waiter backs off with the CPU's spin-wait hint
/// for about two microseconds, then yields the CPU at each try, so a holder preempted on a small
/// machine is not spun against for a whole time slice.
/// ThreadSanitizer sees the ordering (acquiring and releasing atomics).
///
/// Thread-safe. Not reentrant. Not fair: fine for locks held this briefly and this rarely
/// contended (one per shard, chosen by thread; one per object).
struct SpinGate: ~Copyable {
    private let taken = Atomic<Bool>(false)

    init() {}

    /// Runs `body` holding the gate.
    @inline(__always)
    func withLock<R>(_ body: () throws -> R) rethrows -> R {
        if !taken.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged { waitAndTake() }
        defer { taken.store(false, ordering: .releasing) }
        return try body()
    }

    /// Runs `body` holding the gate if it is free now (one try); nil, without running it, when
    /// another thread holds it.
    @inline(__always)
    func withLockIfFree<R>(_ body: () throws -> R) rethrows -> R? {
        guard taken.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else { return nil }
        defer { taken.store(false, ordering: .releasing) }
        return try body()
    }

    /// Backs off between tries (see ``maxPausesPerTry``) and, once ``spinNanoseconds`` have
    /// passed, yields the CPU at each try.
    @inline(never)
    private func waitAndTake() {
        var tries = 0
        var pauses = 1
        var yieldAt = 0
        var yielding = false
        while true {
            if !taken.load(ordering: .relaxed),
                taken.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged
            {
                return
            }
            if yielding {
                sched_yield()
                continue
            }
            for _ in 0..<pauses { swiftray_cpu_relax() }
            if pauses < Self.maxPausesPerTry { pauses &<<= 1 }
            tries &+= 1
            guard tries & (Self.triesPerClockRead - 1) == 0 else { continue }
            let now = MonotonicClock.nanoseconds
            if yieldAt == 0 {
                yieldAt = now &+ Self.spinNanoseconds
            } else {
                yielding = now >= yieldAt
            }
        }
    }

    /// How long a waiter spins before it yields at each try: many times a critical section
    /// whose holder runs (a few dozen instructions, and the lock's line crossing cores), far
    /// less than a time slice. Yielding after a fixed 64 tries (~0.2 µs) yielded against
    /// running holders: a `sched_yield` costs ~0.5 µs on the development machine, and more
    /// where it switches threads. With this, a threaded actor's runners and caller ran ~1.17x
    /// faster; two callers of one actor (`n:n actor calls async`) ~11% slower, whatever the
    /// spin and back-off settings (BENCHMARKS.md, seventeenth sitting).
    static let spinNanoseconds = 2_000
    /// The most spin-wait hints between two tries (doubling from one): while the holder works,
    /// waiters that keep reading the lock's line slow its release, and two waiters that retry
    /// at once bounce it between them.
    static let maxPausesPerTry = 16
    /// Tries between two clock reads (a power of two).
    static let triesPerClockRead = 8
}

/// A value guarded by a ``SpinGate``: for state touched in short critical sections by a
/// submitter and the workers serving it (a lease queue, an actor's mailboxes and event loops),
/// where a pthread mutex's two atomic read-modify-writes and calls were a tenth of the
/// submitter's time. Never hold it across a call that may block or take another such lock, but
/// for the one nesting in a fixed order: an actor's lock, then its ``ClaimableCalls``' lock.
/// Thread-safe.
final class SpinLocked<Value>: @unchecked Sendable {
    private let gate = SpinGate()
    @exclusivity(unchecked) private var value: Value

    init(_ value: Value) { self.value = value }

    @inline(__always)
    func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        try gate.withLock { try body(&value) }
    }

    /// Runs `body` with the value if the lock is free now (one try); nil when another thread
    /// holds it.
    @inline(__always)
    func withLockIfFree<R>(_ body: (inout Value) throws -> R) rethrows -> R? {
        try gate.withLockIfFree { try body(&value) }
    }
}
