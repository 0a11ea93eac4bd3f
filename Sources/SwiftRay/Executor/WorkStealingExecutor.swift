import Dispatch
import Foundation
import Logging
import RayTopology
import Synchronization

/// The workers of swift-ray: one pool of pinned worker threads per compute domain (Ray node),
/// each with a Chase-Lev deque, stealing inside its domain first and across domains last,
/// nearest first.
///
/// Thread-safe: submit from any thread. Workers are long-lived threads started through
/// Dispatch, bound to their domain's PUs with their memory preferring the domain's NUMA node
/// (skipped on a virtual topology). ``shutdown()`` stops taking work from outside, finishes
/// everything queued (and whatever that spawns), then joins every worker; an executor that is
/// never shut down keeps its threads for the life of the process.
public final class WorkStealingExecutor: @unchecked Sendable {
    /// How many workers, how long they spin, how they take work.
    public struct Configuration: Sendable, Hashable {
        /// Workers per domain by domain id; a domain not listed gets ``defaultWorkersPerDomain``,
        /// or when that is nil one worker per PU the domain runs on (its `hostPUs`).
        public var workersPerDomain: [Int: Int] = [:]
        public var defaultWorkersPerDomain: Int? = nil
        /// How long an idle worker keeps looking for work, spinning, before it starts yielding
        /// (at least one look).
        public var spinMicroseconds = 20
        /// Then rounds of looking for work, each ending in `sched_yield`, before it parks: they
        /// let a thread that shares the core (the submitter, with as many workers as cores) run
        /// and save most futex wake-ups under a steady stream of jobs. Not more: under Linux's
        /// EEVDF scheduler a thread that yields a lot is woken late once parked.
        public var yieldRounds = 8
        /// How many extra jobs a worker moves from its domain's injector to its deque at once.
        public var injectorBatch = 32
        /// Bind each worker to its domain's PUs and memory (never on a virtual topology).
        public var bindThreads = true
        /// How long a worker stays parked before it frees the spare jobs it kept for reuse
        /// (beyond what an idle thread keeps; see JobRecycler.swift). Back-to-back bursts of
        /// spawns closer together than this reuse the last burst's jobs instead of allocating
        /// them again; an executor idle for longer costs one timed wake-up per worker, then
        /// nothing.
        public var spareJobsTrimDelayMilliseconds = 100

        public init() {}
    }

    public let topology: Topology
    public let configuration: Configuration
    let domains: [DomainPool]
    let workers: [Worker]
    let sleep: SleepProtocol
    let lanes: SubmissionLanes
    private let accepting = Atomic<Bool>(true)
    let injectorBatch: Int
    private let nextDomain = Atomic<Int>(0)
    private let running = DispatchGroup()
    private let liveWorkers = Atomic<Int>(0)
    private let lifecycle = Locked<Lifecycle>(.running)
    /// PUs reserved for exclusive-core threads, worker threads to rebind, live exclusive threads
    /// (see WorkStealingExecutor+ExclusiveCores.swift).
    let coreBook = Locked(CoreReservations())
    /// Exclusive-core threads still running.
    let exclusiveThreadsRunning = DispatchGroup()
    let logger = Logger(label: "swiftray.executor")

    private enum Lifecycle { case running, stopping, stopped }

    /// Whether ``shutdown()`` has begun.
    var isShuttingDown: Bool { lifecycle.withLock { $0 != .running } }

    /// Every worker's thread has ended (each one's loop holds the executor until it returns):
    /// the workers' steal orders, which hold one another, are dropped so that the workers go
    /// with the executor.
    deinit {
        for worker in workers { worker.detach() }
    }

