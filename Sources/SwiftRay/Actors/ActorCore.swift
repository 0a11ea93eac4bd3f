import Glibc
import Synchronization

/// One actor: its options, factory and instance, its mailbox of calls, and its life (placed by
/// the scheduler, created by its factory on its domain, alive, restarting, dead). Calls are
/// ``TaskRecord``s whose body reads the instance; they run on the actor's domain by
/// ``ActorRunner`` jobs, at most `maxConcurrency` at once, in mailbox (submission) order.
///
/// Thread safety: the life, the mailbox and the runner count are under one lock; the instance is
/// written by the factory job before the actor becomes alive (published by that lock) and read
/// by runners only while it is alive. With `maxConcurrency > 1` calls run in parallel on the
/// same instance, as in Ray's threaded actors: the instance must then be thread-safe itself.
final class ActorCore: @unchecked Sendable {
    /// Where the actor is in its life.
    enum Phase: Equatable {
        /// Waiting for the scheduler to place it (or for its factory to run).
        case pending
        /// Its instance exists; calls run.
        case alive
        /// Its factory is building a new instance after a fatal error.
        case restarting
        /// Gone for good; calls fail with `ActorError.actorDied` and this reason.
        case dead(String)
    }

    /// The guarded state. Not thread-safe by itself.
    struct State {
        var phase = Phase.pending
        var mailbox = FIFO<TaskRecord>()
        /// Runner jobs queued or running.
        var runners = 0
        var restarts = 0
        var placement: TaskPlacement?
        /// Set when the last handle of an unnamed actor went: it ends once its mailbox is empty.
        var endWhenIdle: String?
    }

    /// The scheduler's id for the actor (its creation task), and the actor's id.
    let id: TaskID
    /// The class name and id, for errors and the state API (`Counter(actor-12)`).
    let displayName: String
    let options: ActorOptions
    let request: SchedulingRequest
    /// The shape its calls carry (their retries: `maxTaskRetries`).
    let callShape: TaskShape
    let factory: @Sendable () throws -> AnyObject
    unowned(unsafe) let runtime: RayRuntime
    let state = Locked(State())
    /// The mailbox's length, written under the lock, read without it by a runner that waits a
    /// moment for the next call before it stops.
    let mailboxHint = Atomic<Int>(0)
    /// The instance; see the type's thread-safety note.
    nonisolated(unsafe) var instance: AnyObject?
    /// The instance's type, set once before the handle is returned (lookup by name checks it).
    nonisolated(unsafe) var factoryType: ObjectIdentifier?
    /// Calls run at once when an actor is idle; a runner yields its worker after this many.
    static let callsPerTurn = 256

    init(
        id: TaskID, displayName: String, options: ActorOptions, request: SchedulingRequest, callShape: TaskShape,
        runtime: RayRuntime, factory: @escaping @Sendable () throws -> AnyObject
    ) {
        self.id = id
        self.displayName = displayName
        self.options = options
        self.request = request
        self.callShape = callShape
        self.runtime = runtime
        self.factory = factory
    }

    var phase: Phase { state.withLock { $0.phase } }

    var node: Int? { state.withLock { $0.placement?.node } }

    // MARK: Calls

    /// Queues a call; starts a runner when the actor is alive and below its concurrency. Throws
    /// when the actor is dead or has `maxPendingCalls` queued.
    func enqueue(_ call: TaskRecord) throws(ActorError) {
        let outcome: Swift.Result<Int?, ActorError> = state.withLock { state in
            if case let .dead(reason) = state.phase { return .failure(.actorDied(actor: displayName, reason: reason)) }
            if options.maxPendingCalls > 0, state.mailbox.count >= options.maxPendingCalls {
                return .failure(.tooManyPendingCalls(actor: displayName, limit: options.maxPendingCalls))
            }
            call.state.store(.pendingNodeAssignment, ordering: .relaxed)
            call.shape.events?.record(call, .queued)
            state.mailbox.append(call)
            mailboxHint.store(state.mailbox.count, ordering: .relaxed)
            return .success(Self.claimRunner(&state, limit: options.maxConcurrency))
        }
        if let node = try outcome.get() { startRunner(on: node) }
    }

