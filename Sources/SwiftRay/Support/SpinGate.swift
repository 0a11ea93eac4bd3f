import Glibc
import Synchronization

/// A one-byte spin lock for critical sections of a few dozen instructions that take no other
/// lock: the object store's shards and each object's entry. Taking a free gate is one
/// compare-and-exchange and leaving it one release store (a pthread mutex pays an atomic
/// read-modify-write for each, and a call). A waiter spins briefly, then yields the CPU at each
/// try, so a holder preempted on a small machine is not spun against for a whole time slice.
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

    @inline(never)
    private func waitAndTake() {
        var spins = 0
        while true {
            if !taken.load(ordering: .relaxed),
                taken.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged
            {
                return
            }
            spins += 1
            if spins >= 64 { sched_yield() }
        }
    }
}

/// A value guarded by a ``SpinGate``: for state touched in short critical sections by a
/// submitter and the workers serving it (a lease queue, an actor's mailboxes and event loops),
/// where a pthread mutex's two atomic read-modify-writes and calls were a tenth of the
/// submitter's time. Never hold it across a call that may block or take another such lock.
/// Thread-safe.
final class SpinLocked<Value>: @unchecked Sendable {
    private let gate = SpinGate()
    @exclusivity(unchecked) private var value: Value

    init(_ value: Value) { self.value = value }

    @inline(__always)
    func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        try gate.withLock { try body(&value) }
    }
}
