/// Calls that run inside Swift `Task`s: every call of an async actor (in a lane worker on its
/// lane's ``ActorEventLoop``, see ActorCore+LaneWorkers.swift), and async calls of a threaded
/// actor (a `Task` each on its domain's ``DomainExecutor``, holding the slot of the runner that
/// took them until they end).
extension ActorCore {
    /// The executor preference of async calls of a threaded actor: its domain's executor.
    func domainPreference(_ domain: Int?) -> any TaskExecutor {
        if let exclusiveThread { return exclusiveThread }
        guard let domain, let preference = try? runtime.executor.domainExecutor(domain) else { return runtime.executor }
        return preference
    }

    /// Runs an async call of a threaded actor (its slot counted) as a Swift `Task` preferring
    /// `preference`; the `Task` frees the slot when the call ends.
    func startCall(_ call: TaskRecord, lane: Int, preference: any TaskExecutor) {
        let handle = Swift.Task(executorPreference: preference) { [self] in
            await runOnTask(call, lane: lane)
            callEnded(lane: lane)
        }
        if call.isAsyncActorCall, call.attach(handle) { handle.cancel() }
    }

    /// What ``run(_:lane:)`` does, inside a Swift `Task` of its own (an async call of a threaded
    /// actor): its arguments are awaited (no thread blocked), then its body runs, async or
    /// sync, an async body with its frame as a task-local value.
    func runOnTask(_ call: TaskRecord, lane: Int) async {
        guard callMayStart(call) else { return }
        if !call.arguments.isEmpty, !(await argumentsArrived(for: call)) { return }
        beginAttempt(call)
        guard call.isAsyncActorCall else {
            runSyncBody(call, lane: lane)
            return
        }
        let run = call.asyncRun
        do {
            try await TaskFrames.$asyncFrame.withValue(frame(of: call)) { try await run(call) }
            call.recordEvent(.finished)
        } catch {
            failed(call, with: error, lane: lane)
        }
    }

    /// Whether `call` may start: false when it was cancelled while queued (it is failed here).
    func callMayStart(_ call: TaskRecord) -> Bool {
        guard call.cancelled.load(ordering: .acquiring) else { return true }
        call.finish(failing: TaskCancelled(taskID: call.taskID, taskName: call.name))
        return false
    }

    /// Awaits the call's arguments, suspended (and only when one is pending: each `await` level
    /// costs executor checks); false when the call was failed instead (an argument failed, the
    /// wait ended by cancellation of the awaiting `Task`, or the call was cancelled meanwhile:
    /// its body must not run).
    @inline(__always)
    nonisolated(nonsending) func argumentsArrived(for call: TaskRecord) async -> Bool {
        if !call.arguments.allSatisfy(\.isComplete) {
            await Self.awaitArguments(call.arguments, store: runtime.store)
        }
        if let error = call.failedArgument() {
            call.finish(failing: error)
            return false
        }
        if call.arguments.contains(where: { !$0.isComplete }) {
            call.finish(failing: TaskCancelled(taskID: call.taskID, taskName: call.name))
            return false
        }
        return callMayStart(call)
    }

    /// Counts an attempt of `call` and records that it started: through `thread`'s writer on a
    /// runner's thread, else through the record (a call in a Swift `Task`).
    @inline(__always)
    func beginAttempt(_ call: TaskRecord, on thread: CallRunnerThread? = nil) {
        call.attempt += 1
        call.taskState.store(.running, ordering: .relaxed)
        if let thread { thread.events?.record(call, .started) } else { call.recordEvent(.started) }
    }

    /// The runtime's identity in the frames of this actor's calls.
    var runtimeID: ObjectIdentifier { ObjectIdentifier(runtime.store) }

    /// The frame of `call` (so `ray.runtimeContext` and `ray.exitActor()` see it).
    func frame(of call: TaskRecord) -> TaskFrames.Frame {
        TaskFrames.Frame(task: call, lease: nil, actor: self, runtime: runtimeID)
    }

    /// A sync call's body with its frame on the thread; a thrown error fails it (or the actor).
    func runSyncBody(_ call: TaskRecord, lane: Int) {
        var held = FIFO<TaskRecord>()
        runSyncBody(call, lane: lane, held: &held, on: CallRunnerThread(shape: callShape))
    }

    /// The same, for a runner that holds the calls behind it (see ``run(_:lane:held:on:)``),
    /// on its thread.
    @inline(__always)
    func runSyncBody(_ call: TaskRecord, lane: Int, held: inout FIFO<TaskRecord>, on thread: CallRunnerThread) {
        do {
            try TaskFrames.running(on: thread.frames, call, lease: nil, actor: self, runtime: runtimeID) {
                try call.runBody()
            }
            thread.events?.record(call, .finished)
        } catch {
            failed(call, with: error, lane: lane, held: &held)
        }
    }

    /// A call's body threw `error` (see ``failed(_:with:lane:held:)``), no call held behind it.
    func failed(_ call: TaskRecord, with error: any Error, lane: Int) {
        var held = FIFO<TaskRecord>()
        failed(call, with: error, lane: lane, held: &held)
    }

    /// Waits, suspended, until every entry is complete (or the awaiting task is cancelled).
    nonisolated(nonsending) static func awaitArguments(_ entries: [AnyObjectRef], store: ObjectStore) async {
        for entry in entries where !entry.isComplete {
            guard await store.awaitCompletion(of: entry) else { return }
        }
    }

    /// An async call of a threaded actor ended: its slot goes to a new runner if the lane has
    /// mail (on a lane with shared batches: and no runner), or is freed; an unnamed actor whose
    /// handles went ends when idle.
    func callEnded(lane: Int) {
        enum Next {
            case runner(Int)
            case end(String)
            case nothing
        }
        let next: Next = withLockReleasingRetired { state in
            if state.phase == .alive, let node = state.placement?.node,
                sharesBatches(lane: lane)
                    ? state.lanes[lane].runners == 0 && sharedCallsWaiting(state) > 0
                    : !state.lanes[lane].mailbox.isEmpty || inboxKeepsSlot(&state, lane: lane)
            {
                state.lanes[lane].runners += 1
                return .runner(node)
            }
            state.lanes[lane].running -= 1
            if state.phase == .alive, state.isIdle, let reason = state.endWhenIdle { return .end(reason) }
            return .nothing
        }
        switch next {
        case .runner(let node): startRunner(on: node, lane: lane)
        case .end(let reason): die(reason: reason, restartable: false)
        case .nothing: break
        }
    }
}
