import Logging
import Synchronization

/// The event loop of one concurrency group of an async actor (Ray runs each async actor's calls
/// on an asyncio loop, one per group): a `TaskExecutor` that runs the Swift jobs given to it one
/// at a time, in the order they came, on workers of the actor's domain. The calls of the group
/// run in the group's lane workers, Swift `Task`s that prefer it, so they interleave only at
/// their `await`s; the instance is never touched by two of them at once.
///
/// Between jobs the loop runs its pump (``requestPump()``): the actor's code that starts another
/// lane worker when the running ones are all suspended in calls and mail waits (see
/// ActorCore+LaneWorkers.swift).
///
/// Thread-safe: the queue is under a lock; at most one drain job runs it at a time.
final class ActorEventLoop: TaskExecutor, @unchecked Sendable {
    /// One thing to run on the loop.
    private enum Item {
        case job(UnownedJob)
        case pump(@Sendable () -> Void)
    }

    /// The guarded state. Not thread-safe by itself.
    private struct State {
        var jobs = FIFO<UnownedJob>()
        var pumpWanted = false
        /// A drain job is queued or running.
        var scheduled = false
        /// The pump: the actor's code; nil once the actor is dead.
        var pump: (@Sendable () -> Void)?
    }

    let executor: WorkStealingExecutor
    /// The actor's domain (set when it is placed, before any call runs).
    let domain = Atomic<Int>(0)
    /// For an actor with exclusive cores, its thread: drains run there (set when the actor is
    /// placed, before the loop is used).
    @exclusivity(unchecked) nonisolated(unsafe) var exclusiveThread: ExclusiveCoreThread?
    private let state = SpinLocked(State())
    /// Items a drain runs before it lets the worker's other jobs go first.
    static let itemsPerTurn = 256

    init(executor: WorkStealingExecutor) {
        self.executor = executor
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let schedule = state.withLock { state in
            state.jobs.append(job)
            return Self.claimDrain(&state)
        }
        if schedule { scheduleDrain() }
    }

    /// Sets the pump (the actor's, which holds the loop: a dead actor sets nil to break the cycle;
    /// a weak reference instead would give the actor a side table, and every retain and release
    /// of it the slow path).
    func setPump(_ pump: (@Sendable () -> Void)?) {
        state.withLock { $0.pump = pump }
    }

    /// Asks the loop to run its pump soon (once, however often asked before it runs).
    func requestPump() {
        let schedule = state.withLock { state in
            state.pumpWanted = true
            return Self.claimDrain(&state)
        }
        if schedule { scheduleDrain() }
    }

    private static func claimDrain(_ state: inout State) -> Bool {
        if state.scheduled { return false }
        state.scheduled = true
        return true
    }

    /// Queues a drain job on the domain. After shutdown the jobs go to Swift's global executor
    /// (a dropped job would hang its task forever), with a logged warning.
    private func scheduleDrain() {
        let domain = domain.load(ordering: .acquiring)
        let drain = EventLoopDrain(loop: self, domain: domain)
        guard executor.trySubmit(drain, toDomain: domain, via: exclusiveThread) != nil else { return }
        Logger(label: "swiftray.actor").warning("async actor call resumed after shutdown: running it on the global executor")
        let jobs: [UnownedJob] = state.withLock { state in
            var jobs: [UnownedJob] = []
            while let job = state.jobs.popFirst() { jobs.append(job) }
            state.pumpWanted = false
            state.scheduled = false
            return jobs
        }
        for job in jobs { globalConcurrentExecutor.enqueue(job) }
    }

    /// Runs queued items until none is left (or a turn's worth ran: then it queues itself again).
    func drain() {
        for _ in 0..<Self.itemsPerTurn {
            let next: Item? = state.withLock { state in
                if state.pumpWanted {
                    state.pumpWanted = false
                    if let pump = state.pump { return .pump(pump) }
                }
                if let job = state.jobs.popFirst() { return .job(job) }
                state.scheduled = false
                return nil
            }
            switch next {
            case nil: return
            case .pump(let pump): pump()
            case .job(let job): job.runSynchronously(on: asUnownedTaskExecutor())
            }
        }
        scheduleDrain()
    }
}

/// The job that drains an ``ActorEventLoop`` on the actor's domain. Owned by one queue or one
/// worker at a time, like every ``QueuedJob``.
final class EventLoopDrain: QueuedJob, @unchecked Sendable {
    let loop: ActorEventLoop

    init(loop: ActorEventLoop, domain: Int) {
        self.loop = loop
        super.init(pinnedDomain: domain)
    }

    override func execute(by worker: Worker?) { loop.drain() }
}
