import Glibc
import RayTopology
import Synchronization

/// One actor: its options, factory and instance, its mailboxes of calls (one per concurrency
/// group: its lanes, the default group first), and its life (ActorCore+Life.swift: placed by
/// the scheduler, created by its factory on its domain, alive, restarting, dead). Calls are
/// ``TaskRecord``s whose body reads the instance; they run on the actor's domain, at most each
/// lane's limit at once, in mailbox (submission) order: by ``ActorRunner`` jobs, or for an
/// async actor by lane workers, long-lived Swift `Task`s on the lane's ``ActorEventLoop`` (see
/// ActorCore+LaneWorkers.swift).
///
/// Thread safety: the life, the mailboxes, the slot counts and the instances it owns are under
/// one lock (a ``SpinLocked``: every critical section is a few dozen instructions); a caller
/// that finds it held pushes a default-lane call into the lock-free ``inbox`` instead
/// (ActorInbox.swift); a threaded actor's runners take calls from ``claimable``, under a lock of
/// its own (ActorCore+SharedBatches.swift). Calls read the instance without the lock, from
/// ``instanceSlot``; a restart's new instance replaces it there, and the old one is kept until
/// no call can still be running on it (see ``State/retiredInstances``). With
/// `maxConcurrency > 1` calls run in parallel on the same instance, as in Ray's threaded
/// actors: the instance must then be thread-safe itself.
@usableFromInline
final class ActorCore: StallWatched, @unchecked Sendable {
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

    /// One concurrency group's calls. Not thread-safe by itself.
    struct Lane {
        /// Calls that may hold a slot at once.
        let limit: Int
        var mailbox = FIFO<TaskRecord>()
        /// Slots held: runner jobs queued or running, and async calls in flight.
        var running = 0
        /// Of those, the runner jobs (an async call's `Task` took its runner's slot).
        var runners = 0
        /// An async actor's live lane workers (ActorCore+LaneWorkers.swift), `running` of them busy.
        var workers = 0
        /// An async actor's lane asked its event loop to run its pump, which has not run yet.
        var pumpRequested = false
    }

    /// The guarded state. Not thread-safe by itself.
    struct State {
        var phase = Phase.pending
        /// The default group's lane, then the named groups' (see `laneIndex`).
        var lanes: [Lane]
        var restarts = 0
        var placement: TaskPlacement?
        /// Set when the last handle of an unnamed actor went: it ends once it is idle.
        var endWhenIdle: String?
        /// The instance calls run on (``instanceSlot`` points at it), kept after the actor dies.
        var instance: AnyObject?
        /// Instances a restart replaced while calls held slots (a call begun before it may still
        /// run on one); released once no lane holds a slot, else with the actor.
        var retiredInstances: [AnyObject] = []

        /// The default group's mailbox.
        var mailbox: FIFO<TaskRecord> { lanes[0].mailbox }
        /// Calls queued in all lanes.
        var pendingCalls: Int { lanes.reduce(0) { $0 + $1.mailbox.count } }
        /// No call queued or running.
        var isIdle: Bool { lanes.allSatisfy { $0.running == 0 && $0.mailbox.isEmpty } }

        /// The retired instances, to be released outside the lock, when no lane holds a slot
        /// (no call is running, so none can be reading one); else none.
        mutating func takeRetiredInstancesIfIdle() -> [AnyObject] {
            guard !retiredInstances.isEmpty, lanes.allSatisfy({ $0.running == 0 }) else { return [] }
            defer { retiredInstances = [] }
            return retiredInstances
        }
    }

