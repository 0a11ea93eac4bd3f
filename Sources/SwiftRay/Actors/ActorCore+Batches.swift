/// Batches of calls for ordered lanes.
///
/// A lane that runs one call at a time (a default actor, or a concurrency group of limit 1)
/// runs its calls in mailbox order, so its runner may take every queued call in one critical
/// section (the mailbox's ring is swapped for the runner's empty one) and run them from its
/// own ``FIFO`` without the lock. Taking them one at a time, the lock's line crossed between
/// the caller's core and the runner's twice per call, and the caller found the gate taken and
/// yielded often (`1:1 actor calls async`: a tenth of its samples in `sched_yield`).
///
/// What keeps this invisible to the user:
/// - Order: the held calls were queued before anything now in the mailbox; whenever they go
///   back, they go back in front of it (``returnCalls(_:lane:)``), and a call retried after a
///   fatal error goes in front of them (``failed(_:with:lane:held:)``).
/// - Death and restarts: ``die(reason:restartable:)`` bumps ``lifeChanges`` under the lock; the
///   runner compares it with the value it took the batch under before each held call, and when
///   it changed gives the batch back: failed with `actorDied` when the actor is dead (the
///   mailbox was failed by `die`), in front of the mailbox when it restarts. At most the call
///   that was running when the actor died finishes afterwards, as without batches.
/// - The inbox (ActorInbox.swift): calls pushed while the lock was held are moved behind the
///   mailbox's before a batch is taken (``withMailboxes(_:)``).
/// - Cancellation: a held call's flag is read when it starts, as for a queued one.
/// - Turns and async calls: a runner that gives up its worker, or hands its slot to an async
///   call's `Task`, gives its batch back first.
/// - `maxPendingCalls`: a lane whose actor has a limit takes calls one at a time, so that the
///   limit counts every call not yet started; the state API counts held calls as pending
///   (``heldCalls``, written by the runner as it starts each).
extension ActorCore {
    /// Whether a lane with call limit `limit` takes its calls in batches: it runs one call at a
    /// time, on a threaded actor (an async actor's lanes have workers of their own), with no
    /// `maxPendingCalls`.
    static func takesCallsInBatches(limit: Int, options: ActorOptions) -> Bool {
        limit == 1 && !options.isAsync && options.maxPendingCalls <= 0
    }

    /// Moves every queued call of `lane` into `batch` (empty), if the actor is alive and the
    /// lane has mail; returns ``lifeChanges`` as it was then. O(1): the rings are swapped.
    func takeQueuedCalls(lane: Int, into batch: inout FIFO<TaskRecord>) -> UInt32? {
        withMailboxes { state in
            guard state.phase == .alive, !state.lanes[lane].mailbox.isEmpty else { return nil }
            swap(&batch, &state.lanes[lane].mailbox)
            if lane == 0 { mailboxHint.note(count: 0) }
            return lifeChanges.load(ordering: .relaxed)
        }
    }

    /// Gives back calls a runner took and did not start: in front of the lane's mailbox, or,
    /// when the actor is dead, failed with `actorDied`. Leaves `batch` empty.
    func returnCalls(_ batch: inout FIFO<TaskRecord>, lane: Int) {
        guard !batch.isEmpty else { return }
        heldCalls[lane].set(0)
        let deathReason: String? = withMailboxes { state in
            if case let .dead(reason) = state.phase { return reason }
            while let call = state.lanes[lane].mailbox.popFirst() { batch.append(call) }
            swap(&batch, &state.lanes[lane].mailbox)
            if lane == 0 { mailboxHint.note(count: state.lanes[0].mailbox.count) }
            return nil
        }
        guard let deathReason else { return }
        let error = ActorError.actorDied(actor: displayName, reason: deathReason)
        while let call = batch.popFirst() { call.finish(failing: error) }
    }
}
