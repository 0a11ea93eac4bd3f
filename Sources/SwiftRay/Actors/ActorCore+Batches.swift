import CCycleCounter

/// Batches of calls for ordered lanes.
///
/// A lane that runs one call at a time (a default actor, or a concurrency group of limit 1)
/// runs its calls in mailbox order, so its runner may take every queued call in one critical
/// section (the mailbox's ring is swapped for the runner's empty one) and run them from its
/// own ``FIFO`` without the lock. Taking them one at a time, the lock's line crossed between
/// the caller's core and the runner's twice per call, and the caller found the gate taken and
/// yielded often (`1:1 actor calls async`: a tenth of its samples in `sched_yield`).
///
/// Gathering: a runner on the default lane whose last batch held more than one call and fewer
/// than ``gatheredBatchLimit`` (its callers stream, and do not outrun it) and that finds mail
/// again waits ``gatherNanoseconds`` before it takes the next batch. Taken at once, batches
/// stayed one to three calls long, and the caller met the runner on the lock's line, the
/// mailbox's ring and its hint at almost every call; a short wait lets the caller queue calls
/// on lines that stay in its core's cache. With `1:1 actor calls async`'s loop in one process,
/// a 300 ns wait switched on and off every round (twenty-second sitting): the caller's submit
/// went from 253-264 to 207-210 ns a call and a round's whole time from 309-321 to 261-267 ns a
/// call, the sync round trip unchanged (a batch of one call never gathers).
///
/// The wait is 2 µs, and batches up to 63 calls gather (twenty-sixth sitting). Once a runner's
/// thread-local lookups went (``CallRunnerThread``), it ran each call faster than its caller
/// queued the next: with the old 300 ns and 16 it came back for batches of a few calls again,
/// and `1:n actor calls async` ran 0.85x as fast as before the runner got faster. Alternated
/// runs (`swiftray microbenchmark --quick`, medians of 3-4 rounds; the raw file is named in
/// BENCHMARKS.md), in M calls/s:
///
/// | wait, batch limit | 1:1 async | 1:n async | n:n async | n:n with arg |
/// | --- | --- | --- | --- | --- |
/// | 300 ns, 16 | 3.87 | 3.73 | 4.05 | 2.19 |
/// | 1 µs, 64 | 4.63 | 4.55 | 4.29 | 2.15 |
/// | 2 µs, 64 | 4.72 | 4.67 | 4.31 | 2.18 |
/// | 2 µs, 256 | 4.54 | 4.64 | 4.16 | 2.14 |
/// | 3 µs, 256 | 4.47 | 4.52 | 3.93 | 2.17 |
///
/// With the runner as it was, 2 µs and 64 changed nothing (1:1 0.97x, 1:n 1.02x, n:n 0.95x):
/// the two go together. The cost: a streaming caller's calls start up to 2 µs later (Ray's own
/// actor call takes about 200 µs); a worker with other jobs waiting does not wait.
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
///
/// A threaded actor's default lane (limit above 1) takes batches too, but into a queue that all
/// its runners share, with a watch that adds runners when calls stop starting: a batch held by
/// one runner would wait behind the call that runner runs, and a threaded actor's call may block
/// until a later call has run (ActorCore+SharedBatches.swift).
extension ActorCore {
    /// How long a runner whose callers stream waits before it takes its next batch (the
    /// measurements are in the note above).
    static let gatherNanoseconds = 2_000
    /// Batches this long or longer are not gathered: the callers already queue calls faster
    /// than the runner takes them, and a wait would only hold the calls back.
    static let gatheredBatchLimit = 64

    /// Whether a runner that took a batch of `count` calls gathers its next one: its callers
    /// stream (more than one call came since its last look) and do not outrun it.
    static func gathersAfter(batchOf count: Int) -> Bool {
        count > 1 && count < gatheredBatchLimit
    }

    /// Waits ``gatherNanoseconds`` (spinning with the CPU's spin hint between clock reads, as a
    /// worker giving its submitter room does, touching no shared line), unless `worker` has
    /// other jobs waiting. A linger also ends when the job its runner is nested in can go on
    /// (``Worker/shouldEndIdleWait``); a gather does not: it is short, and a runner that skipped
    /// it would take its callers' calls a few at a time, each take moving the mailbox's lines
    /// between the cores (n:n 1.03x, q1 0.98, with the skip: not kept).
    static func gather(by worker: Worker?) {
        if worker?.hasWaitingWork ?? false { return }
        let deadline = MonotonicClock.nanoseconds &+ gatherNanoseconds
        repeat { swiftray_spin_hint() } while MonotonicClock.nanoseconds < deadline
    }

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
            putInFront(&batch, lane: lane, &state)
            return nil
        }
        guard let deathReason else { return }
        let error = ActorError.actorDied(actor: displayName, reason: deathReason)
        while let call = batch.popFirst() { call.finish(failing: error) }
    }

    /// Moves `calls` in front of `lane`'s mailbox, leaving `calls` empty. The actor's lock
    /// held. O(mailbox).
    func putInFront(_ calls: inout FIFO<TaskRecord>, lane: Int, _ state: inout State) {
        state.lanes[lane].mailbox.moveAll(to: &calls)
        swap(&calls, &state.lanes[lane].mailbox)
        if lane == 0 { mailboxHint.note(count: state.lanes[0].mailbox.count) }
    }
}
