import Foundation
import Synchronization

/// The two states of a worker, as seen by the sleep protocol.
enum WorkerState {
    static let awake = 0
    static let sleeping = 1
}

// # The sleep protocol
//
// Idle workers must cost nothing, and a submitted job must never sit in a queue while every
// worker that could run it sleeps (a lost wake-up). The protocol:
//
// A worker is *searching* from the moment it runs out of work (or is woken) until it takes a
// job or parks; `domain.searching` counts them. The point of the count is that a submitter
// may skip the wake-up when a searcher exists: the searcher will find the job. For that to
// hold, whoever stops searching must pass the baton on (tokio's rule): when the last
// searcher of a domain takes a job and more work is still visible, it wakes a sleeper, which
// wakes *as a searcher* and does the same. Without that rule a burst of jobs submitted while
// one worker spins is served by that worker and the one it wakes, and the rest of the burst
// waits, behind jobs that may block, while workers sleep (caught by the test "a burst of jobs
// that block wakes every worker it needs").
//
// Idle worker (`idle`):
//   1. Search: unless it is already searching, `domain.searching += 1`; then look for work
//      (`hasVisibleWork`) spinning for `spinNanoseconds` (20 us), then for `yieldRounds` (8)
//      more looks each after a `sched_yield`, which lets a submitter that shares the core run.
//      Few yields on purpose: under Linux's EEVDF a thread that yields moves its own virtual
//      deadline back and, once parked, is woken late (measured here: 64 yields before parking
//      made a wake-up ~30 us instead of ~3 us on an idle CPU). Measured trade-off on 2 cores:
//      no yields at all cost tens of thousands of futex wake-ups per million jobs; 8 yields, a
//      few hundred. If it sees work it returns still searching; the caller ends the search
//      (`stopSearching(_:)`) when it takes a job, or when the latch it waits for is set.
//   2. Announce: `state = sleeping`, `domain.sleepers += 1`, `totalSleepers += 1`, then
//      `domain.searching -= 1` (it stops searching without having found work: no baton).
//   3. Re-check: termination, the latch it waits for (if any), and every queue it may take from.
//      If anything is there it claims itself back (CAS sleeping -> awake, searching again; if a
//      waker got there first it consumes that waker's signal instead) and goes back to look.
//   4. Park on its semaphore until a waker signals it; it wakes searching.
//   5. A worker that keeps spare jobs for reuse (more than an idle thread keeps, see
//      JobRecycler.swift) parks with a timeout (`spareJobsTrimDelayMilliseconds`). On the
//      timeout it claims itself back exactly as in step 3 (or, if a waker got there first,
//      takes that waker's signal), frees the spare jobs as a searcher, a slice at a time,
//      stopping as soon as work is visible, and goes back to step 1. It is never asleep while
//      trimming, so no submitter counts on waking it; and it is a searcher, so it re-checks
//      for work between slices like any searcher. One timed wake-up per idle period, then it
//      parks for good.
//
// Submitter (`notify`), after publishing the job:
//   a. If `totalSleepers == 0`, return: nobody sleeps, every worker will look again.
//   b. If the target domain has a searching worker, return: it will find the job or pass on.
//   c. Wake one sleeper of the target domain: CAS sleeping -> awake, `domain.searching += 1`
//      on its behalf (before it runs, so that no submitter in between thinks nobody comes),
//      then signal.
//   d. For an unpinned job whose domain had nobody to wake, the same in other domains, nearest
//      first. At most one worker is woken per job.
//
// Why no wake-up is lost: every step above that publishes (a queue push, the sleeper and
// searching counts, the state) and every read of the other side is sequentially consistent.
// In the single total order either the submitter's read of the counts comes after the worker's
// announcement (so it wakes someone, or sees a searcher), or the worker's re-check comes after
// the push (so it sees the job). A searcher the submitter counted on either parks (and its
// re-check, after its `searching -= 1`, comes after the push: it sees the job) or takes a job;
// if it was the last searcher and the job it took was not this one, its look after the
// `searching -= 1` comes after the push too, sees the job, and wakes a sleeper (who searches).
//
// Latches (blocking inside a job) use the same shape: the setter publishes the latch, then
// wakes the waiting worker if it is sleeping; the worker re-checks the latch after announcing.

/// The executor's idle and wake-up logic; one per executor. Thread-safe.
final class SleepProtocol: @unchecked Sendable {
    enum Outcome { case lookAgain, terminate }

    let domains: [DomainPool]
    let workers: [Worker]
    let spinNanoseconds: Int
    let yieldRounds: Int
    /// How long a worker that keeps spare jobs parks before it wakes itself to free them.
    let trimDelayNanoseconds: Int
    let totalSleepers = Atomic<Int>(0)
    let terminating = Atomic<Bool>(false)
    let wakeUps = Atomic<Int>(0)

    init(domains: [DomainPool], workers: [Worker], spinNanoseconds: Int, yieldRounds: Int, trimDelayNanoseconds: Int) {
        self.yieldRounds = yieldRounds
        self.trimDelayNanoseconds = trimDelayNanoseconds
        self.domains = domains
        self.workers = workers
        self.spinNanoseconds = spinNanoseconds
    }