    /// The scheduler's id for the actor (its creation task), and the actor's id.
    let id: TaskID
    /// The class name and id, for errors and the state API (`Counter(actor-12)`).
    @usableFromInline let displayName: String
    let options: ActorOptions
    let request: SchedulingRequest
    /// The shape its calls carry (their retries: `maxTaskRetries`).
    @usableFromInline let callShape: TaskShape
    /// `callShape` unretained, for the calls' initializers (the actor holds it).
    @usableFromInline let unretainedCallShape: Unmanaged<TaskShape>
    let factory: @Sendable () throws -> AnyObject
    /// Strong: a handle may outlive every other reference to the runtime, and a call through it
    /// must still find it. (The runtime's tables let go of the actor when it dies, which breaks
    /// the cycle.)
    @usableFromInline let runtime: RayRuntime
    let state: SpinLocked<State>
    /// The lane of each named concurrency group (the default group is lane 0).
    let laneIndex: [String: Int]
    /// For an async actor, each lane's event loop; empty for a threaded actor.
    let loops: [ActorEventLoop]
    /// Whether calls to the default lane are pushed into ``inbox`` rather than queued under the
    /// lock: when the lane runs one call at a time on a threaded actor (``batchedLanes``).
    let usesInbox: Bool
    /// Bumped, under the lock, each time the actor stops being alive (it dies or restarts): a
    /// runner holding a batch of taken calls checks it before each (ActorCore+Batches.swift).
    let lifeChanges = Atomic<UInt32>(0)
    /// Whether each lane's runner takes its queued calls in batches (ActorCore+Batches.swift).
    let batchedLanes: [Bool]
    /// A threaded actor's taken calls, for any of its runners (ActorCore+SharedBatches.swift).
    let claimable: ClaimableCalls?
    /// Whether the runtime's ``StallWatch`` looks at this actor (``ensureWatched()``).
    let laneWatched = Atomic<Bool>(false)
    /// By lane: calls its runner took in a batch and has not started yet (the state API counts
    /// them as pending).
    let heldCalls: [CountLine]
    /// The instance calls run on, not retained (``State/instance`` and, after a restart,
    /// ``State/retiredInstances`` own it): written under the lock as the actor becomes alive,
    /// read without it by every call. Nil until the factory first returns.
    @usableFromInline let instanceSlot = Atomic<Unmanaged<AnyObject>?>(nil)
    /// For an actor with exclusive cores, the thread on its PUs: set under the state lock when it
    /// is placed, before its factory job is queued, and kept across restarts.
    @exclusivity(unchecked) nonisolated(unsafe) var exclusiveThread: ExclusiveCoreThread?
    /// The instance's type, set once before the handle is returned (lookup by name checks it).
    nonisolated(unsafe) var factoryType: ObjectIdentifier?
    /// How many runners of the default lane are running now (a hint, counted as each starts
    /// and ends): while none is, callers push into the inbox without trying the lock
    /// (``submit(_:toGroup:)``).
    let defaultRunnersRunning = Atomic<Int>(0)

    // Below: what callers and runners write at every call, on lines apart from the fields above,
    // which they read (on the inbox's line, `usesInbox` took a fifth of `submit` in n:n).
    private let readMostlyEnd = CacheLinePadding()
    /// Whether the default mailbox holds calls (for a runner waiting a moment for its next call).
    let mailboxHint = QueueHint()
    /// The default lane's lock-free front, when it takes calls in batches (ActorInbox.swift).
    let inbox = ActorInbox()
    /// How long a runner of the default lane waits for mail before it ends (MailLinger.swift).
    let mailLinger = MailLinger()
    private let hotEnd = CacheLinePadding()  // and apart from whatever the allocator puts next

    init(
        id: TaskID, displayName: String, options: ActorOptions, request: SchedulingRequest, callShape: TaskShape,
        runtime: RayRuntime, factory: @escaping @Sendable () throws -> AnyObject
    ) {
        self.id = id
        self.displayName = displayName
        self.options = options
        self.request = request
        self.callShape = callShape
        unretainedCallShape = Unmanaged.passUnretained(callShape)
        self.runtime = runtime
        self.factory = factory
        let groups = options.concurrencyGroups.sorted { $0.key < $1.key }
        var lanes = [Lane(limit: options.effectiveMaxConcurrency)]
        var laneIndex: [String: Int] = [:]
        for (name, limit) in groups {
            laneIndex[name] = lanes.count
            lanes.append(Lane(limit: limit))
        }
        self.laneIndex = laneIndex
        batchedLanes = lanes.map { Self.takesCallsInBatches(limit: $0.limit, options: options) }
        usesInbox = batchedLanes[0]
        claimable = Self.sharesBatches(limit: lanes[0].limit, options: options) ? ClaimableCalls() : nil
        heldCalls = lanes.map { _ in CountLine() }
        state = SpinLocked(State(lanes: lanes))
        loops = options.isAsync ? lanes.indices.map { _ in ActorEventLoop(executor: runtime.executor) } : []
        for (lane, loop) in loops.enumerated() {
            loop.setPump { [self] in pump(lane: lane) }
        }
    }

    /// Whether its calls run on event loops (an async actor).
    var isAsync: Bool { !loops.isEmpty }

    var phase: Phase { state.withLock { $0.phase } }

    var node: Int? { state.withLock { $0.placement?.node } }

    /// The instance calls now run on (nil until the factory first returns), retained.
    var currentInstance: AnyObject? { state.withLock { $0.instance } }

    /// The instance a call runs on, read without the lock (see ``instanceSlot``): the call holds
    /// a slot, so the instance stays alive until it ends. Throws `actorDied` if the factory has
    /// not returned yet, which no started call sees.
    @inlinable @inline(__always)
    func instance<State: AnyObject>(as type: State.Type) throws(ActorError) -> State {
        guard let instance = instanceSlot.load(ordering: .acquiring) else {
            throw .actorDied(actor: displayName, reason: "it has no instance")
        }
        return unsafeDowncast(instance.takeUnretainedValue(), to: State.self)
    }

