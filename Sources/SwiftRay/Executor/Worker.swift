import Dispatch
import CCycleCounter
import Foundation
import Synchronization

/// One worker thread of a domain: its deque, its sleep state and its counters. The thread runs
/// ``run()`` from start to shutdown (one long-lived loop, started through Dispatch).
///
/// Thread safety: the deque's owner side, `spawnCursor` and the loop belong to the worker's own
/// thread; `deque.steal`, `state`, `parking` and the counters are read and written by others.
final class Worker: @unchecked Sendable {
    /// Set once by `attach(to:)` before the thread starts, unretained: the executor outlives
    /// its workers (each worker's Dispatch block retains it until the loop ends).
    private(set) unowned(unsafe) var executor: WorkStealingExecutor! = nil
    /// This worker's domain's pinned-job queue, unretained for the same reason (and because
    /// the domain pool is shared by all its workers: retaining it would bounce its line).
    private var pinnedRef: Unmanaged<InjectorQueue>! = nil
    let domainID: Int
    /// Position in `executor.workers`.
    let globalIndex: Int
    let deque = WorkStealingDeque()
    /// `awake` or `sleeping`; see SleepProtocol.swift.
    let state = Atomic<Int>(WorkerState.awake)
    let parking = DispatchSemaphore(value: 0)
    let counters = WorkerCounters()
    /// Whether this worker counts in its domain's `searching` (see SleepProtocol.swift); read
    /// and written by the worker's own thread only.
    var isSearching = false
    /// Where the next steal attempt starts, so that thieves spread over victims.
    private var stealCursor: Int

    init(domainID: Int, globalIndex: Int) {
        self.domainID = domainID
        self.globalIndex = globalIndex
        stealCursor = globalIndex + 1
    }

    /// The executor's address, for the identity check on the submit path.
    private(set) var executorAddress: UnsafeMutableRawPointer? = nil

    /// Whom this worker steals from (set once by `attach(to:)`), and the same unretained for
    /// the hot loop: reading a class reference from a `var` retains it for the call.
    private var stealOrder: StealOrder?
    private var stealOrderRef: Unmanaged<StealOrder>! = nil
    /// The executor's lanes and sleep protocol and its batch size, copied here so that the hot
    /// loop never retains the executor object that every worker shares.
    private var lanesRef: Unmanaged<SubmissionLanes>! = nil
    private var sleepRef: Unmanaged<SleepProtocol>! = nil
    private var batch = 0
    /// The worker thread's job recycler (set as the thread starts; see JobRecycler.swift).
    private var recyclerRef: Unmanaged<JobRecycler>?
    @inline(__always)
    var recycler: Unmanaged<JobRecycler> { recyclerRef.unsafelyUnwrapped }

    func attach(to executor: WorkStealingExecutor) {
        self.executor = executor
        executorAddress = Unmanaged.passUnretained(executor).toOpaque()
        let pool = executor.domains[domainID]
        pinnedRef = Unmanaged.passUnretained(pool.pinned)
        let order = StealOrder(
            siblings: UnretainedList(pool.workers.filter { $0 !== self }),
            remoteDomains: pool.stealOrder,
            remoteWorkers: UnretainedList(pool.stealOrder.map { UnretainedList(executor.domains[$0].workers) }))
        stealOrder = order
        stealOrderRef = Unmanaged.passUnretained(order)
        lanesRef = Unmanaged.passUnretained(executor.lanes)
        sleepRef = Unmanaged.passUnretained(executor.sleep)
        batch = executor.injectorBatch
    }

    /// Drops the steal order (its lists hold the other workers, and theirs this one: a cycle),
    /// once the worker's thread has ended; the executor's deinit calls it.
    func detach() {
        stealOrderRef = nil
        stealOrder = nil
    }

    // MARK: The calling thread's worker

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    /// The worker running on the calling thread if it is one of `executor`'s, else nil.
    @inline(__always)
    static func current(of executor: WorkStealingExecutor) -> Worker? {
        guard let pointer = pthread_getspecific(key) else { return nil }
        let worker = Unmanaged<Worker>.fromOpaque(pointer).takeUnretainedValue()
        return worker.executor === executor ? worker : nil
    }

