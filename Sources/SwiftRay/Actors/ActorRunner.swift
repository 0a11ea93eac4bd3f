/// The job that runs an actor's calls on its domain: takes calls from the mailbox until it is
/// empty (or the actor stops being alive), yielding its worker after a few hundred when other
/// jobs wait for it. Owned by one queue or one worker at a time, like every ``QueuedJob``.
final class ActorRunner: QueuedJob, @unchecked Sendable {
    let actor: ActorCore
    /// The lane (concurrency group) whose calls it runs.
    let lane: Int

    init(actor: ActorCore, node: Int, lane: Int = 0) {
        self.actor = actor
        self.lane = lane
        super.init(pinnedDomain: node)
    }

    override func execute(by worker: Worker?) {
        var ran = 0
        while let call = actor.tryNextCall(lane: lane)
            ?? (lane == 0 && actor.lingerForMail() ? actor.tryNextCall(lane: lane) : nil)
            ?? actor.nextCall(lane: lane)
        {
            if let asyncCall = call as? AsyncActorCallRecord {
                // Its Swift `Task` takes over this runner's slot; a new runner follows it.
                actor.startCall(asyncCall, lane: lane, preference: actor.domainPreference(pinnedDomain))
                return
            }
            actor.run(call, lane: lane)
            ran += 1
            if ran >= ActorCore.callsPerTurn {
                guard worker?.hasWaitingWork ?? true else {
                    ran = 0  // nobody waits for this worker: the turn goes on
                    continue
                }
                // Let the waiting jobs go first; this runner stays counted.
                if actor.submit(self, node: pinnedDomain ?? 0) { return }
            }
        }
    }
}

extension ActorCore {
    /// Ends the actor once the calls already queued have run (its last handle went).
    func endWhenIdle(reason: String) {
        let endNow: Bool = state.withLock { state in
            state.endWhenIdle = reason
            return state.isIdle && state.phase == .alive
        }
        if endNow { die(reason: reason, restartable: false) }
    }
}
