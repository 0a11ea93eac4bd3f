import Dispatch
import Foundation
import Synchronization

/// One worker thread of a domain: its deque, its sleep state and its counters. The thread runs
/// ``run()`` from start to shutdown (one long-lived loop, started through Dispatch).
///
/// Thread safety: the deque's owner side, `spawnCursor` and the loop belong to the worker's own
/// thread; `deque.steal`, `state`, `parking` and the counters are read and written by others.
final class Worker: @unchecked Sendable {
    /// Set once by `attach(to:)` before the thread starts. The executor outlives its workers
    /// (each worker's Dispatch block retains it until the loop ends).
    private var owner: Unmanaged<WorkStealingExecutor>?
    let domainID: Int
    /// Position in `executor.workers`.
    let globalIndex: Int
    let deque = WorkStealingDeque()
    /// `awake` or `sleeping`; see SleepProtocol.swift.
    let state = Atomic<Int>(WorkerState.awake)
    let parking = DispatchSemaphore(value: 0)
    let counters = WorkerCounters()
    /// Where the next steal attempt starts, so that thieves spread over victims.
    private var stealCursor: Int

    init(domainID: Int, globalIndex: Int) {
        self.domainID = domainID
        self.globalIndex = globalIndex
        stealCursor = globalIndex + 1
    }

    func attach(to executor: WorkStealingExecutor) { owner = Unmanaged.passUnretained(executor) }

    @inline(__always)
    var executor: WorkStealingExecutor { owner.unsafelyUnwrapped.takeUnretainedValue() }

    // MARK: The calling thread's worker

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    /// The worker running on the calling thread, if it is one.
    @inline(__always)
    static var current: Worker? {
        guard let pointer = pthread_getspecific(key) else { return nil }
        return Unmanaged<Worker>.fromOpaque(pointer).takeUnretainedValue()
    }

    // MARK: The loop

    /// The worker thread's body: binds to the domain, then runs jobs until shutdown.
    func run() {
        pthread_setspecific(Self.key, Unmanaged.passUnretained(self).toOpaque())
        executor.bindCurrentThread(toDomain: domainID)
        while true {
            if let job = findWork() {
                execute(job)
                continue
            }
            if executor.sleep.idle(self, until: nil) == .terminate { break }
        }
        pthread_setspecific(Self.key, nil)
    }

    @inline(__always)
    func execute(_ job: QueuedJob) {
        counters.busy.store(true, ordering: .relaxed)
        job.execute()
        counters.busy.store(false, ordering: .relaxed)
        counters.bump(counters.jobsRun)
    }

    /// Runs other jobs until `isDone` holds: how a worker blocks without holding its thread
    /// hostage (a task waiting on an unfinished ref, the first half of a join).
    func help(until latch: WorkerLatch) {
        while !latch.isSet {
            if let job = findWork() {
                execute(job)
                continue
            }
            _ = executor.sleep.idle(self, until: latch)
        }
    }

    /// The lookup order: own deque, own domain's pinned then shared injector, the deques of the
    /// domain's other workers, then (for unpinned work only) other domains nearest first.
    @inline(__always)
    func findWork() -> QueuedJob? {
        if let job = deque.pop() { return job }
        let domain = executor.domains[domainID]
        if let job = domain.pinned.pop(movingUpTo: 0, into: nil) { return job }
        if let job = domain.shared.pop(movingUpTo: executor.injectorBatch, into: deque) { return job }
        return stealWork()
    }

    private func stealWork() -> QueuedJob? {
        let domain = executor.domains[domainID]
        if let job = steal(from: domain.workers, crossDomain: false) { return job }
        for other in domain.stealOrder {
            let remote = executor.domains[other]
            if let job = remote.shared.pop(movingUpTo: 0, into: nil) {
                counters.bump(counters.stolenCrossDomain)
                return job
            }
            if let job = steal(from: remote.workers, crossDomain: true) { return job }
        }
        return nil
    }

    private func steal(from victims: [Worker], crossDomain: Bool) -> QueuedJob? {
        let count = victims.count
        guard count > 0 else { return nil }
        var retry = true
        while retry {
            retry = false
            stealCursor &+= 1
            for offset in 0..<count {
                let victim = victims[(stealCursor &+ offset) % count]
                if victim === self { continue }
                switch victim.deque.steal() {
                case .success(let job):
                    if crossDomain { counters.bump(counters.stolenCrossDomain) } else { counters.bump(counters.stolenLocal) }
                    return job
                case .retry: retry = true
                case .empty: break
                }
            }
        }
        return nil
    }

    /// Whether this worker could find work right now (the sleep protocol's re-check).
    func hasVisibleWork() -> Bool {
        let domain = executor.domains[domainID]
        if domain.pinned.count > 0 || domain.shared.count > 0 { return true }
        if domain.workers.contains(where: { $0 !== self && $0.deque.count > 0 }) { return true }
        for other in domain.stealOrder {
            let remote = executor.domains[other]
            if remote.shared.count > 0 || remote.workers.contains(where: { $0.deque.count > 0 }) {
                return true
            }
        }
        return false
    }
}

/// Per-worker counters, written by the worker alone (relaxed load-and-store, no read-modify-write
/// on a shared line) and read by anyone. Thread-safe.
final class WorkerCounters: Sendable {
    let jobsRun = Atomic<Int>(0)
    let stolenLocal = Atomic<Int>(0)
    let stolenCrossDomain = Atomic<Int>(0)
    let busy = Atomic<Bool>(false)

    @inline(__always)
    func bump(_ counter: borrowing Atomic<Int>) {
        counter.store(counter.load(ordering: .relaxed) &+ 1, ordering: .relaxed)
    }
}
