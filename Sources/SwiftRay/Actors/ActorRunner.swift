/// The job that runs an actor's calls on its domain: takes calls from the mailbox until it is
/// empty (or the actor stops being alive), yielding its worker at the end of a turn when other
/// jobs wait for it (RunnerTurn.swift). On a lane that runs one call at a time it takes all
/// queued calls at once and runs them from its own queue (ActorCore+Batches.swift); a threaded
/// actor's default lane takes them in batches that all its runners share
/// (ActorCore+SharedBatches.swift). Owned by one queue or one worker at a time, like every
/// ``QueuedJob``.
final class ActorRunner: QueuedJob, @unchecked Sendable {
    let actor: ActorCore
    /// The lane (concurrency group) whose calls it runs.
    let lane: Int

    init(actor: ActorCore, node: Int, lane: Int = 0) {
        self.actor = actor
        self.lane = lane
        super.init(pinnedDomain: node)
    }

    /// Calls taken from the mailbox in one batch, with ``ActorCore/lifeChanges`` as it was then.
    private struct Held {
        var calls = FIFO<TaskRecord>()
        var lifeChanges: UInt32 = 0
        /// Whether the next batch is gathered (``ActorCore/gathersAfter(batchOf:)``).
        var gathers = false
    }

    override func execute(by worker: Worker?) {
        // Counted, not flagged: a runner that requeues itself or ends may still be returning
        // here while the next one starts.
        let countsRunning = lane == 0 && actor.usesInbox
        if countsRunning { actor.defaultRunnersRunning.wrappingAdd(1, ordering: .relaxed) }
        defer { if countsRunning { actor.defaultRunnersRunning.wrappingSubtract(1, ordering: .relaxed) } }
        var held = Held()
        var turn = RunnerTurn()
        var thread: CallRunnerThread? = nil
        if actor.sharesBatches(lane: lane) { actor.ensureWatched() }
        while let call = nextCall(&held, by: worker) {
            if call.isAsyncActorCall {
                // Its Swift `Task` takes over this runner's slot; a new runner follows it.
                actor.returnCalls(&held.calls, lane: lane)
                actor.runnerHandedOff(lane: lane)
                actor.startCall(call, lane: lane, preference: actor.domainPreference(pinnedDomain))
                return
            }
            if thread == nil {
                thread = CallRunnerThread(shape: actor.callShape)
                // The turn counts from the first call: taking the first batch may have drained
                // thousands of calls pushed while the runner's job waited (ActorInbox.swift).
                turn = RunnerTurn()
            }
            actor.run(call, lane: lane, held: &held.calls, on: thread.unsafelyUnwrapped)
            if turn.isOver(after: worker) {
                // Let the waiting jobs go first; this runner stays counted.
                actor.returnCalls(&held.calls, lane: lane)
                if actor.submit(self, node: pinnedDomain ?? 0) { return }
                turn = RunnerTurn()  // the runtime is shut down: it goes on
            }
        }
    }

    /// The next call: a held one while the actor's life has not changed, else from the
    /// mailbox (a batch when the lane takes batches), waiting a moment for mail on the default
    /// lane; nil when there is none (the runner then ends, uncounted).
    private func nextCall(_ held: inout Held, by worker: Worker?) -> TaskRecord? {
        if let claimable = actor.claimable, lane == 0 { return nextSharedCall(claimable, &held, by: worker) }
        if !held.calls.isEmpty {
            if actor.lifeChanges.load(ordering: .acquiring) == held.lifeChanges, let call = held.calls.popFirst() {
                actor.heldCalls[lane].set(held.calls.count)
                return call
            }
            actor.returnCalls(&held.calls, lane: lane)
        }
        if lane == 0, held.gathers, actor.mailSeemsQueued { ActorCore.gather(by: worker) }
        if let call = takeCall(&held) {
            held.gathers = ActorCore.gathersAfter(batchOf: held.calls.count + 1)
            return call
        }
        held.gathers = false
        if lane == 0, actor.mailLinger.wait(by: worker, mailSeemsQueued: { actor.mailSeemsQueued }), let call = takeCall(&held) { return call }
        return actor.nextCall(lane: lane)
    }

    /// ``nextCall(_:by:)`` on a lane with shared batches: a claimable call, else the mailbox
    /// as a batch (gathered as an ordered lane's), waiting a moment for mail; nil when there
    /// is none (the runner then ends, uncounted).
    private func nextSharedCall(_ claimable: ClaimableCalls, _ held: inout Held, by worker: Worker?) -> TaskRecord? {
        if let call = claimable.popFirst() { return call }
        if held.gathers, actor.mailboxHint.seemsNonEmpty { ActorCore.gather(by: worker) }
        if let (call, count) = actor.takeSharedBatch() {
            held.gathers = ActorCore.gathersAfter(batchOf: count)
            return call
        }
        held.gathers = false
        if actor.mailLinger.wait(by: worker, mailSeemsQueued: { actor.mailboxHint.seemsNonEmpty }),
            let (call, _) = actor.takeSharedBatch()
        {
            return call
        }
        return actor.nextSharedCall()
    }

    /// A call from the mailbox now, if there is one (a batch's first when the lane takes them).
    private func takeCall(_ held: inout Held) -> TaskRecord? {
        guard actor.batchedLanes[lane] else { return actor.tryNextCall(lane: lane) }
        guard let lifeChanges = actor.takeQueuedCalls(lane: lane, into: &held.calls) else { return nil }
        held.lifeChanges = lifeChanges
        let call = held.calls.popFirst()
        actor.heldCalls[lane].set(held.calls.count)
        return call
    }
}

extension ActorCore {
    /// The next call for a runner if there is one now (the runner stays counted).
    func tryNextCall(lane: Int = 0) -> TaskRecord? {
        withMailboxes { state in
            guard state.phase == .alive, let call = state.lanes[lane].mailbox.popFirst() else { return nil }
            if lane == 0 { mailboxHint.note(count: state.lanes[0].mailbox.count) }
            return call
        }
    }

    /// The next call for a runner, or nil (the runner then ends, uncounted).
    func nextCall(lane: Int = 0) -> TaskRecord? {
        let (call, endReason): (TaskRecord?, String?) = withLockReleasingRetired { state in
            if state.phase == .alive, !state.lanes[lane].mailbox.isEmpty || inboxKeepsSlot(&state, lane: lane),
                let call = state.lanes[lane].mailbox.popFirst()
            {
                if lane == 0 { mailboxHint.note(count: state.lanes[0].mailbox.count) }
                return (call, nil)
            }
            return (nil, runnerEnded(lane: lane, &state))
        }
        if let endReason { die(reason: endReason, restartable: false) }
        return call
    }

    /// A runner of `lane` found nothing to run and ends: its slot is freed. Returns why the
    /// actor must now end (its last handle went and it is idle), else nil; the caller calls
    /// ``die(reason:restartable:)`` with it after the lock. The actor's lock held.
    func runnerEnded(lane: Int, _ state: inout State) -> String? {
        state.lanes[lane].running -= 1
        state.lanes[lane].runners -= 1
        return state.isIdle && state.phase == .alive ? state.endWhenIdle : nil
    }

    /// Ends the actor once the calls already queued have run (its last handle went).
    func endWhenIdle(reason: String) {
        let endNow: Bool = withMailboxes { state in
            state.endWhenIdle = reason
            return state.isIdle && state.phase == .alive
        }
        if endNow { die(reason: reason, restartable: false) }
    }
}