    /// A runner may start: the actor is alive, has mail and fewer runners than its limit.
    /// Returns the node to run on, counting the runner.
    private static func claimRunner(_ state: inout State, limit: Int) -> Int? {
        guard state.phase == .alive, !state.mailbox.isEmpty, state.runners < limit, let node = state.placement?.node
        else { return nil }
        state.runners += 1
        return node
    }

    func startRunner(on node: Int) {
        if runtime.executor.trySubmit(ActorRunner(actor: self, node: node), toDomain: node) != nil {
            die(reason: "the runtime is shut down", restartable: false)
        }
    }

    /// The next call for a runner if there is one now (the runner stays counted).
    func tryNextCall() -> TaskRecord? {
        state.withLock { state in
            guard state.phase == .alive, let call = state.mailbox.popFirst() else { return nil }
            mailboxHint.store(state.mailbox.count, ordering: .relaxed)
            return call
        }
    }

    /// Waits briefly (spinning, then yielding) for a call to arrive; whether one seems to have.
    /// A caller that makes one call after another would otherwise pay a worker wake-up per call.
    func lingerForMail() -> Bool {
        let deadline = MonotonicClock.nanoseconds &+ LeaseRunner.lingerSpinNanoseconds
        repeat {
            if mailboxHint.load(ordering: .relaxed) > 0 { return true }
        } while MonotonicClock.nanoseconds < deadline
        for _ in 0..<LeaseRunner.lingerYields {
            sched_yield()
            if mailboxHint.load(ordering: .relaxed) > 0 { return true }
        }
        return false
    }

    /// The next call for a runner, or nil (the runner then ends, uncounted).
    func nextCall() -> TaskRecord? {
        let (call, endReason): (TaskRecord?, String?) = state.withLock { state in
            if state.phase == .alive, let call = state.mailbox.popFirst() {
                mailboxHint.store(state.mailbox.count, ordering: .relaxed)
                return (call, nil)
            }
            state.runners -= 1
            let idle = state.runners == 0 && state.phase == .alive
            return (nil, idle ? state.endWhenIdle : nil)
        }
        if let endReason { die(reason: endReason, restartable: false) }
        return call
    }

    // MARK: Life

    /// The scheduler placed the actor: build its instance on its node.
    func placed(_ placement: TaskPlacement) {
        state.withLock { $0.placement = placement }
        create(on: placement.node)
    }

    /// Runs the factory on `node` (so its allocations land in that domain's memory), then lets
    /// the queued calls run.
    private func create(on node: Int) {
        let job: @Sendable () -> Void = { [self] in
            let built: AnyObject
            do {
                built = try factory()
            } catch {
                die(reason: "its factory threw \(error)", restartable: true)
                return
            }
            instance = built
            var runners: [Int] = []
            state.withLock { state in
                guard state.phase == .pending || state.phase == .restarting else { return }
                state.phase = .alive
                while let node = Self.claimRunner(&state, limit: options.maxConcurrency) { runners.append(node) }
            }
            for node in runners { startRunner(on: node) }
        }
        do {
            try runtime.executor.submit(toDomain: node, pinned: true, job)
        } catch {
            die(reason: "the runtime is shut down", restartable: false)
        }
    }

