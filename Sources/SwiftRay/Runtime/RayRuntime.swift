import Logging
import Synchronization

/// One Ray "cluster" inside this process: a node per NUMA domain, its workers, its object store
/// and its scheduler. Made once per program (`ray.init`), shut down explicitly (`ray.shutdown`).
///
/// ```swift
/// let ray = try RayRuntime()
/// let square = try ray.remote { (x: Int) in x * x }
/// let refs = try (0..<4).map { try square.remote($0) }
/// print(try ray.get(refs))  // [0, 1, 4, 9]
/// ray.shutdown()
/// ```
///
/// Thread-safe: every method may be called from any thread, from inside tasks too.
public final class RayRuntime: Sendable {
    /// The machine this runtime runs on; domain `i` is node `i`.
    public let topology: Topology
    /// The options it started with.
    public let options: RuntimeOptions
    let executor: WorkStealingExecutor
    @usableFromInline let store: ObjectStore
    let dispatcher: TaskDispatcher
    /// Task events for the state API and the timeline (nil: not recorded).
    let events: TaskEventLog?
    /// The metrics sampler, when `metricsInterval` is set.
    private let metrics = Locked<RuntimeMetrics?>(nil)
    let logger = Logger(label: "swiftray.runtime")
    /// Live named actors.
    let actorNames = Locked<[String: ActorCore]>([:])
    /// The most recent dead actors' rows (the state API lists them, as Ray does).
    let deadActors = Locked<[ActorInfo]>([])
    /// Starts more runners for threaded actors whose calls stopped starting, and asks for more
    /// leases for task queues whose tasks did.
    let stallWatch = StallWatch()
    private let closed = Atomic<Bool>(false)

    /// Starts the runtime: loads the topology, builds each domain's node (resources), starts the
    /// workers and the object store. Throws ``RuntimeError`` for invalid options (naming them)
    /// or a topology that cannot be loaded.
    public init(_ options: RuntimeOptions = RuntimeOptions()) throws(RuntimeError) {
        try options.validate()
        let topology: Topology
        if let given = options.topology {
            topology = given
        } else {
            do { topology = try Topology.load() } catch { throw .startFailed("\(error)") }
        }
        let scheduler: ClusterScheduler
        do {
            scheduler = try ClusterScheduler(
                topology: topology, allNodes: options.allDomainOverrides(),
                perNode: options.domainOverrides(for: topology), random: SplitMix64(seed: options.schedulerSeed))
        } catch {
            throw .scheduling(error)
        }
        var configuration = WorkStealingExecutor.Configuration()
        configuration.bindThreads = options.bindWorkers
        for (node, spec) in scheduler.resources.specs.enumerated() {
            if let workers = options.workersPerDomain {
                configuration.workersPerDomain[node] = workers
            } else if options.numCPUs != nil || options.perDomain[node]?.cpus != nil {
                configuration.workersPerDomain[node] = max(1, Int(spec.cpus.wholeUnits) + (spec.cpus.isWhole ? 0 : 1))
            }
        }
        do {
            executor = try WorkStealingExecutor(topology: topology, configuration: configuration)
        } catch {
            throw .startFailed("\(error)")
        }
        do {
            store = try ObjectStore(
                executor: executor,
                configuration: .init(
                    capacityBytes: options.objectStoreMemory, fullGracePeriod: options.objectStoreFullGracePeriod))
        } catch {
            try? executor.shutdown()
            throw .startFailed("\(error)")
        }
        self.topology = topology
        self.options = options
        events = options.recordTaskEvents ? TaskEventLog(capacity: options.taskEventCapacity, executor: executor) : nil
        dispatcher = TaskDispatcher(
            scheduler: scheduler, executor: executor, runtimeID: ObjectIdentifier(store), events: events,
            stallWatch: stallWatch)
        if let interval = options.metricsInterval {
            let sampler = RuntimeMetrics(runtime: self, interval: interval)
            metrics.withLock { $0 = sampler }
        }
        logger.debug(
            "runtime started",
            metadata: [
                "domains": "\(topology.domains.count)", "workers": "\(executor.workerCounts)",
                "object_store_bytes": "\(store.capacityBytes)", "topology": "\(topology.source)",
            ])
    }

    /// Stops the runtime: new calls throw ``RuntimeError/shutDown``; queued tasks and pending
    /// objects fail with `ObjectStoreError.shutDown` (their gets wake and throw); running tasks
    /// finish; every worker thread is joined. Values already put stay readable through their
    /// refs' `isReady` only. Idempotent.
    public func shutdown() {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        metrics.withLock { $0?.stop() }
        stallWatch.close()
        logger.debug("runtime shutting down", metadata: ["objects_alive": "\(store.count)"])
        dispatcher.shutdown()
        store.shutdown()
        try? executor.shutdown()
    }

    /// Whether ``shutdown()`` ran.
    public var isShutDown: Bool { closed.load(ordering: .acquiring) }

    deinit { shutdown() }

    // MARK: Tasks