    /// Calls `body` with the calling thread's worker if it is one of `executor`'s, else with
    /// nil, without touching either object's reference count (the hot path of every submit:
    /// a retain of the shared executor object would bounce its cache line between workers).
    @inline(__always)
    static func withCurrent<R>(of executor: WorkStealingExecutor, _ body: (Unmanaged<Worker>?) -> R) -> R {
        withCurrent(ofExecutorAt: Unmanaged.passUnretained(executor).toOpaque(), body)
    }

    /// `withCurrent(of:_:)` for a caller that knows the executor by address only (and so never
    /// loads, let alone retains, the shared executor object).
    @inline(__always)
    static func withCurrent<R>(ofExecutorAt address: UnsafeMutableRawPointer, _ body: (Unmanaged<Worker>?) -> R) -> R {
        guard let pointer = pthread_getspecific(key) else { return body(nil) }
        let unmanaged = Unmanaged<Worker>.fromOpaque(pointer)
        let mine = unmanaged._withUnsafeGuaranteedRef { $0.executorAddress == address }
        return body(mine ? unmanaged : nil)
    }

    // MARK: The loop

    /// The worker thread's body: binds to the domain, then runs jobs until shutdown.
    func run() {
        pthread_setspecific(Self.key, Unmanaged.passUnretained(self).toOpaque())
        recyclerRef = JobRecycler.current
        recycler._withUnsafeGuaranteedRef { $0.setLimit(JobRecycler.busyCapacity) }
        executor.bindWorkerThread(self)
        while true {
            if let job = findWork() {
                endSearch()
                execute(job)
                continue
            }
            prepareToIdle()
            if sleepRef._withUnsafeGuaranteedRef({ $0.idle(self, until: nil) }) == .terminate { break }
        }
        // The Dispatch thread lives on, and its recycler with it: back to what any thread keeps.
        recycler._withUnsafeGuaranteedRef { $0.setLimit(JobRecycler.idleCapacity) }
        pthread_setspecific(Self.key, nil)
    }

    /// About to run a job (or return to the one whose latch was set): a searching worker stops
    /// searching, passing the baton if it must (see SleepProtocol.swift).
    @inline(__always)
    private func endSearch() {
        if isSearching { sleepRef._withUnsafeGuaranteedRef { $0.stopSearching(self) } }
    }

    @inline(__always)
    func execute(_ job: consuming QueuedJob) {
        let latch = job.scopeLatch
        if pendingLatch != nil && latch != pendingLatch { flushCompletions() }
        counters.busy.store(true, ordering: .relaxed)
        job.execute(by: self)
        counters.busy.store(false, ordering: .relaxed)
        counters.bump(counters.jobsRun)
        if latch != nil {
            // A scope's job (the only kind with a latch) goes back to the recycler of the
            // thread that made it, taking over this reference (see JobRecycler.swift).
            // `consume`: the reference ends where its bits are taken, so no retain and release.
            let spent = unsafeDowncast(consume job, to: ScopeJob.self)
            let home = spent.home
            let bits = UInt(bitPattern: Unmanaged.passRetained(consume spent).toOpaque())
            recycler._withUnsafeGuaranteedRef { $0.recycle(bits, home: home) }
        }
    }

    /// What this worker holds back for batching goes out before it idles: scope completions
    /// (a waiter is never starved) and spent jobs of other threads (their spawner reuses them).
    @inline(__always)
    private func prepareToIdle() {
        thinLaneSteals = 0
        flushCompletions()
        recycler._withUnsafeGuaranteedRef { $0.flushOutgoing() }
    }

    // MARK: Batched scope completions

    /// Completions of jobs of one scope that this worker ran back to back, not yet counted
    /// down: one atomic operation on the scope's latch per batch instead of per job. Flushed
    /// before any other job runs and before the worker idles, so a waiter is never starved.
    /// Unretained: a latch with pending completions cannot be set, so its scope (which owns
    /// it) is still waiting and alive.
    private var pendingLatch: UnsafeMutableRawPointer?
    private var pendingCount = 0

