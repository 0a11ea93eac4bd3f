import Synchronization

// # Shared batches: how a threaded actor's default lane takes its calls
//
// A threaded actor (`maxConcurrency` above 1) is, in Ray, a pool of that many threads, with no
// order promised between calls. Its lane here used to take calls one at a time under the
// actor's lock, and to start one runner per queued call up to the limit. Each call's lock and
// mailbox lines then crossed between the caller's core and the runner's, and up to 16 runners
// took turns on two workers: `1:1 actor calls concurrent` ran at 2.9-3.0M calls/s where the
// same loop on an ordered actor's batches ran at 5.1-5.5 (twenty-ninth sitting).
//
// The lane now takes its calls in batches, as an ordered lane does, but a batch is not the
// runner's own: it goes into the lane's ``ClaimableCalls``, which every runner of the lane pops
// from. A batch one runner took therefore never waits behind that runner's call; what is left
// is to have another runner when one is needed:
//
// - Callers queue under the actor's lock and start a runner only when the lane has none
//   (`runners == 0`, ``claimSlot(_:lane:)``); `running` still counts every slot held (runners,
//   and async calls' `Task`s, which took their runner's slot). So with fast calls one runner
//   serves the lane, and the caller's lines stay in its core between batches.
// - A runner pops from the claimable calls; when there are none it takes the whole mailbox
//   (``takeSharedBatch()``: the actor's lock, then the queue's lock, one swap); when the
//   mailbox is empty too, it waits for mail as an ordered lane's runner does, then ends under
//   the actor's lock, only if neither holds a call (``nextSharedCall()``).
// - A call may block until a later call has run, or run long. The ``StallWatch`` looks
//   at the lane every millisecond while it has a runner: when calls waited at its last look
//   and still wait, and none started in between (the queue counts the calls it hands out), it
//   starts a runner for each waiting call, as far as `maxConcurrency` goes
//   (``watchLook(last:)``). A blocked call holds the calls behind it back for at most about
//   two looks, then they run at once: Ray's pool of threads, started when it is needed. A lane
//   that was idle and has just been given calls is starting, not stalled: with one look
//   instead of two, the first round of `1:1 actor calls concurrent` after a pause of the
//   benchmark's loop started a burst of runners that then fought over the lane.
// - A runner that hands its slot to an async call's `Task` is a runner no more; if it was the
//   last and calls wait, it starts the next (``runnerHandedOff(lane:)``). A `Task` whose call
//   ended turns back into a runner only when the lane has none and calls wait
//   (``callEnded(lane:)``).
// - Death and restarts: ``die(reason:restartable:)`` moves the claimable calls back to the
//   front of the mailbox under the actor's lock (failed with the mailbox when the actor is
//   dead, kept for the new instance when it restarts); a fatal error's retried call goes in
//   front of them (``failed(_:with:lane:held:)``). A call popped before the death counts as
//   started, as a call taken one at a time did.
//
// Not on this path: concurrency groups other than the default one, actors with
// `maxPendingCalls` (every call not yet started must stay countable under the lock), async
// actors (lane workers: ActorCore+LaneWorkers.swift).

extension ActorCore {
    /// Whether a default lane with call limit `limit` takes its calls in shared batches (the
    /// design note above): a threaded actor without `maxPendingCalls`.
    static func sharesBatches(limit: Int, options: ActorOptions) -> Bool {
        limit > 1 && !options.isAsync && options.maxPendingCalls <= 0
    }

    /// Whether `lane`'s runners take shared batches.
    @inline(__always)
    func sharesBatches(lane: Int) -> Bool { lane == 0 && claimable != nil }

    /// Has the ``StallWatch`` look at this actor, unless it does already. A runner of
    /// the lane calls it as it starts: the watch drops an actor (the flag cleared under the
    /// actor's lock) only when the lane has no runner, so a runner started after that sees
    /// the flag clear.
    func ensureWatched() {
        guard let claimable, !laneWatched.load(ordering: .relaxed),
            !laneWatched.exchange(true, ordering: .acquiringAndReleasing)
        else { return }
        runtime.stallWatch.watch(self, started: claimable.started)
    }

