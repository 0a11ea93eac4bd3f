extension WorkStealingExecutor {
    /// A scope that jobs are spawned into; ``scope(_:)`` returns once all of them have run.
    /// Thread-safe; spawn only while the scope is open (from its body or its jobs).
    public final class Scope: @unchecked Sendable {
        /// Unretained: the executor lives until shut down, and no job runs after that; a retain
        /// per spawn of the one object all workers share would bounce its cache line.
        private let executorRef: Unmanaged<WorkStealingExecutor>
        let latch = WorkerLatch(count: 1)

        init(_ executor: WorkStealingExecutor) { executorRef = Unmanaged.passUnretained(executor) }

        /// The executor the scope's jobs run on.
        public var executor: WorkStealingExecutor { executorRef.takeUnretainedValue() }

        /// Runs `body` on some worker before the scope closes. O(1): from a worker, a push onto
        /// its own deque; from another thread, onto that thread's lane into a domain, domains
        /// taken in turn. The job object comes from the calling thread's ``JobRecycler``.
        @inline(__always)
        public func spawn(_ body: @escaping @Sendable (Scope) -> Void) throws(ExecutorError) {
            latch.increment()
            if let refused = executorRef._withUnsafeGuaranteedRef({ $0.trySpawn(into: self, body) }) {
                latch.countDown()
                throw refused
            }
        }
    }

    /// Runs `body`, which may spawn jobs into the scope (and they more), and returns once all
    /// have run (rayon's `scope`). A worker waiting here runs other jobs meanwhile.
    public func scope<R>(_ body: (Scope) throws -> R) rethrows -> R {
        let scope = Scope(self)
        defer {
            scope.latch.countDown()
            scope.latch.wait(on: self)
        }
        return try body(scope)
    }

    /// `Scope.spawn`'s work, without throwing.
    @inline(__always)
    func trySpawn(into scope: Scope, _ body: @escaping @Sendable (Scope) -> Void) -> ExecutorError? {
        Worker.withCurrent(of: self) { worker in
            if let worker {
                let domain = worker._withUnsafeGuaranteedRef { worker in
                    worker.deque.pushRetained(ScopeJob.make(scope, body, recycler: worker.recycler))
                    return worker.domainID
                }
                sleep.notify(domain: domain, pinned: false)
                return nil
            }
            let job = ScopeJob.make(scope, body, recycler: JobRecycler.current)
            return submitThroughLane(retained: job, toDomain: nextDomainInTurn(), fromWorker: false)
        }
    }
}

/// A job spawned into a ``WorkStealingExecutor/Scope``. Holds its scope unretained: a scope
/// outlives its jobs (it returns only after all have run), and skipping two reference-count
/// operations on an object every worker touches is most of a spawn's cost. Once run, it goes
/// back to the recycler of the thread that made it, for that thread's next spawn.
///
/// Not thread-safe by itself: owned by one queue, worker or recycler at a time (see
/// JobRecycler.swift for how it moves between them).
final class ScopeJob: QueuedJob, @unchecked Sendable {
    /// nil while the job is kept by a recycler (so that what the closure captured is freed
    /// when the job has run, not when it is reused).
    private var body: (@Sendable (WorkStealingExecutor.Scope) -> Void)?
    private var scope: Unmanaged<WorkStealingExecutor.Scope>
    /// The recycler of the thread that made this job: where it goes back once run.
    let home: Unmanaged<JobRecycler>
    private init(
        home: Unmanaged<JobRecycler>, _ scope: WorkStealingExecutor.Scope,
        _ body: @escaping @Sendable (WorkStealingExecutor.Scope) -> Void
    ) {
        self.home = home
        self.scope = Unmanaged.passUnretained(scope)
        self.body = body
        super.init(pinnedDomain: nil, scopeLatch: Unmanaged.passUnretained(scope.latch).toOpaque())
    }

    /// A job for `body` in `scope`, as a queue word holding one retain: a spent job from
    /// `recycler` (the calling thread's), or a new one whose home it is.
    @inline(__always)
    static func make(
        _ scope: WorkStealingExecutor.Scope, _ body: @escaping @Sendable (WorkStealingExecutor.Scope) -> Void,
        recycler: Unmanaged<JobRecycler>
    ) -> UInt {
        guard let bits = recycler._withUnsafeGuaranteedRef({ $0.take() }) else {
            return ScopeJob(home: recycler, scope, body).retainedBits()
        }
        Unmanaged<ScopeJob>.fromOpaque(UnsafeRawPointer(bitPattern: bits)!)._withUnsafeGuaranteedRef { job in
            job.scope = Unmanaged.passUnretained(scope)
            job.body = body
            job.scopeLatch = Unmanaged.passUnretained(scope.latch).toOpaque()
        }
        return bits
    }

    /// Runs the body and counts the job done. The worker that ran it then hands it to its
    /// recycler (``Worker/execute(_:)``); run by another thread it is simply freed.
    override func execute(by worker: Worker?) {
        scope._withUnsafeGuaranteedRef { scope in
            // Unwrapped by a pattern, not by `unsafelyUnwrapped`: that generic getter passes the
            // function through a reabstraction thunk whose context it allocates on the heap, a
            // malloc and a free for every job run (seen in `perf`).
            if let body { body(scope) }
            if let worker { worker.completeLater(scope.latch) } else { scope.latch.countDown() }
        }
        body = nil
    }
}
