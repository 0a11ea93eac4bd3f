import Synchronization

/// Whether a lock-guarded queue holds anything, readable without its lock: what a runner spins
/// on while it waits a moment for more work. Written under the queue's lock, and only when the
/// queue turns empty or non-empty (a load, rarely a store): written on every push and pop, its
/// line bounced between the submitter and the spinning runner once per item.
///
/// Thread-safe (an atomic); a hint, never the truth: decisions are taken under the lock.
struct QueueHint: ~Copyable, Sendable {
    private let nonEmpty = Atomic<Bool>(false)

    init() {}

    /// Records that the queue now holds `count` items.
    @inline(__always)
    func note(count: Int) {
        let now = count > 0
        if nonEmpty.load(ordering: .relaxed) != now { nonEmpty.store(now, ordering: .relaxed) }
    }

    /// Whether the queue seemed non-empty at its last change.
    @inline(__always)
    var seemsNonEmpty: Bool { nonEmpty.load(ordering: .relaxed) }
}