    // MARK: Calls

    /// The lane of concurrency group `group` (nil: the default group). Throws
    /// ``ActorError/unknownConcurrencyGroup(actor:group:)`` naming a group it was not given.
    func lane(ofGroup group: String?) throws(ActorError) -> Int {
        guard let group else { return 0 }
        guard let lane = laneIndex[group] else { throw .unknownConcurrencyGroup(actor: displayName, group: group) }
        return lane
    }

    /// Queues a call on the lane of `group` (nil: the default group); a call that cannot be
    /// queued (dead actor, unknown group) fails with the reason. Takes the caller's reference:
    /// the mailbox keeps it, so queueing a call writes no reference count. A default-lane call
    /// that finds the lock held goes into the inbox (ActorInbox.swift).
    @usableFromInline
    func submit(_ call: consuming TaskRecord, toGroup group: String?) {
        var unqueued: TaskRecord? = consume call
        var eventRecorded = false
        if group == nil, usesInbox {
            // The lock if it is free (one try); else the inbox, rather than wait for it. While no
            // runner runs (its job waits behind busy workers, or it ended), straight into the
            // inbox: callers that meet there write one word, not the lock's, the mailbox's and
            // the hint's lines (`n:n actor calls async`: two callers at once took 171 ns a call
            // where one alone took 89).
            if defaultRunnersRunning.load(ordering: .relaxed) > 0,
                let outcome = state.withLockIfFree({ queue(&unqueued, in: &$0, lane: 0, eventRecorded: false) })
            {
                do { try startIfClaimed(outcome, lane: 0) } catch { failUnqueued(unqueued, with: error) }
                return
            }
            if pushToInbox(&unqueued) { return }
            eventRecorded = true
        }
        do {
            try enqueue(&unqueued, lane: try lane(ofGroup: group), eventRecorded: eventRecorded)
        } catch {
            failUnqueued(unqueued, with: error, eventRecorded: eventRecorded)
        }
    }

    /// Fails a call that could not be queued (`call` nil: it was queued). Its one event before
    /// the failure is `submitted`, unless its way to a closed inbox recorded `queued` already.
    private func failUnqueued(_ call: TaskRecord?, with error: ActorError, eventRecorded: Bool = false) {
        guard let call else { return }
        if !eventRecorded { call.recordEvent(.submitted) }
        call.finish(failing: error)
    }

    /// Queues a new call in `lane`, moving it out of `call`; starts a runner (or the lane's
    /// event loop) when the actor is alive and the lane below its limit. Throws, leaving `call`
    /// as it was, when the actor is dead or has `maxPendingCalls` queued. Records one event
    /// for submitted-and-queued (it reads no clock, like a task's whose arguments are there:
    /// the caller is the usual bottleneck).
    ///
    /// `eventRecorded`: the call's queued event and state were set on its way to the inbox,
    /// which turned out closed.
    func enqueue(_ call: inout TaskRecord?, lane: Int = 0, eventRecorded: Bool = false) throws(ActorError) {
        let outcome = state.withLock { queue(&call, in: &$0, lane: lane, eventRecorded: eventRecorded) }
        try startIfClaimed(outcome, lane: lane)
    }

    /// ``enqueue(_:lane:eventRecorded:)``'s critical section: the node to start the lane on,
    /// if the call claimed a slot.
    @inline(__always)
    private func queue(
        _ call: inout TaskRecord?, in state: inout State, lane: Int, eventRecorded: Bool
    ) -> Swift.Result<Int?, ActorError> {
        if case let .dead(reason) = state.phase { return .failure(.actorDied(actor: displayName, reason: reason)) }
        if options.maxPendingCalls > 0, state.pendingCalls >= options.maxPendingCalls {
            return .failure(.tooManyPendingCalls(actor: displayName, limit: options.maxPendingCalls))
        }
        // Behind every call pushed before it (order per caller).
        drainInbox(&state)
        if !eventRecorded { markQueued(&call) }
        state.lanes[lane].mailbox.append(taking: &call)
        guard lane == 0 else { return .success(claimSlot(&state, lane: lane)) }
        mailboxHint.note(count: state.lanes[0].mailbox.count)
        let node = claimSlot(&state, lane: 0)
        if node != nil, usesInbox { inbox.markScheduled() }
        return .success(node)
    }

