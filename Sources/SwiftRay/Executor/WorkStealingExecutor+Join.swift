/// The second half of a `join`: runs once, on a thief or inline on the joining worker, and
/// stores its result for the joiner. Thread-safe through its latch (the result is written before
/// the latch is set and read after it is seen set).
final class JoinJob<Result: Sendable>: QueuedJob, @unchecked Sendable {
    private let body: @Sendable () -> Result
    private var result: Result?
    let latch = WorkerLatch()

    init(_ body: @escaping @Sendable () -> Result) {
        self.body = body
        super.init(pinnedDomain: nil)
    }

    override func execute(by worker: Worker?) {
        result = body()
        latch.countDown()
    }

    /// Only after `latch.isSet`.
    func takeResult() -> Result { result.unsafelyUnwrapped }
}

/// A job spawned into a ``WorkStealingExecutor/Scope``. Holds its scope unretained: a scope
/// outlives its jobs (it returns only after all have run), and skipping two reference-count
/// operations on an object every worker touches is most of a spawn's cost.
final class ScopeJob: QueuedJob, @unchecked Sendable {
    private let body: @Sendable (WorkStealingExecutor.Scope) -> Void
    private let scope: Unmanaged<WorkStealingExecutor.Scope>

    init(_ scope: WorkStealingExecutor.Scope, _ body: @escaping @Sendable (WorkStealingExecutor.Scope) -> Void) {
        self.scope = Unmanaged.passUnretained(scope)
        self.body = body
        super.init(pinnedDomain: nil, scopeLatch: Unmanaged.passUnretained(scope.latch).toOpaque())
    }

    override func execute(by worker: Worker?) {
        scope._withUnsafeGuaranteedRef { scope in
            body(scope)
            if let worker { worker.completeLater(scope.latch) } else { scope.latch.countDown() }
        }
    }
}

extension WorkStealingExecutor {
    /// Runs `first` on the calling thread and `second` possibly in parallel (rayon's `join`):
    /// `second` is pushed where idle workers can steal it; if nobody has by the time `first`
    /// returns, the caller runs it itself. A worker waiting for a stolen `second` runs other
    /// jobs meanwhile, so nested joins never deadlock the pool.
    public func join<A, B: Sendable>(
        _ first: () -> A, _ second: @escaping @Sendable () -> B
    ) throws(ExecutorError) -> (A, B) {
        let job = JoinJob(second)
        try submit(job, toDomain: nil)
        let a = first()
        if let worker = Worker.current(of: self), !job.latch.isSet {
            // LIFO: if `second` was not stolen it is on top of our own deque.
            if let top = worker.deque.pop() {
                if top === job { job.execute(by: worker) } else { worker.execute(top) }
            }
        }
        job.latch.wait(on: self)
        return (a, job.takeResult())
    }

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

        /// Runs `body` on some worker before the scope closes.
        @inline(__always)
        public func spawn(_ body: @escaping @Sendable (Scope) -> Void) throws(ExecutorError) {
            latch.increment()
            let job = ScopeJob(self, body)
            if let refused = executorRef._withUnsafeGuaranteedRef({ $0.trySubmit(job, toDomain: nil) }) {
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
}

extension WorkStealingExecutor {
    /// Runs `body` on a worker and returns its result (rayon's `install`): the way to start a
    /// fork-join computation from a thread that is not a worker. On a worker it runs inline.
    public func install<R: Sendable>(_ body: @escaping @Sendable () -> R) throws(ExecutorError) -> R {
        if Worker.current(of: self) != nil { return body() }
        let job = JoinJob(body)
        try submit(job, toDomain: nil)
        job.latch.wait(on: self)
        return job.takeResult()
    }
}
