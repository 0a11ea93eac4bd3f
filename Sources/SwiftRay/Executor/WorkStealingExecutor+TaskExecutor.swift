import Logging

/// A Swift concurrency job queued on the executor.
final class SwiftConcurrencyJob: QueuedJob, @unchecked Sendable {
    private let job: UnownedJob
    private let executor: UnownedTaskExecutor

    init(_ job: UnownedJob, executor: UnownedTaskExecutor, pinnedDomain: Int?) {
        self.job = job
        self.executor = executor
        super.init(pinnedDomain: pinnedDomain)
    }

    override func execute(by worker: Worker?) { job.runSynchronously(on: executor) }
}

extension WorkStealingExecutor: TaskExecutor {
    /// Runs Swift concurrency jobs on the workers (any domain; from a worker, its own deque).
    /// After shutdown a job is handed to Swift's global concurrent executor, with a logged
    /// warning, because a dropped job would hang its task forever.
    public func enqueue(_ job: consuming ExecutorJob) {
        let queued = SwiftConcurrencyJob(UnownedJob(job), executor: asUnownedTaskExecutor(), pinnedDomain: nil)
        enqueueOrHandOff(queued, toDomain: nil)
    }

    func enqueueOrHandOff(_ queued: SwiftConcurrencyJob, toDomain domain: Int?) {
        do {
            try submit(queued, toDomain: domain)
        } catch {
            Logger(label: "swiftray.executor").warning(
                "Swift concurrency job enqueued after shutdown: running it on the global executor")
            globalConcurrentExecutor.enqueue(queued.unownedJob)
        }
    }
}

extension SwiftConcurrencyJob {
    var unownedJob: UnownedJob { job }
}

/// One domain of a ``WorkStealingExecutor`` as a `TaskExecutor`: async code run under
/// `withTaskExecutorPreference(domainExecutor)` (and its child tasks) runs and resumes only on
/// that domain's workers.
///
/// Thread-safe. Holds its executor strongly.
public final class DomainExecutor: TaskExecutor, @unchecked Sendable {
    public let executor: WorkStealingExecutor
    public let domainID: Int

    init(executor: WorkStealingExecutor, domainID: Int) {
        self.executor = executor
        self.domainID = domainID
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let queued = SwiftConcurrencyJob(UnownedJob(job), executor: asUnownedTaskExecutor(), pinnedDomain: domainID)
        executor.enqueueOrHandOff(queued, toDomain: domainID)
    }
}
