import Synchronization

/// The bridge between the scheduler's decisions and the executor's workers: it owns the
/// ``ClusterScheduler`` (under one lock), asks it for leases on behalf of ``LeaseQueue``s, starts
/// a ``LeaseRunner`` on the granted node, gives leases back, and carries out what each
/// `schedulePending()` pass decides (leases granted, requests failed).
/// It also runs each task on its lease: cancellation, retries, errors, frames.
///
/// Lock order: the scheduler lock may be taken while holding nothing; a lease queue's lock is
/// never held while calling in here. Nothing runs user code under a lock.
///
/// Thread-safe.
final class TaskDispatcher: @unchecked Sendable {
    /// Everything guarded by the scheduler lock. Not thread-safe by itself.
    struct State {
        var scheduler: ClusterScheduler
        /// Lease requests waiting in the scheduler, by lease id.
        var pendingRequests: [TaskID: LeaseQueue] = [:]
        /// Leases granted and not given back.
        var leases: [TaskID: Lease] = [:]
        var nextLeaseID: UInt64 = 1 << 62
        var closed = false
        /// Actors placed and alive (or restarting), by id.
        var actors: [TaskID: ActorCore] = [:]
        /// Actors waiting for the scheduler to place them.
        var pendingActors: [TaskID: ActorCore] = [:]
        /// The readiness refs of groups not created yet (fulfilled when they are).
        var groupReadyRefs: [PlacementGroupID: ObjectRef<Bool>] = [:]
        /// The readiness ref of every live group (lookup by name hands it out).
        var groupRefs: [PlacementGroupID: ObjectRef<Bool>] = [:]
    }

    /// What to do once the lock is released.
    struct Actions {
        var start: [Lease] = []
        var created: [ObjectRef<Bool>] = []
        var placedActors: [(ActorCore, TaskPlacement)] = []
        var deadActors: [(ActorCore, String)] = []
        /// Requests that ended without a lease: the scheduler's reason, or nil for shutdown.
        var failed: [(LeaseQueue, SchedulingError?)] = []
    }

    let state: Locked<State>
    unowned(unsafe) let executor: WorkStealingExecutor
    let runtimeID: ObjectIdentifier
    let nodeCount: Int
    /// The most leases one queue may hold: the workers there are.
    let leaseLimit: Int

    /// The runtime's task events (nil: not recorded).
    let events: TaskEventLog?
    /// Looks at queues with a running lease, for tasks stuck behind a long one (LeaseDemand.swift).
    let stallWatch: StallWatch

    init(
        scheduler: ClusterScheduler, executor: WorkStealingExecutor, runtimeID: ObjectIdentifier,
        events: TaskEventLog?, stallWatch: StallWatch
    ) {
        self.events = events
        self.stallWatch = stallWatch
        state = Locked(State(scheduler: scheduler))
        self.executor = executor
        self.runtimeID = runtimeID
        nodeCount = executor.topology.domains.count
        leaseLimit = max(1, executor.workerCounts.reduce(0, +))
    }

    // MARK: Shapes

    /// The shape of a function with `options`: validated, interned, with its queues.
    func shape(for options: TaskOptions) throws(RuntimeError) -> TaskShape {
        try options.validate()
        let resources = try options.resourceSet()
        let result: Swift.Result<TaskShape, RuntimeError> = state.withLock { state in
            if state.closed { return .failure(.shutDown) }
            let shape = TaskShape(
                options: options,
                request: SchedulingRequest(
                    resources: state.scheduler.resourceRequest(for: resources),
                    strategy: options.schedulingStrategy ?? .default),
                nodeCount: nodeCount, leaseLimit: leaseLimit, events: events)
            return .success(shape)
        }
        return try result.get()
    }

    // MARK: Leases

