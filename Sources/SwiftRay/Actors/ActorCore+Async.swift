/// Calls that run as Swift `Task`s: every call of an async actor (on its lane's
/// ``ActorEventLoop``), and async calls of a threaded actor (on its domain's
/// ``DomainExecutor``, holding the slot of the runner that took them until they end).
extension ActorCore {
    /// The executor preference of async calls of a threaded actor: its domain's executor.
    func domainPreference(_ domain: Int?) -> any TaskExecutor {
        if let exclusiveThread { return exclusiveThread }
        guard let domain, let preference = try? runtime.executor.domainExecutor(domain) else { return runtime.executor }
        return preference
    }

    /// Starts the calls queued in `lane` while it has free slots, in mailbox order. Runs on the
    /// lane's event loop only (so the calls' Swift `Task`s reach the loop in that order).
    func pump(lane: Int) {
        while true {
            let call: TaskRecord? = state.withLock { state in
                guard state.phase == .alive, state.lanes[lane].running < state.lanes[lane].limit,
                      let call = state.lanes[lane].mailbox.popFirst()
                else { return nil }
                state.lanes[lane].running += 1
                if lane == 0 { mailboxHint.note(count: state.lanes[0].mailbox.count) }
                return call
            }
            guard let call else { return }
            startCall(call, lane: lane, preference: loops[lane])
        }
    }

    /// Runs `call` (its slot counted) as a Swift `Task` preferring `preference`; the `Task`
    /// frees the slot when the call ends.
    func startCall(_ call: TaskRecord, lane: Int, preference: any TaskExecutor) {
        let handle = Swift.Task(executorPreference: preference) { [self] in
            await runOnTask(call, lane: lane)
            callEnded(lane: lane)
        }
        (call as? AsyncActorCallRecord)?.attach(handle)
    }

    /// What ``run(_:lane:)`` does, inside the call's Swift `Task`: its arguments are awaited
    /// (no thread blocked), then its body runs, async or sync.
    private func runOnTask(_ call: TaskRecord, lane: Int) async {
        if call.cancelled.load(ordering: .acquiring) {
            call.finish(failing: TaskCancelled(taskID: call.id, taskName: call.name))
            return
        }
        if !call.arguments.isEmpty {
            await Self.awaitArguments(call.arguments, store: runtime.store)
            if let error = call.failedArgument() {
                call.finish(failing: error)
                return
            }
            if call.arguments.contains(where: { !$0.isComplete }) {
                call.finish(failing: TaskCancelled(taskID: call.id, taskName: call.name))
                return
            }
        }
        call.attempt += 1
        call.state.store(.running, ordering: .relaxed)
        call.recordEvent(.started)
        do {
            if let asyncCall = call as? AsyncActorCallRecord {
                let frame = TaskFrames.Frame(task: call, lease: nil, actor: self, runtime: ObjectIdentifier(runtime.store))
                try await TaskFrames.$asyncFrame.withValue(frame) { try await asyncCall.runAsyncBody() }
            } else {
                try runSyncBody(call)
            }
            call.recordEvent(.finished)
        } catch {
            failed(call, with: error, lane: lane)
        }
    }

    /// A sync call's body, with its frame (so `ray.runtimeContext` and `ray.exitActor()` see it).
    private func runSyncBody(_ call: TaskRecord) throws {
        let frames = TaskFrames.current
        frames.push(.init(task: call, lease: nil, actor: self, runtime: ObjectIdentifier(runtime.store)))
        defer { frames.pop() }
        try call.runBody()
    }

    /// Waits, suspended, until every entry is complete (or the awaiting task is cancelled).
    static func awaitArguments(_ entries: [AnyObjectRef], store: ObjectStore) async {
        for entry in entries where !entry.isComplete {
            guard await store.awaitCompletion(of: entry) else { return }
        }
    }

    /// A call run by a Swift `Task` ended: its slot goes to the next queued call of its lane (a
    /// new runner, or the event loop's pump), or is freed; an unnamed actor whose handles went
    /// ends when idle.
    func callEnded(lane: Int) {
        enum Next {
            case runner(Int)
            case pump
            case end(String)
            case nothing
        }
        let next: Next = state.withLock { state in
            let hasMail = state.phase == .alive && !state.lanes[lane].mailbox.isEmpty
            if hasMail, !isAsync, let node = state.placement?.node { return .runner(node) }
            state.lanes[lane].running -= 1
            if hasMail { return .pump }
            if state.phase == .alive, state.isIdle, let reason = state.endWhenIdle { return .end(reason) }
            return .nothing
        }
        switch next {
        case .runner(let node): startRunner(on: node, lane: lane)
        case .pump: loops[lane].requestPump()
        case .end(let reason): die(reason: reason, restartable: false)
        case .nothing: break
        }
    }
}

/// A call of an actor whose body is async: run by ``ActorCore`` as a Swift `Task` (see
/// ActorCore+Async.swift). Cancelling it cancels that `Task`. Thread safety as for
/// ``TaskRecord``; the running `Task`'s handle is under a lock.
class AsyncActorCallRecord: TaskRecord, @unchecked Sendable {
    /// The Swift `Task` running it, once started.
    private let running = SpinLocked<Swift.Task<Void, Never>?>(nil)

    /// Runs the body once and stores what it returns; throws what the body throws.
    func runAsyncBody() async throws {}

    /// Records the `Task` that runs the call (cancelled at once if the call was).
    func attach(_ handle: Swift.Task<Void, Never>) {
        // Published under the lock before the flag is read: a cancel either sees the handle or
        // set the flag before this read (it sets the flag, then takes the same lock).
        let cancelNow = running.withLock { slot in
            slot = handle
            return cancelled.load(ordering: .acquiring)
        }
        if cancelNow { handle.cancel() }
    }

    override func cancellationRequested() {
        running.withLock { $0 }?.cancel()
    }
}

/// An async actor call with one return object of type `Result`; holds its return ref until it
/// delivers or fails, like ``SingleReturnTask``. Thread safety as for
/// ``TaskRecord``: the output is touched by one thread at a time (the submitter, then the
/// call's `Task`, or the actor failing it while it is queued).
final class AsyncActorCall<Result: Sendable>: AsyncActorCallRecord, @unchecked Sendable {
    private let body: @Sendable () async throws -> Result
    private var output: TaskOutput<Result>

    init(
        id: TaskID, shape: TaskShape, arguments: [AnyObjectRef], output: ObjectRef<Result>,
        body: @escaping @Sendable () async throws -> Result
    ) {
        self.body = body
        self.output = TaskOutput(output)
        super.init(id: id, shape: shape, arguments: arguments)
    }

    override func runAsyncBody() async throws { try deliver(try await body(), into: &output) }

    override func failReturns(with error: any Error) { output.fail(with: error) }

    override var returnIDs: [ObjectID] { [output.id] }
}