    @inline(__always)
    func completeLater(_ latch: WorkerLatch) {
        let address = Unmanaged.passUnretained(latch).toOpaque()
        if pendingLatch == address {
            pendingCount += 1
        } else {
            flushCompletions()
            pendingLatch = address
            pendingCount = 1
        }
    }

    @inline(__always)
    func flushCompletions() {
        guard let address = pendingLatch else { return }
        let count = pendingCount
        pendingLatch = nil
        pendingCount = 0
        // A strong reference for the call: the moment the count reaches zero the waiter may
        // return and free the scope and its latch, while countDown still wakes it.
        let latch = Unmanaged<WorkerLatch>.fromOpaque(address).takeUnretainedValue()
        latch.countDown(by: count)
    }

    /// Runs other jobs until `latch` is set: how a worker blocks without holding its thread
    /// hostage (a task waiting on an unfinished ref, the first half of a join).
    func help(until latch: WorkerLatch) {
        let outer = helpedLatch
        helpedLatch = Unmanaged.passUnretained(latch)
        defer { helpedLatch = outer }
        while true {
            if pendingLatch == Unmanaged.passUnretained(latch).toOpaque() { flushCompletions() }
            if latch.isSet {
                endSearch()
                return
            }
            if let job = findWork() {
                endSearch()
                execute(job)
                continue
            }
            prepareToIdle()
            _ = sleepRef._withUnsafeGuaranteedRef { $0.idle(self, until: latch) }
        }
    }

    // MARK: Finding work

    /// The lookup order: own deque, own domain's pinned injector, the lanes of outside threads
    /// into the domain, the deques of the domain's other workers, then (unpinned work only)
    /// other domains' lanes and deques, nearest domain first.
    @inline(__always)
    func findWork() -> QueuedJob? {
        if let job = deque.pop() { return job }
        if let job = pinnedRef._withUnsafeGuaranteedRef({ $0.pop() }) { return job }
        return stealWork()
    }

    /// Lane steals in a row that found a single job (reset by a batch, by a job stolen from
    /// another worker's deque, and when the worker idles): this worker is running jobs faster
    /// than an outside thread submits them.
    private var thinLaneSteals = 0
    /// How long such a worker waits before it looks again (see ``giveTheSubmitterRoom()``).
    static let thinLaneBackoffNanoseconds = 2_000

    /// A worker that outruns the thread feeding a lane would otherwise take its jobs one at a
    /// time, each steal pulling the lane's `top`, `bottom` and slot lines away from the
    /// submitter, whose every push then waits for them to come back (in `perf`: the
    /// submitter's time went to its three sequentially consistent stores). After two thin
    /// steals in a row it waits 2 us with the CPU's spin hint, so that the lane fills and its
    /// next steal takes a batch. Never in the latency path: a worker that went idle in between
    /// starts again at zero. Fan-out of 1M jobs from outside, 2 workers, calm: 79-90 ns a job
    /// without the wait, 37-40 with it (BENCHMARKS.md, twelfth sitting).
    @inline(__always)
    private func giveTheSubmitterRoom() {
        guard thinLaneSteals >= 2 else { return }
        let until = MonotonicClock.nanoseconds &+ Self.thinLaneBackoffNanoseconds
        repeat {
            for _ in 0..<4 { swiftray_spin_hint() }
        } while MonotonicClock.nanoseconds < until
    }

    private func stealWork() -> QueuedJob? {
        giveTheSubmitterRoom()
        return lanesRef._withUnsafeGuaranteedRef { lanes in
            if let job = lanes.withLanes(into: domainID, { steal(fromLanes: $0) }) { return job }
            return stealOrderRef._withUnsafeGuaranteedRef { order in
                if let job = steal(from: order.siblings) {
                    counters.bump(counters.stolenLocal)
                    return job
                }
                for index in order.remoteDomains.indices {
                    let other = order.remoteDomains[index]
                    if let job = lanes.withLanes(into: other, { steal(fromLanes: $0) })
                        ?? order.remoteWorkers.with(index, { steal(from: $0) })
                    {
                        counters.bump(counters.stolenCrossDomain)
                        return job
                    }
                }
                return nil
            }
        }
    }