    /// Called by a worker that found no work: spins, then sleeps until woken. Returns with the
    /// worker searching unless it terminates; see `stopSearching(_:)`.
    func idle(_ worker: Worker, until latch: WorkerLatch?) -> Outcome {
        let domain = domains[worker.domainID]
        func somethingToDo() -> Bool { latch?.isSet == true || worker.hasVisibleWork() }
        if !worker.isSearching {
            domain.searching.wrappingAdd(1, ordering: .sequentiallyConsistent)
            worker.isSearching = true
        }
        let deadline = MonotonicClock.nanoseconds &+ spinNanoseconds
        var found = false
        repeat {
            found = somethingToDo()
        } while !found && MonotonicClock.nanoseconds < deadline
        for _ in 0..<yieldRounds where !found {
            sched_yield()
            found = somethingToDo()
        }
        if found { return .lookAgain }
        worker.state.store(WorkerState.sleeping, ordering: .sequentiallyConsistent)
        domain.sleepers.wrappingAdd(1, ordering: .sequentiallyConsistent)
        totalSleepers.wrappingAdd(1, ordering: .sequentiallyConsistent)
        domain.searching.wrappingSubtract(1, ordering: .sequentiallyConsistent)
        worker.isSearching = false
        if terminating.load(ordering: .sequentiallyConsistent) || somethingToDo() {
            if !claimAsSearcher(worker) {
                worker.parking.wait()  // a waker claimed us first: take its signal
            }
        } else if worker.recycler._withUnsafeGuaranteedRef({ $0.keepsSpareJobs }) {
            if worker.parking.wait(timeout: .now() + .nanoseconds(trimDelayNanoseconds)) == .timedOut {
                if claimAsSearcher(worker) {
                    // Nobody woke us: free the spare jobs as a searcher (step 5), then look again.
                    worker.isSearching = true
                    worker.recycler._withUnsafeGuaranteedRef { _ = $0.trim(while: { !somethingToDo() }) }
                    return .lookAgain
                }
                worker.parking.wait()  // a waker claimed us first: take its signal
            }
        } else {
            worker.parking.wait()
        }
        worker.isSearching = true  // counted by whoever woke it (itself included)
        return terminating.load(ordering: .sequentiallyConsistent) && latch == nil ? .terminate : .lookAgain
    }

    /// Ends `worker`'s search because it is about to run a job (or return to the job whose latch
    /// was set). The last searcher of a domain that still sees work (its own deque included: a
    /// batch it just moved there waits behind the job it is about to run) wakes a sleeper for it.
    @inline(__always)
    func stopSearching(_ worker: Worker) {
        let domain = domains[worker.domainID]
        worker.isSearching = false
        let remaining = domain.searching.wrappingSubtract(1, ordering: .sequentiallyConsistent).newValue
        if remaining == 0 && (worker.deque.count > 0 || worker.hasVisibleWork()) {
            notify(domain: worker.domainID, pinned: false)
        }
    }

    /// Called after a job was published for `domain`: wakes at most one worker that can run it.
    @inline(__always)
    func notify(domain id: Int, pinned: Bool) {
        guard totalSleepers.load(ordering: .sequentiallyConsistent) > 0 else { return }
        notifySlow(domain: id, pinned: pinned)
    }

    private func notifySlow(domain id: Int, pinned: Bool) {
        let domain = domains[id]
        if domain.searching.load(ordering: .sequentiallyConsistent) > 0 { return }
        if wakeOne(in: domain) || pinned { return }
        for other in domain.stealOrder {
            let remote = domains[other]
            if remote.searching.load(ordering: .sequentiallyConsistent) > 0 { return }
            if wakeOne(in: remote) { return }
        }
    }

    private func wakeOne(in domain: DomainPool) -> Bool {
        guard domain.sleepers.load(ordering: .sequentiallyConsistent) > 0 else { return false }
        for worker in domain.workers where wake(worker) { return true }
        return false
    }

    /// Wakes `worker` if it sleeps. Returns whether this call woke it.
    @discardableResult
    func wake(_ worker: Worker) -> Bool {
        guard worker.state.load(ordering: .sequentiallyConsistent) == WorkerState.sleeping,
            claimAsSearcher(worker)  // it wakes searching
        else { return false }
        wakeUps.wrappingAdd(1, ordering: .relaxed)
        worker.parking.signal()
        return true
    }

    /// Claims a sleeping `worker` awake (CAS sleeping -> awake) and, if this call won, moves it
    /// from the sleepers to the searchers of its domain, on its behalf (before it runs, so that
    /// no submitter in between thinks nobody comes). Whoever wins the claim does this, the
    /// worker itself included; the loser takes the winner's signal instead.
    private func claimAsSearcher(_ worker: Worker) -> Bool {
        guard worker.state.compareExchange(
            expected: WorkerState.sleeping, desired: WorkerState.awake, ordering: .sequentiallyConsistent
        ).exchanged else { return false }
        let domain = domains[worker.domainID]
        domain.searching.wrappingAdd(1, ordering: .sequentiallyConsistent)
        domain.sleepers.wrappingSubtract(1, ordering: .sequentiallyConsistent)
        totalSleepers.wrappingSubtract(1, ordering: .sequentiallyConsistent)
        return true
    }

    /// Whether every worker is parked (announced and not woken).
    var allAsleep: Bool {
        totalSleepers.load(ordering: .sequentiallyConsistent) == workers.count
    }

    /// Ends the workers: only called once the executor is quiescent.
    func terminateAll() {
        terminating.store(true, ordering: .sequentiallyConsistent)
        for worker in workers { wake(worker) }
    }
}
