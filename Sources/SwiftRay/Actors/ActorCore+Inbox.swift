/// The default lane's inbox: how calls are pushed into it, how the runner it needs is started,
/// and how lock holders move it into the mailbox (the protocol: ActorInbox.swift).
extension ActorCore {
    /// Pushes a call for the default lane into the inbox, starting the lane's runner when the
    /// push was the first since the lane went idle. True when queued (`call` is then nil);
    /// false when the inbox is closed (the actor is not alive): `call` is unchanged, with its
    /// queued event recorded, for the locked path.
    @inline(__always)
    func pushToInbox(_ call: inout TaskRecord?) -> Bool {
        markQueued(&call)  // before the push: after it the call may have run and gone
        switch inbox.push(&call) {
        case .queued:
            return true
        case .queuedFirst:
            claimInboxRunner()
            return true
        case .closed:
            return false
        }
    }

    /// Called by the caller whose push set the inbox's `scheduled` flag: moves the inbox to the
    /// mailbox and starts a runner as a locked caller would. When none may start (a runner
    /// already holds the slot, or the actor stopped being alive), the flag stays with that
    /// runner, or is let go if the lane has none.
    func claimInboxRunner() {
        let node: Int? = state.withLock { state in
            while true {
                drainInbox(&state)
                if let node = claimSlot(&state, lane: 0) { return node }
                if state.lanes[0].running > 0 || inbox.unscheduleIfEmpty() { return nil }
            }
        }
        if let node {
            mailLinger.runnerStarting()
            startRunner(on: node)
        }
    }

    /// Whether the default lane seems to have mail, in its mailbox or its inbox (a hint for a
    /// runner waiting a moment for mail).
    @inline(__always)
    var mailSeemsQueued: Bool { mailboxHint.seemsNonEmpty || inbox.seemsNonEmpty }

    /// Runs `body` under the actor's lock, the inbox first moved to the back of the default
    /// mailbox. Every critical section that reads or changes a mailbox takes the lock through
    /// here (a caller's queueing drains in ``queue(_:in:lane:eventRecorded:)``, which the
    /// one-try lock shares), so one caller's calls keep their order across inbox and lock.
    @inline(__always)
    func withMailboxes<R>(_ body: (inout State) -> R) -> R {
        state.withLock { state in
            drainInbox(&state)
            return body(&state)
        }
    }

    /// Moves the calls pushed into the inbox to the back of the default mailbox. Lock held.
    /// A load when the inbox is empty or unused.
    @inline(__always)
    func drainInbox(_ state: inout State) {
        guard usesInbox, inbox.seemsNonEmpty else { return }
        inbox.drain(into: &state.lanes[0].mailbox)
        mailboxHint.note(count: state.lanes[0].mailbox.count)
    }

    /// For the holder of `lane`'s slot, whose mailbox is empty, before it frees the slot:
    /// whether calls were pushed into the inbox since the last drain (they are now in the
    /// mailbox, and the holder must go on); else the inbox's `scheduled` flag is let go, so that
    /// the next push starts a runner. False for a lane without an inbox. Lock held.
    func inboxKeepsSlot(_ state: inout State, lane: Int) -> Bool {
        guard lane == 0, usesInbox, !inbox.unscheduleIfEmpty() else { return false }
        drainInbox(&state)
        return true
    }
}
