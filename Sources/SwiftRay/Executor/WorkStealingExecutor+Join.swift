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