    /// A new task id, for what ``makeCall(_:)`` does not make (which numbers its calls itself).
    /// Task ids come from the store's count (``ObjectStore/taskNumbers``) on a line of its own:
    /// in the runtime's first lines, which every thread reads, each submit's increment took
    /// those lines from the threads reading them (5% of the caller's samples in `1:1 actor
    /// calls async`).
    func nextTaskID() -> TaskID { store.nextTaskID() }

    /// A call about to be submitted, its return object: `make` builds it for the object's id
    /// and task id and its domain, in the store it is given (TaskRecord.swift, "One object a call").
    @inlinable
    func makeCall<Call: AnyObjectRef>(_ make: (ObjectID, TaskID, Int, ObjectStore) -> Call) throws(RuntimeError) -> Call {
        do {
            return try store.makeCall(make)
        } catch {
            throw .shutDown
        }
    }

    /// Queues `task` once its arguments are ready: at once when they are, else when the last one
    /// completes (on the thread that completes it).
    @usableFromInline
    func submit(_ task: TaskRecord) throws(RuntimeError) {
        if closed.load(ordering: .relaxed) {
            task.finish(failing: ObjectStoreError.shutDown)
            throw .shutDown
        }
        let pending = task.arguments.isEmpty ? [] : task.arguments.filter { !$0.isComplete }
        if pending.isEmpty {
            // One event for submitted-and-queued: the arguments are there already.
            task.recordEvent(.queued, carriesName: true)
            argumentsResolved(task, recorded: true)
            return
        }
        task.recordEvent(.submitted)
        let waiter = ReadinessWaiter(needed: pending.count, wake: .action { [self] in argumentsResolved(task) })
        for entry in pending where !store.register(waiter, with: entry) { waiter.objectCompleted() }
    }

    /// The task's arguments are all complete: fail it with a failed argument's error, else queue
    /// it by its class and the node its arguments (or its caller) are on.
    private func argumentsResolved(_ task: TaskRecord, recorded: Bool = false) {
        if task.cancelled.load(ordering: .acquiring) {
            task.finish(failing: TaskCancelled(taskID: task.taskID, taskName: task.name))
            return
        }
        if !task.arguments.isEmpty, let error = task.failedArgument() {
            task.finish(failing: error)
            return
        }
        task.taskState.store(.pendingNodeAssignment, ordering: .relaxed)
        if !recorded { task.recordEvent(.queued) }
        var preferred: Int? = nil
        if task.withShape({ $0.usesLocality }) && executor.topology.domains.count > 1 {
            preferred = executor.currentDomain
            if !task.arguments.isEmpty {
                let bytes = task.argumentBytesByDomain()
                preferred = SchedulingHints(callerNode: preferred, argumentBytesByNode: bytes).preferredNode
            }
        }
        task.withShape { shape in
            shape.withQueue(preferring: preferred) { queue in
                if queue.push(task) { dispatcher.requestLease(for: queue) }
            }
        }
    }

    /// Cancels the task that produces `ref` (Ray's `ray.cancel`): a task not yet running is
    /// dropped and its refs fail with ``TaskCancelled`` at once; a running one is flagged
    /// (sync tasks see it through ``isCancelled``; its refs fail with ``TaskCancelled`` when it
    /// ends). Cancelled tasks are not retried. A task that already finished is left alone;
    /// returns whether a task was cancelled.
    @discardableResult
    public func cancel<Value>(_ ref: ObjectRef<Value>) throws(RuntimeError) -> Bool {
        if ref.store !== store { throw .invalidOption(name: "ref", value: "\(ref.id)", reason: "belongs to another runtime") }
        // The name is read while the task still produces the ref: an actor's call does not
        // keep its shape alive (the actor does, until it has failed or run its calls).
        let found: (task: TaskRecord, name: String)? = ref.withGate {
            ref.retainedProducer().map { ($0, $0.name) }
        }
        guard let (task, name) = found, !task.cancelled.exchange(true, ordering: .acquiringAndReleasing) else { return false }
        task.cancellationRequested()
        let state = task.taskState.load(ordering: .acquiring)
        if state == .pendingArguments || state == .pendingNodeAssignment {
            let error = TaskCancelled(taskID: task.taskID, taskName: name)
            for id in task.returnIDs { if let entry = store.liveObject(id) { _ = store.complete(entry, failing: error) } }
        }
        return true
    }

    /// Whether the task running on the calling thread was cancelled (false outside tasks). Sync
    /// tasks check it to stop early (Ray raises in them; Swift asks).
    public var isCancelled: Bool {
        TaskFrames.innermost(of: ObjectIdentifier(store))?.task.cancelled.load(ordering: .acquiring) ?? false
    }

    /// Throws ``TaskCancelled`` when the task running on the calling thread was cancelled.
    public func checkCancellation() throws(TaskCancelled) {
        guard let frame = TaskFrames.innermost(of: ObjectIdentifier(store)),
              frame.task.cancelled.load(ordering: .acquiring)
        else { return }
        throw TaskCancelled(taskID: frame.task.taskID, taskName: frame.task.name)
    }
}