    /// Asks the scheduler for a lease for `queue` (the queue said it wants one).
    func requestLease(for queue: LeaseQueue) {
        var actions = Actions()
        state.withLock { state in
            if state.closed {
                actions.failed.append((queue, nil))
                return
            }
            let id = TaskID(state.nextLeaseID)
            state.nextLeaseID += 1
            let hints = SchedulingHints(callerNode: queue.preferredNode)
            let outcome: SubmitOutcome
            do {
                outcome = try state.scheduler.submit(id, queue.shape.request, hints: hints)
            } catch {
                actions.failed.append((queue, error as? SchedulingError ?? .invalidStrategy(reason: "\(error)")))
                return
            }
            switch outcome {
            case let .scheduled(placement):
                actions.start.append(Self.grant(placement, to: queue, in: &state))
            case .waiting, .infeasible:
                state.pendingRequests[id] = queue
            case let .unschedulable(error):
                actions.failed.append((queue, error))
            }
        }
        perform(actions)
    }

    /// Gives a lease back (its queue is empty) and starts what that frees.
    func returnLease(_ lease: Lease) {
        var actions = Actions()
        state.withLock { state in
            state.leases[lease.id] = nil
            state.scheduler.release(lease.id)
            collect(state.scheduler.schedulePending(), into: &actions, state: &state)
        }
        perform(actions)
    }

    /// Queues a runner that used up its turn behind the other jobs of its node.
    func continueLater(_ runner: LeaseRunner) {
        if executor.trySubmit(runner, toDomain: runner.lease.node) != nil {
            // The executor stopped: fail what is left and give the lease back.
            repeat {
                for task in runner.lease.queue.drain() { task.finish(failing: RuntimeError.shutDown) }
            } while !runner.lease.queue.runnerWantsToStop()
            returnLease(runner.lease)
        }
    }

    private static func grant(_ placement: TaskPlacement, to queue: LeaseQueue, in state: inout State) -> Lease {
        let assigned = state.scheduler.assignedResources(of: placement.task) ?? ResourceSet()
        let lease = Lease(id: placement.task, queue: queue, placement: placement, assignedResources: assigned)
        state.leases[lease.id] = lease
        return lease
    }

    func collect(_ update: SchedulingUpdate, into actions: inout Actions, state: inout State) {
        guard !update.isEmpty else { return }
        for placement in update.scheduled {
            if let actor = state.pendingActors.removeValue(forKey: placement.task) {
                state.actors[actor.id] = actor
                actions.placedActors.append((actor, placement))
                continue
            }
            guard let queue = state.pendingRequests.removeValue(forKey: placement.task) else { continue }
            actions.start.append(Self.grant(placement, to: queue, in: &state))
        }
        for failure in update.failed {
            if let actor = state.pendingActors.removeValue(forKey: failure.task) {
                actions.deadActors.append((actor, "it cannot be placed: \(failure.error)"))
                continue
            }
            guard let queue = state.pendingRequests.removeValue(forKey: failure.task) else { continue }
            actions.failed.append((queue, failure.error))
        }
        for group in update.createdPlacementGroups {
            if let ready = state.groupReadyRefs.removeValue(forKey: group) { actions.created.append(ready) }
        }
    }

    func perform(_ actions: Actions) {
        for ready in actions.created { try? ready.store.fulfil(ready, with: true) }
        for (queue, error) in actions.failed {
            for task in queue.leaseRequestFailed() {
                if let error {
                    task.finish(failing: TaskUnschedulable(taskName: task.name, reason: error))
                } else {
                    task.finish(failing: ObjectStoreError.shutDown)
                }
            }
        }
        for lease in actions.start { start(lease) }
        for (actor, placement) in actions.placedActors { actor.placed(placement) }
        for (actor, reason) in actions.deadActors { actor.die(reason: reason, restartable: false) }
    }

    private func start(_ lease: Lease) {
        let (wantsLease, watchFrom) = lease.queue.leaseGranted()
        if let watchFrom { watch(lease.queue, startedSoFar: watchFrom) }
        if wantsLease { requestLease(for: lease.queue) }
        continueLater(LeaseRunner(lease: lease, dispatcher: self))
    }

    /// Has the ``StallWatch`` look at `queue`, whose runners took `started` tasks so far.
    private func watch(_ queue: LeaseQueue, startedSoFar started: UInt) {
        stallWatch.watch(LeaseQueueWatch(queue: queue, dispatcher: self), started: started)
    }

    // MARK: Blocked waits