    /// Sets a call about to be queued (nil: none) waiting for its actor and records its one
    /// submitted-and-queued event. Through an unretained pointer (a method called on `call?`
    /// would retain it): `call` holds the record until the mailbox or the inbox takes it.
    @inline(__always)
    func markQueued(_ call: inout TaskRecord?) {
        guard let record = call.map({ Unmanaged.passUnretained($0) }) else { return }
        record._withUnsafeGuaranteedRef { record in
            record.taskState.store(.pendingNodeAssignment, ordering: .relaxed)
            record.recordEvent(.queued, carriesName: true)
        }
    }

    @inline(__always)
    private func startIfClaimed(_ outcome: Swift.Result<Int?, ActorError>, lane: Int) throws(ActorError) {
        if let node = try outcome.get() {
            if lane == 0, !isAsync { mailLinger.runnerStarting() }
            startLane(lane, on: node)
        }
    }

    /// A lane may start a call: the actor is alive, the lane has mail and a free slot. Returns
    /// the node to run on; counts the slot for a runner. An async actor's lane asks for its
    /// pump instead, once, and only when none of its workers is between calls (one that is
    /// takes the mail itself). A lane with shared batches starts a runner only when it has none
    /// (ActorCore+SharedBatches.swift).
    func claimSlot(_ state: inout State, lane: Int) -> Int? {
        guard state.phase == .alive, !state.lanes[lane].mailbox.isEmpty,
              state.lanes[lane].running < state.lanes[lane].limit, let node = state.placement?.node
        else { return nil }
        if isAsync {
            guard Self.claimPump(&state.lanes[lane]) else { return nil }
        } else {
            if state.lanes[lane].runners > 0, sharesBatches(lane: lane) { return nil }
            claimRunners(1, lane: lane, &state)
        }
        return node
    }

    /// Starts a runner for `lane` (its slot counted), or wakes the lane's event loop.
    func startLane(_ lane: Int, on node: Int) {
        if isAsync {
            loops[lane].requestPump()
        } else {
            startRunner(on: node, lane: lane)
        }
    }

    func startRunner(on node: Int, lane: Int = 0) {
        if !submit(ActorRunner(actor: self, node: node, lane: lane), node: node) {
            die(reason: "the runtime is shut down", restartable: false)
        }
    }

    /// Queues `job` where the actor's code runs: its exclusive thread, else (and once that has
    /// stopped) a worker of `node`. False when the runtime is shut down.
    func submit(_ job: QueuedJob, node: Int) -> Bool {
        runtime.executor.trySubmit(job, toDomain: node, via: exclusiveThread) == nil
    }

    /// Runs one call on the instance: its arguments first (in order: a call whose argument is
    /// pending holds the actor, as Ray's ordered actors do), then its body; a fatal error kills
    /// or restarts the actor and retries the call as `maxTaskRetries` allows.
    ///
    /// `held`: the calls its runner took from the lane's mailbox with it, still to run (see
    /// ActorCore+Batches.swift); a fatal error puts them back, behind the retried call.
    func run(_ call: TaskRecord, lane: Int = 0, held: inout FIFO<TaskRecord>, on thread: CallRunnerThread) {
        guard callMayStart(call) else { return }
        if !call.arguments.isEmpty {
            runtime.store.waitFor(call.arguments, needed: call.arguments.count, deadline: nil)
            if let error = call.failedArgument() {
                call.finish(failing: error)
                return
            }
            // Cancelled while it waited: its body must not run.
            guard callMayStart(call) else { return }
        }
        beginAttempt(call, on: thread)
        runSyncBody(call, lane: lane, held: &held, on: thread)
    }

    /// A call's body threw `error`: a fatal error kills or restarts the actor (the call first in
    /// its lane for the rebuilt instance when `maxTaskRetries` allows, followed by the calls its
    /// runner `held`); any other fails the call.
    func failed(_ call: TaskRecord, with error: any Error, lane: Int, held: inout FIFO<TaskRecord>) {
        guard let fatal = error as? ActorFatalError else {
            if call.cancelled.load(ordering: .acquiring) {
                call.finish(failing: TaskCancelled(taskID: call.taskID, taskName: call.name))
            } else {
                call.finish(failing: error)
            }
            return
        }
        let retries = options.maxTaskRetries
        let canRetry = retries == -1 || call.attempt <= retries
        let willRestart = options.maxRestarts == -1 || state.withLock { $0.restarts } < options.maxRestarts
        if canRetry && willRestart {
            withMailboxes { state in
                // First in line for the rebuilt instance.
                var requeued = FIFO<TaskRecord>()
                requeued.append(call)
                if sharesBatches(lane: lane) { claimable?.takeAll(into: &requeued) }
                held.moveAll(to: &requeued)
                putInFront(&requeued, lane: lane, &state)
            }
        } else {
            call.finish(failing: ActorError.actorDied(actor: displayName, reason: "a call failed: \(fatal.reason)"))
        }
        die(reason: "a call failed: \(fatal.reason)", restartable: true)
    }
}
