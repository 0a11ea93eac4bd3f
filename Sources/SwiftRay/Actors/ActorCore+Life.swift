import RayTopology

/// An actor's life: placed by the scheduler, its instance built by its factory on its domain
/// (again after a restart), dead. What the lock guards and how calls read the instance: see
/// ``ActorCore``.
extension ActorCore {
    /// Runs `body` under the actor's lock, the inbox first moved to the default mailbox; when
    /// no lane then holds a slot, the instances
    /// restarts retired (``State/retiredInstances``) go too, released after the lock: no call
    /// can still be running on them. Every place that frees a slot, or makes a new instance
    /// current, takes the lock through here.
    @inline(__always)
    func withLockReleasingRetired<R>(_ body: (inout State) -> R) -> R {
        var unreachable: [AnyObject] = []
        let result = withMailboxes { state in
            let result = body(&state)
            unreachable = state.takeRetiredInstancesIfIdle()
            return result
        }
        unreachable.removeAll()  // here, outside the lock: an instance's deinit is user code
        return result
    }

    /// The scheduler placed the actor: build its instance on its node.
    func placed(_ placement: TaskPlacement) {
        state.withLock { $0.placement = placement }
        if options.exclusiveCores {
            do {
                let thread = try runtime.executor.startExclusiveThread(
                    onPUs: CPUSet(placement.exclusivePUs), domain: placement.node)
                // Under the lock: a kill racing the placement either sees the thread (and stops
                // it) or is seen here.
                let killed: Bool = state.withLock { state in
                    exclusiveThread = thread
                    for loop in loops { loop.exclusiveThread = thread }
                    if case .dead = state.phase { return true }
                    return false
                }
                if killed {
                    thread.stop()
                    return
                }
            } catch {
                die(reason: "its exclusive cores could not be set up: \(error)", restartable: false)
                return
            }
        }
        create(on: placement.node)
    }

    /// Runs the factory on `node` (so its allocations land in that domain's memory), then lets
    /// the queued calls run.
    func create(on node: Int) {
        let job: @Sendable () -> Void = { [self] in
            let built: AnyObject
            do {
                built = try factory()
            } catch {
                die(reason: "its factory threw \(error)", restartable: true)
                return
            }
            for loop in loops { loop.domain.store(node, ordering: .releasing) }
            var starts: [(lane: Int, node: Int)] = []
            // When another restart's factory finished first, that instance stays and `built`
            // goes with this job, after the lock.
            withLockReleasingRetired { state in
                guard state.phase == .pending || state.phase == .restarting else { return }
                if let replaced = state.instance { state.retiredInstances.append(replaced) }
                state.instance = built
                instanceSlot.store(Unmanaged.passUnretained(built), ordering: .releasing)
                state.phase = .alive
                for lane in state.lanes.indices {
                    while let node = claimSlot(&state, lane: lane) {
                        starts.append((lane, node))
                    }
                }
                if usesInbox { inbox.open(runnerActive: state.lanes[0].running > 0) }
            }
            for start in starts { startLane(start.lane, on: start.node) }
        }
        if !submit(ClosureJob(pinnedDomain: node, job), node: node) {
            die(reason: "the runtime is shut down", restartable: false)
        }
    }

    /// Ends the actor (or restarts it when `restartable` and restarts are left): queued calls
    /// fail with `actorDied` (a restart keeps them), its resources and name are released.
    func die(reason: String, restartable: Bool) {
        var failed: [TaskRecord] = []
        var restartNode: Int?
        var released = false
        var exclusive: ExclusiveCoreThread?
        state.withLock { state in
            if case .dead = state.phase { return }
            let limit = options.maxRestarts
            lifeChanges.add(1, ordering: .releasing)
            // Calls no runner started yet go back in front of the mailbox.
            returnClaimableCalls(&state)
            // Calls pushed from now on take the lock, and see the new phase.
            if usesInbox {
                inbox.close(into: &state.lanes[0].mailbox)
                mailboxHint.note(count: state.lanes[0].mailbox.count)
            }
            if restartable, limit == -1 || state.restarts < limit, let node = state.placement?.node {
                state.restarts += 1
                state.phase = .restarting
                restartNode = node
                return
            }
            state.phase = .dead(reason)
            for lane in state.lanes.indices {
                while let call = state.lanes[lane].mailbox.popFirst() { failed.append(call) }
            }
            mailboxHint.note(count: 0)
            released = true
            exclusive = exclusiveThread
        }
        if let restartNode {
            // The instance stays where it is until the new one replaces it: a call that started
            // before this restart still runs on it.
            create(on: restartNode)
            return
        }
        guard released else { return }
        for loop in loops { loop.setPump(nil) }
        exclusive?.stop()
        let error = ActorError.actorDied(actor: displayName, reason: reason)
        for call in failed { call.finish(failing: error) }
        runtime.actorDied(self)
    }
}