    /// The task on `lease` blocks in a get or wait: its CPUs go back to the node and its queue
    /// may get another lease, so that what it waits for can run.
    func beginBlockedWait(on lease: Lease) {
        var actions = Actions()
        state.withLock { state in
            _ = try? state.scheduler.releaseForBlockedWait(lease.id)
            collect(state.scheduler.schedulePending(), into: &actions, state: &state)
        }
        perform(actions)
        if lease.queue.runnerBlocked() { requestLease(for: lease.queue) }
    }

    /// The blocked task takes its CPUs back and resumes at once, overcommitting its node when
    /// they were taken meanwhile (Ray's rule; see ``ClusterScheduler/reacquireAfterWait(_:)``:
    /// a task that waited here could be stuck behind the very work its worker runs while it
    /// waits, holding what that work needs).
    func endBlockedWait(on lease: Lease) {
        state.withLock { state in _ = try? state.scheduler.reacquireAfterWait(lease.id) }
        if let watchFrom = lease.queue.runnerResumed() { watch(lease.queue, startedSoFar: watchFrom) }
    }

    // MARK: Running a task

    /// Runs one task on `lease`: skips a cancelled one, retries as its options allow, and fails
    /// its refs with what it threw.
    @inline(__always)
    func run(_ task: TaskRecord, on lease: Lease, thread: CallRunnerThread) {
        if lease.isRevoked, let group = lease.placement.bundle?.group {
            task.finish(failing: TaskUnschedulable(taskName: task.name, reason: .placementGroupRemoved(group)))
            return
        }
        if task.cancelled.load(ordering: .acquiring) {
            task.finish(failing: TaskCancelled(taskID: task.taskID, taskName: task.name))
            return
        }
        task.attempt += 1
        task.taskState.store(.running, ordering: .relaxed)
        thread.events?.record(task, .started)
        do {
            try TaskFrames.running(on: thread.frames, task, lease: lease, actor: nil, runtime: runtimeID) {
                try task.runBody()
            }
            thread.events?.record(task, .finished)
        } catch {
            if task.cancelled.load(ordering: .acquiring) {
                task.finish(failing: TaskCancelled(taskID: task.taskID, taskName: task.name))
            } else if task.mayRetry(after: error) {
                task.taskState.store(.pendingNodeAssignment, ordering: .relaxed)
                task.recordEvent(.failed, error: error)
                task.recordEvent(.queued)
                if lease.queue.push(task) { requestLease(for: lease.queue) }
            } else {
                task.finish(failing: error)
            }
        }
    }

    // MARK: Shutdown

    /// Refuses new leases; ends every actor; queued tasks are failed by the store's shutdown
    /// (their return objects fail with `shutDown`, which wakes every get) and let go with their
    /// function. (Shapes are not tracked here: a weak reference would give every shape a side
    /// table, and every task's retain of its shape would take the slow path.)
    func shutdown() {
        let (queues, actors): ([LeaseQueue], [ActorCore]) = state.withLock { state in
            state.closed = true
            state.groupReadyRefs = [:]
            state.groupRefs = [:]
            let actors = Array(state.actors.values) + Array(state.pendingActors.values)
            let queues = Array(state.pendingRequests.values) + state.leases.values.map(\.queue)
            return (queues, actors)
        }
        for actor in actors { actor.die(reason: "the runtime is shut down", restartable: false) }
        for queue in queues {
            for task in queue.drain() { task.finish(failing: ObjectStoreError.shutDown) }
        }
    }

    /// The scheduler's view, read under the lock.
    func withScheduler<R>(_ body: (inout ClusterScheduler) -> R) -> R {
        state.withLock { body(&$0.scheduler) }
    }
}

/// A lease queue as the ``StallWatch`` sees it: its look asks the dispatcher for the lease the
/// queue wants. Immutable; thread-safe.
private final class LeaseQueueWatch: StallWatched {
    let queue: LeaseQueue
    /// Unretained: the dispatcher outlives the watch's entries (the runtime closes the watch
    /// when it shuts down).
    unowned(unsafe) let dispatcher: TaskDispatcher

    init(queue: LeaseQueue, dispatcher: TaskDispatcher) {
        self.queue = queue
        self.dispatcher = dispatcher
    }

    func watchLook(last: inout StallLook) -> Bool {
        let (keep, wantsLease) = queue.stallLook(last: &last)
        if wantsLease { dispatcher.requestLease(for: queue) }
        return keep
    }
}
