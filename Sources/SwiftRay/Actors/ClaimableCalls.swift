/// The calls a threaded actor's runners took from its default mailbox in batches and have not
/// started yet: one queue that every runner of the lane pops from, so that a batch one runner
/// took never waits behind the call that runner is running (the protocol:
/// ActorCore+SharedBatches.swift). It also counts the calls started from it, which is how
/// ``StallWatch`` tells that a lane stopped making progress.
///
/// Thread-safe: its own ``SpinLocked``. Calls are added only with the actor's lock held, which
/// is then taken first (the one place two such locks nest: the actor's, then this one); popping
/// takes this lock alone, so a runner's pop does not meet the actor's callers.
final class ClaimableCalls: @unchecked Sendable {
    private struct Queue {
        var calls = FIFO<TaskRecord>()
        /// Calls popped since the actor was made (wrapping).
        var started: UInt = 0
    }

    private let queue = SpinLocked(Queue())

    init() {}

    /// The oldest call, counted as started; nil when empty. O(1).
    @inline(__always)
    func popFirst() -> TaskRecord? {
        queue.withLock { queue in
            guard let call = queue.calls.popFirst() else { return nil }
            queue.started &+= 1
            return call
        }
    }

    /// Adds `batch` at the back (leaving it empty) and pops the oldest call, counted as started.
    /// The actor's lock held. O(1) when the queue was empty (the rings are swapped), else
    /// O(batch).
    func appendAndPopFirst(_ batch: inout FIFO<TaskRecord>) -> TaskRecord? {
        queue.withLock { queue in
            batch.moveAll(to: &queue.calls)
            guard let call = queue.calls.popFirst() else { return nil }
            queue.started &+= 1
            return call
        }
    }

    /// Moves every call out, oldest first, to the back of `calls` (the actor stops being alive,
    /// or a fatal error requeues its lane). The actor's lock held. O(count).
    func takeAll(into calls: inout FIFO<TaskRecord>) {
        queue.withLock { $0.calls.moveAll(to: &calls) }
    }

    /// Calls waiting. O(1).
    var count: Int { queue.withLock { $0.calls.count } }

    /// Calls started from the queue so far (wrapping): unchanged between two looks while calls
    /// wait means that no runner took one in between.
    var started: UInt { queue.withLock { $0.started } }
}