    /// Starts the workers for `topology`.
    public init(topology: Topology, configuration: Configuration = Configuration()) throws(ExecutorError) {
        self.topology = topology
        self.configuration = configuration
        injectorBatch = max(0, configuration.injectorBatch)
        for (id, count) in configuration.workersPerDomain {
            guard topology.domains.indices.contains(id) else {
                throw .unknownDomain(id: id, domainCount: topology.domains.count)
            }
            guard count >= 1 else { throw .invalidWorkerCount(domain: id, count: count) }
        }
        if let count = configuration.defaultWorkersPerDomain, count < 1 {
            throw .invalidWorkerCount(domain: -1, count: count)
        }
        let pools = topology.domains.map { DomainPool(id: $0.id, stealOrder: topology.domainsByDistance(from: $0.id)) }
        var all: [Worker] = []
        for domain in topology.domains {
            let count = configuration.workersPerDomain[domain.id]
                ?? configuration.defaultWorkersPerDomain ?? max(1, domain.hostPUs.count)
            for _ in 0..<count {
                let worker = Worker(domainID: domain.id, globalIndex: all.count)
                pools[domain.id].workers.append(worker)
                all.append(worker)
            }
        }
        domains = pools
        workers = all
        lanes = SubmissionLanes(domainCount: pools.count)
        sleep = SleepProtocol(
            domains: pools, workers: all, spinNanoseconds: max(0, configuration.spinMicroseconds) * 1_000,
            yieldRounds: max(0, configuration.yieldRounds),
            trimDelayNanoseconds: max(0, configuration.spareJobsTrimDelayMilliseconds) * 1_000_000)
        for worker in workers {
            worker.attach(to: self)
        }
        for worker in workers {
            liveWorkers.wrappingAdd(1, ordering: .relaxed)
            DispatchQueue(label: "swiftray.worker.\(worker.domainID).\(worker.globalIndex)")
                .async(group: running) { [self] in
                    worker.run()
                    liveWorkers.wrappingSubtract(1, ordering: .sequentiallyConsistent)
                }
        }
    }

    /// Starts workers for the topology `SWIFTRAY_TOPOLOGY` names (or the running machine).
    public convenience init(configuration: Configuration = Configuration()) throws {
        try self.init(topology: try Topology.load(), configuration: configuration)
    }

    // MARK: Submitting

    /// Runs `body` on some worker. From a worker, the job goes to the worker's own deque (and is
    /// stealable); from any other thread, to that thread's lane into a domain, domains taken in
    /// turn.
    @inline(__always)
    public func submit(_ body: @escaping @Sendable () -> Void) throws(ExecutorError) {
        try submit(ClosureJob(pinnedDomain: nil, body), toDomain: nil)
    }

    /// Runs `body` in domain `domain`: only there when `pinned` (a hard constraint: pinned
    /// actors, node affinity), else preferably there (other domains may steal it when idle).
    public func submit(
        toDomain domain: Int, pinned: Bool = false, _ body: @escaping @Sendable () -> Void
    ) throws(ExecutorError) {
        guard domains.indices.contains(domain) else {
            throw .unknownDomain(id: domain, domainCount: domains.count)
        }
        try submit(ClosureJob(pinnedDomain: pinned ? domain : nil, body), toDomain: domain)
    }

    @inline(__always)
    func submit(_ job: QueuedJob, toDomain target: Int?) throws(ExecutorError) {
        if let refused = trySubmit(job, toDomain: target) { throw refused }
    }

    /// `submit` without throwing (so that it can run inside a borrowed-reference closure).
    @inline(__always)
    func trySubmit(_ job: QueuedJob, toDomain target: Int?) -> ExecutorError? {
        Worker.withCurrent(of: self) { worker in
            if let pinned = job.pinnedDomain {
                guard domains[pinned].pinned.push(job, fromWorker: worker != nil) else { return .shutDown }
                sleep.notify(domain: pinned, pinned: true)
                return nil
            }
            if let worker {
                // The common case of fork-join: onto the calling worker's own deque, borrowing the
                // worker rather than retaining it.
                let pushed: Int? = worker._withUnsafeGuaranteedRef { worker in
                    guard target == nil || target == worker.domainID else { return nil }
                    worker.deque.push(job)
                    return worker.domainID
                }
                if let domain = pushed {
                    sleep.notify(domain: domain, pinned: false)
                    return nil
                }
            }
            return submitThroughLane(job, toDomain: target ?? nextDomainInTurn(), fromWorker: worker != nil)
        }
    }

    /// From outside, or from a worker into another domain: the calling thread's lane.
    @inline(__always)
    func submitThroughLane(_ job: QueuedJob, toDomain domain: Int, fromWorker: Bool) -> ExecutorError? {
        submitThroughLane(retained: job.retainedBits(), toDomain: domain, fromWorker: fromWorker)
    }

