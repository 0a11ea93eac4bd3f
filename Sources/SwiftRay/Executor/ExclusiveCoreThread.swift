import Dispatch
import Glibc
import Logging
import RayTopology
import Synchronization

/// A thread of its own on PUs taken out of a domain's pool for one client: how an actor with
/// exclusive cores runs. The executor reserves the PUs (its workers are rebound to the domain's
/// other PUs, see WorkStealingExecutor+ExclusiveCores.swift), starts this thread through
/// Dispatch, bound to exactly those PUs and preferring the domain's memory, and runs on it only
/// the jobs submitted here, in order. It is also a `TaskExecutor`, so async code that prefers
/// it runs and resumes there.
///
/// Sleep protocol: between jobs the thread spins (its cores are its own, so spinning costs
/// nobody else) for ``spinNanoseconds``, then parks. Parking is a Dekker handshake with
/// sequentially consistent operations: the thread sets `sleeping` and then re-reads the queue's
/// count; a submitter pushes (the count goes up) and then reads `sleeping`. At least one of them
/// sees the other's write, so a job is never left behind a parked thread; whoever clears
/// `sleeping` first (the thread on its re-check, or one submitter by exchange) owns the wake-up,
/// and a stale semaphore signal only costs one spurious turn of the loop.
///
/// ``stop()`` refuses new jobs; the thread runs what is queued, then ends and gives its PUs back
/// to the domain. Thread-safe: submit and stop from any thread.
public final class ExclusiveCoreThread: TaskExecutor, @unchecked Sendable {
    /// The domain whose PUs it holds.
    public let domainID: Int
    /// The PUs it runs on, alone.
    public let pus: CPUSet
    let executor: WorkStealingExecutor
    private let queue = InjectorQueue()
    private let sleeping = Atomic<Bool>(false)
    private let stopping = Atomic<Bool>(false)
    private let parking = DispatchSemaphore(value: 0)
    /// How long the idle thread spins before it parks.
    static let spinNanoseconds = 200_000

    init(executor: WorkStealingExecutor, domainID: Int, pus: CPUSet) {
        self.executor = executor
        self.domainID = domainID
        self.pus = pus
    }

    /// Starts the thread (the PUs are reserved already); it leaves `group` when it ends.
    func start(in group: DispatchGroup) {
        DispatchQueue(label: "swiftray.exclusive.\(domainID).\(pus.indexes.map(String.init).joined(separator: "-"))")
            .async(group: group) { [self] in
                run()
            }
    }

    /// Queues `job` to run on this thread. False once the thread is stopping (the job is not
    /// queued; the caller runs it elsewhere: see ``WorkStealingExecutor/trySubmit(_:toDomain:via:)``).
    @inline(__always)
    func submit(_ job: QueuedJob) -> Bool {
        guard queue.push(job, fromWorker: false) else { return false }
        if sleeping.load(ordering: .sequentiallyConsistent), sleeping.exchange(false, ordering: .sequentiallyConsistent) {
            parking.signal()
        }
        return true
    }

    /// Refuses new jobs; the thread ends once the queued ones ran, then the PUs go back to the
    /// domain's workers. Idempotent; returns at once (it may be called on this very thread).
    public func stop() {
        guard !stopping.exchange(true, ordering: .sequentiallyConsistent) else { return }
        queue.close()
        if sleeping.exchange(false, ordering: .sequentiallyConsistent) { parking.signal() }
    }

    private static let threadKey: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    /// The exclusive-core thread running the calling code, if any.
    static var current: ExclusiveCoreThread? {
        guard let pointer = pthread_getspecific(threadKey) else { return nil }
        return Unmanaged<ExclusiveCoreThread>.fromOpaque(pointer).takeUnretainedValue()
    }

    private func run() {
        pthread_setspecific(Self.threadKey, Unmanaged.passUnretained(self).toOpaque())
        executor.bindExclusiveThread(toPUs: pus, domain: domainID)
        while true {
            if let job = queue.pop() {
                job.execute(by: nil)
                continue
            }
            if stopping.load(ordering: .sequentiallyConsistent), queue.count == 0 { break }
            if spinForWork() { continue }
            sleeping.store(true, ordering: .sequentiallyConsistent)
            if queue.count > 0 || stopping.load(ordering: .sequentiallyConsistent) {
                // Work (or stop) came in meanwhile: take the wake-up back unless a submitter did.
                if !sleeping.exchange(false, ordering: .sequentiallyConsistent) { parking.wait() }
                continue
            }
            parking.wait()
        }
        pthread_setspecific(Self.threadKey, nil)
        executor.exclusiveThreadEnded(self)
    }

    /// Spins until a job is queued, the thread is stopped, or the spin time is up.
    private func spinForWork() -> Bool {
        let deadline = MonotonicClock.nanoseconds &+ Self.spinNanoseconds
        repeat {
            if queue.count > 0 || stopping.load(ordering: .relaxed) { return true }
        } while MonotonicClock.nanoseconds < deadline
        return false
    }

    // MARK: TaskExecutor

    /// Runs a Swift concurrency job on this thread; once it stopped, on its domain's workers
    /// (a dropped job would hang its task forever).
    public func enqueue(_ job: consuming ExecutorJob) {
        let queued = SwiftConcurrencyJob(UnownedJob(job), executor: asUnownedTaskExecutor(), pinnedDomain: domainID)
        if !submit(queued) { executor.enqueueOrHandOff(queued, toDomain: domainID) }
    }
}