    /// Ends the actor (or restarts it when `restartable` and restarts are left): queued calls
    /// fail with `actorDied` (a restart keeps them), its resources and name are released.
    func die(reason: String, restartable: Bool) {
        var failed: [TaskRecord] = []
        var restartNode: Int?
        var released = false
        state.withLock { state in
            if case .dead = state.phase { return }
            let limit = options.maxRestarts
            if restartable, limit == -1 || state.restarts < limit, let node = state.placement?.node {
                state.restarts += 1
                state.phase = .restarting
                restartNode = node
                return
            }
            state.phase = .dead(reason)
            while let call = state.mailbox.popFirst() { failed.append(call) }
            mailboxHint.store(0, ordering: .relaxed)
            released = true
        }
        if let restartNode {
            instance = nil
            create(on: restartNode)
            return
        }
        guard released else { return }
        let error = ActorError.actorDied(actor: displayName, reason: reason)
        for call in failed { call.finish(failing: error) }
        runtime.actorDied(self)
    }

    /// Runs one call on the instance: its arguments first (in order: a call whose argument is
    /// pending holds the actor, as Ray's ordered actors do), then its body; a fatal error kills
    /// or restarts the actor and retries the call as `maxTaskRetries` allows.
    func run(_ call: TaskRecord) {
        if call.cancelled.load(ordering: .acquiring) {
            call.finish(failing: TaskCancelled(taskID: call.id, taskName: call.name))
            return
        }
        if !call.arguments.isEmpty {
            _ = try? runtime.store.waitFor(call.arguments, needed: call.arguments.count, deadline: nil)
            if let error = call.failedArgument() {
                call.finish(failing: error)
                return
            }
        }
        call.attempt += 1
        call.state.store(.running, ordering: .relaxed)
        call.shape.events?.record(call, .started)
        let frames = TaskFrames.current
        frames.push(.init(task: call, lease: nil, actor: self, runtime: ObjectIdentifier(runtime.store)))
        defer { frames.pop() }
        do {
            try call.runBody()
            call.shape.events?.record(call, .finished)
        } catch let fatal as ActorFatalError {
            let retries = options.maxTaskRetries
            let canRetry = retries == -1 || call.attempt <= retries
            let willRestart = options.maxRestarts == -1 || state.withLock { $0.restarts } < options.maxRestarts
            if canRetry && willRestart {
                state.withLock { state in
                    // First in line for the rebuilt instance.
                    var requeued = FIFO<TaskRecord>()
                    requeued.append(call)
                    while let next = state.mailbox.popFirst() { requeued.append(next) }
                    state.mailbox = requeued
                }
            } else {
                call.finish(failing: ActorError.actorDied(actor: displayName, reason: "a call failed: \(fatal.reason)"))
            }
            die(reason: "a call failed: \(fatal.reason)", restartable: true)
        } catch {
            if call.cancelled.load(ordering: .acquiring) {
                call.finish(failing: TaskCancelled(taskID: call.id, taskName: call.name))
            } else {
                call.finish(failing: error)
            }
        }
    }
}

/// The job that runs an actor's calls on its domain: takes calls from the mailbox until it is
/// empty (or the actor stops being alive), yielding its worker after a few hundred.
/// Owned by one queue or one worker at a time, like every ``QueuedJob``.
final class ActorRunner: QueuedJob, @unchecked Sendable {
    let actor: ActorCore

    init(actor: ActorCore, node: Int) {
        self.actor = actor
        super.init(pinnedDomain: node)
    }

    override func execute(by worker: Worker?) {
        var ran = 0
        while let call = actor.tryNextCall() ?? (actor.lingerForMail() ? actor.tryNextCall() : nil) ?? actor.nextCall() {
            actor.run(call)
            ran += 1
            if ran >= ActorCore.callsPerTurn {
                // Let other jobs of this worker go first; this runner stays counted.
                if actor.runtime.executor.trySubmit(self, toDomain: pinnedDomain) == nil { return }
            }
        }
    }
}

extension ActorCore {
    /// Ends the actor once the calls already queued have run (its last handle went).
    func endWhenIdle(reason: String) {
        let endNow: Bool = state.withLock { state in
            state.endWhenIdle = reason
            return state.mailbox.isEmpty && state.runners == 0 && state.phase == .alive
        }
        if endNow { die(reason: reason, restartable: false) }
    }
}