    /// `submitThroughLane` for a job's word that already holds a retain (taken over; released
    /// when refused).
    @inline(__always)
    func submitThroughLane(retained job: UInt, toDomain domain: Int, fromWorker: Bool) -> ExecutorError? {
        let refused: ExecutorError? = lanes.withLane(forDomain: domain) { lane in
            lane.pushing.store(true, ordering: .sequentiallyConsistent)
            guard fromWorker || accepting.load(ordering: .sequentiallyConsistent) else {
                lane.pushing.store(false, ordering: .releasing)
                return .shutDown
            }
            lane.deque.pushRetained(job)
            lane.pushing.store(false, ordering: .releasing)
            return nil
        }
        if refused == nil { sleep.notify(domain: domain, pinned: false) } else { _ = QueuedJob.takeRetained(job) }
        return refused
    }

    @inline(__always)
    func nextDomainInTurn() -> Int {
        domains.count == 1 ? 0 : nextDomain.wrappingAdd(1, ordering: .relaxed).newValue % domains.count
    }

    // MARK: Threads

    /// Called by each worker as it starts: binds it to its domain's PUs (less those reserved
    /// for exclusive cores) and its memory to the domain, and records it for later rebinding.
    func bindWorkerThread(_ worker: Worker) {
        coreBook.withLock { book in
            book.workerThreads[worker.globalIndex] = .current
            guard configuration.bindThreads else { return }
            let domain = worker.domainID
            do {
                try topology.bindCurrentThread(to: book.workerPUs(of: topology.domains[domain]))
                try topology.preferMemory(ofDomain: domain)
            } catch {
                logger.warning("worker of domain \(domain) runs unbound: \(error)")
            }
        }
    }

    /// The domain of the calling thread when it is one of this executor's workers or
    /// exclusive-core threads, else nil.
    public var currentDomain: Int? {
        // Borrowed, not retained: every task's completion asks (its value's domain).
        let domain = Worker.withCurrent(of: self) { worker in worker?._withUnsafeGuaranteedRef { $0.domainID } }
        if let domain { return domain }
        guard let thread = ExclusiveCoreThread.current, thread.executor === self else { return nil }
        return thread.domainID
    }

    /// Worker threads still running (0 once ``shutdown()`` has returned).
    public var liveWorkerCount: Int { liveWorkers.load(ordering: .sequentiallyConsistent) }

    /// Jobs waiting for domain `domain` (its injector, lanes and worker deques; a snapshot).
    func queuedJobs(domain: Int) -> Int { domains[domain].queuedJobs + lanes.queuedJobs(domain: domain) }

    /// Whether every worker is parked right now (none running or looking for work).
    public var allWorkersParked: Bool { sleep.allAsleep }

    /// Worker count per domain.
    public var workerCounts: [Int] { domains.map(\.workers.count) }

    /// The `TaskExecutor` of one domain: async code that prefers it resumes on that domain.
    public func domainExecutor(_ domain: Int) throws(ExecutorError) -> DomainExecutor {
        guard domains.indices.contains(domain) else {
            throw .unknownDomain(id: domain, domainCount: domains.count)
        }
        return DomainExecutor(executor: self, domainID: domain)
    }

    // MARK: Shutdown

    /// Stops taking work from outside, runs everything queued (and what it spawns), then joins
    /// every worker thread. Idempotent; a second caller waits for the first. Throws
    /// ``ExecutorError/shutDownFromWorker`` when called by one of its own workers (it would wait
    /// for itself).
    public func shutdown() throws(ExecutorError) {
        if Worker.current(of: self) != nil || ExclusiveCoreThread.current?.executor === self { throw .shutDownFromWorker }
        let first = lifecycle.withLock { state in
            guard case .running = state else { return false }
            state = .stopping
            return true
        }
        guard first else {
            running.wait()
            return
        }
        // Exclusive-core threads first: what they run may still submit to the workers.
        for thread in coreBook.withLock({ Array($0.exclusiveThreads.values) }) { thread.stop() }
        exclusiveThreadsRunning.wait()
        accepting.store(false, ordering: .sequentiallyConsistent)
        for domain in domains { domain.pinned.close() }
        // A submission that saw `accepting` before it was cleared finishes its push first.
        while lanes.anyPushing { sched_yield() }
        // Quiescent: every worker parked and nothing queued. Then nothing can submit any more.
        while !(sleep.allAsleep && domains.indices.allSatisfy({ queuedJobs(domain: $0) == 0 })) {
            usleep(50)
        }
        sleep.terminateAll()
        running.wait()
        lifecycle.withLock { $0 = .stopped }
    }
}