    /// Moves the mailbox into the claimable calls and pops the oldest call, with the number of
    /// calls the mailbox held; nil when the actor is not alive or the mailbox is empty.
    func takeSharedBatch() -> (call: TaskRecord, count: Int)? {
        guard let claimable else { return nil }
        return withMailboxes { state in
            guard state.phase == .alive else { return nil }
            let count = state.lanes[0].mailbox.count
            return takeSharedBatch(claimable, &state).map { ($0, count) }
        }
    }

    /// ``takeSharedBatch()``'s critical section: the mailbox, if it holds calls, into
    /// `claimable`, and the oldest call popped. The actor's lock held.
    @inline(__always)
    private func takeSharedBatch(_ claimable: ClaimableCalls, _ state: inout State) -> TaskRecord? {
        guard !state.lanes[0].mailbox.isEmpty else { return nil }
        defer { mailboxHint.note(count: 0) }
        return claimable.appendAndPopFirst(&state.lanes[0].mailbox)
    }

    /// A runner's last look before it ends, under the actor's lock: a call from the mailbox
    /// (taken as a batch) or from the claimable calls; else the runner ends, uncounted, and nil.
    func nextSharedCall() -> TaskRecord? {
        guard let claimable else { return nil }
        let (call, endReason): (TaskRecord?, String?) = withLockReleasingRetired { state in
            if state.phase == .alive, let call = takeSharedBatch(claimable, &state) ?? claimable.popFirst() {
                return (call, nil)
            }
            return (nil, runnerEnded(lane: 0, &state))
        }
        if let endReason { die(reason: endReason, restartable: false) }
        return call
    }

    /// The shared lane's calls no runner took yet, in the mailbox and the claimable calls. The
    /// actor's lock held.
    func sharedCallsWaiting(_ state: borrowing State) -> Int {
        guard let claimable else { return 0 }
        return state.lanes[0].mailbox.count + claimable.count
    }

    /// Counts `count` new runners' slots in `lane`. The actor's lock held.
    @inline(__always)
    func claimRunners(_ count: Int, lane: Int, _ state: inout State) {
        state.lanes[lane].running += count
        state.lanes[lane].runners += count
    }

    /// The watch's look at this actor (``StallWatch``): when calls wait now and waited at
    /// the last look (`last`, updated), and none started in between, starts a runner for each
    /// waiting call, as far as the lane's free slots go. Both looks must see calls waiting: a
    /// lane that was idle and has just been given calls has not stalled, it is starting.
    /// False when the lane has no runner left: the watch drops the actor.
    func watchLook(last: inout StallLook) -> Bool {
        guard let claimable else { return false }
        let started = claimable.started
        let stalledSince = started == last.started && last.waited
        let (keep, starts, node, waited): (Bool, Int, Int, Bool) = withMailboxes { state in
            if state.lanes[0].runners == 0 {
                laneWatched.store(false, ordering: .relaxed)
                return (false, 0, 0, false)
            }
            let waiting = sharedCallsWaiting(state)
            guard stalledSince, waiting > 0, state.phase == .alive, let node = state.placement?.node else {
                return (true, 0, 0, waiting > 0)
            }
            let starts = min(waiting, state.lanes[0].limit - state.lanes[0].running)
            guard starts > 0 else { return (true, 0, 0, true) }
            claimRunners(starts, lane: 0, &state)
            return (true, starts, node, true)
        }
        last = StallLook(started: started, waited: waited)
        for _ in 0..<starts { startRunner(on: node) }
        return keep
    }

    /// A runner handed its slot to an async call's `Task` (ActorCore+Async.swift) and is a
    /// runner no more. On a lane with shared batches, when it was the last one and calls wait,
    /// a new runner starts with a slot of its own.
    func runnerHandedOff(lane: Int) {
        let node: Int? = withMailboxes { state in
            state.lanes[lane].runners -= 1
            guard sharesBatches(lane: lane), state.lanes[0].runners == 0, state.phase == .alive,
                state.lanes[0].running < state.lanes[0].limit, sharedCallsWaiting(state) > 0,
                let node = state.placement?.node
            else { return nil }
            claimRunners(1, lane: 0, &state)
            return node
        }
        if let node { startRunner(on: node) }
    }

    /// Moves the claimable calls back to the front of the default mailbox (the actor stops
    /// being alive). The actor's lock held.
    func returnClaimableCalls(_ state: inout State) {
        guard let claimable else { return }
        var calls = FIFO<TaskRecord>()
        claimable.takeAll(into: &calls)
        if !calls.isEmpty { putInFront(&calls, lane: 0, &state) }
    }
}