    /// Batches from outside threads' lanes (moved to this worker's deque, one CAS a batch).
    ///
    /// While a batch moves it is in neither queue, so a searcher that looks then and parks
    /// may have missed it; the rest of the batch is announced once it sits in this worker's
    /// deque (`notify` after the publication: a sleeper that announced itself during the move
    /// is seen and woken; see SleepProtocol.swift).
    private func steal(fromLanes lanes: UnretainedList<SubmissionLanes.Lane>) -> QueuedJob? {
        let job = stealRoundRobin(count: lanes.count) { index in
            lanes.with(index) { $0.deque.stealBatch(limit: batch, into: deque) }
        }
        if job != nil {
            if deque.count > 0 {
                sleepRef._withUnsafeGuaranteedRef { $0.notify(domain: domainID, pinned: false) }
                thinLaneSteals = 0
            } else {
                thinLaneSteals += 1
            }
        }
        return job
    }

    /// One job from the top of other workers' deques. A worker that finds one there is not
    /// waiting on a lane's submitter any more: its count of thin lane steals starts again.
    private func steal(from victims: UnretainedList<Worker>) -> QueuedJob? {
        let job = stealRoundRobin(count: victims.count) { index in victims.with(index) { $0.deque.steal() } }
        if job != nil { thinLaneSteals = 0 }
        return job
    }

    /// Tries `attempt` on each of `count` victims, starting at a rotating cursor so that thieves
    /// spread out; goes round again while some attempt lost a race (`.retry`).
    @inline(__always)
    private func stealRoundRobin(count: Int, _ attempt: (Int) -> WorkStealingDeque.Steal) -> QueuedJob? {
        guard count > 0 else { return nil }
        var retry = true
        while retry {
            retry = false
            stealCursor &+= 1
            for offset in 0..<count {
                switch attempt((stealCursor &+ offset) % count) {
                case .success(let job): return job
                case .retry: retry = true
                case .empty: break
                }
            }
        }
        return nil
    }

    /// Whether another job waits where this worker would look after the one it runs (its own
    /// deque included). A job that runs many calls in one go (an actor's or a lease's runner)
    /// gives its turn up only then: re-queueing itself with nobody waiting would only wake a
    /// sleeping worker to take it over, and on a small machine that worker's spinning takes
    /// the CPU from the submitter.
    var hasWaitingWork: Bool { deque.count > 0 || hasVisibleWork() }

    /// The latch of the innermost ``help(until:)`` on this thread (nil: none), unretained: the
    /// blocked job that helps holds it. Owner thread only.
    private var helpedLatch: Unmanaged<WorkerLatch>?

    /// Whether a runner should end its wait for more work (a linger for mail or tasks) now:
    /// another job waits for this worker, or the runner is nested in a blocked job's help whose
    /// latch is set, so that job can go on. Without the second, the last runner of a burst
    /// spun out its whole linger (up to 200 us) on top of a task whose get had completed, and
    /// on a stack of nested tasks each of their returns waited so. (A runner still running
    /// calls keeps its turn: giving it up once the latch is set made `n:n actor calls async`
    /// 0.94x as fast, thirty-sixth sitting.) Owner thread only.
    var shouldEndIdleWait: Bool {
        if let helpedLatch, helpedLatch._withUnsafeGuaranteedRef({ $0.isSet }) { return true }
        return hasWaitingWork
    }

    /// Whether this worker could find work right now (the sleep protocol's re-check).
    func hasVisibleWork() -> Bool {
        lanesRef._withUnsafeGuaranteedRef { lanes in
            if pinnedRef._withUnsafeGuaranteedRef({ $0.count > 0 }) || lanes.anyQueued(domain: domainID) {
                return true
            }
            return stealOrderRef._withUnsafeGuaranteedRef { order in
                if order.siblings.contains(where: { $0.deque.count > 0 }) { return true }
                for index in order.remoteDomains.indices {
                    if lanes.anyQueued(domain: order.remoteDomains[index])
                        || order.remoteWorkers.with(index, { $0.contains { $0.deque.count > 0 } })
                    {
                        return true
                    }
                }
                return false
            }
        }
    }
}
