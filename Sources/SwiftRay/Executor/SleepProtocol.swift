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
// Idle worker (`idle`):
//   1. Search: `domain.searching += 1`, then look for work (`hasVisibleWork`) spinning for
//      `spinNanoseconds` (20 us), then for `yieldRounds` (8) more looks each after a
//      `sched_yield`, which lets a submitter that shares the core run. Few yields on purpose:
//      under Linux's EEVDF a thread that yields moves its own virtual deadline back and, once
//      parked, is woken late (measured here: 64 yields before parking made a wake-up ~30 us
//      instead of ~3 us on an idle CPU). Measured trade-off on 2 cores: no yields at all cost
//      tens of thousands of futex wake-ups per million jobs; 8 yields, a few hundred.
//   2. Announce: `state = sleeping`, `domain.sleepers += 1`, `totalSleepers += 1`, then
//      `domain.searching -= 1`.
//   3. Re-check: termination, the latch it waits for (if any), and every queue it may take from.
//      If anything is there it claims itself back (CAS sleeping -> awake; if a waker got there
//      first it consumes that waker's signal instead) and goes back to work.
//   4. Park on its semaphore until a waker signals it.
//
// Submitter (`notify`), after publishing the job:
//   a. If `totalSleepers == 0`, return: nobody sleeps, every worker will look again.
//   b. If the target domain has a searching worker, return: it will find the job.
//   c. Wake one sleeper of the target domain (CAS sleeping -> awake, then signal).
//   d. For an unpinned job whose domain had nobody to wake, the same in other domains, nearest
//      first. At most one worker is woken per job.
//
// Why no wake-up is lost: every step above that publishes (a queue push, the sleeper and
// searching counts, the state) and every read of the other side is sequentially consistent.
// In the single total order either the submitter's read of the counts comes after the worker's
// announcement (so it wakes someone, or sees a searcher whose later re-check comes after the
// push), or the worker's re-check comes after the push (so it sees the job). A spinning worker
// that finds other work and was the last searcher of its domain passes the baton: if more
// work is visible it wakes a sleeper, so step (b) never leaves a job with nobody coming.
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
    let totalSleepers = Atomic<Int>(0)
    let terminating = Atomic<Bool>(false)
    let wakeUps = Atomic<Int>(0)

    init(domains: [DomainPool], workers: [Worker], spinNanoseconds: Int, yieldRounds: Int) {
        self.yieldRounds = yieldRounds
        self.domains = domains
        self.workers = workers
        self.spinNanoseconds = spinNanoseconds
    }

    /// Called by a worker that found no work: spins, then sleeps until woken.
    func idle(_ worker: Worker, until latch: WorkerLatch?) -> Outcome {
        let domain = domains[worker.domainID]
        func somethingToDo() -> Bool { latch?.isSet == true || worker.hasVisibleWork() }
        domain.searching.add(1, ordering: .sequentiallyConsistent)
        let deadline = MonotonicClock.nanoseconds &+ spinNanoseconds
        var found = false
        repeat {
            found = somethingToDo()
        } while !found && MonotonicClock.nanoseconds < deadline
        for _ in 0..<yieldRounds where !found {
            sched_yield()
            found = somethingToDo()
        }
        if found {
            stopSearching(domain, worker: worker, foundWork: true)
            return .lookAgain
        }
        worker.state.store(WorkerState.sleeping, ordering: .sequentiallyConsistent)
        domain.sleepers.add(1, ordering: .sequentiallyConsistent)
        totalSleepers.add(1, ordering: .sequentiallyConsistent)
        stopSearching(domain, worker: worker, foundWork: false)
        if terminating.load(ordering: .sequentiallyConsistent) || somethingToDo() {
            if claim(worker) {
                domain.sleepers.subtract(1, ordering: .sequentiallyConsistent)
                totalSleepers.subtract(1, ordering: .sequentiallyConsistent)
            } else {
                worker.parking.wait()  // a waker claimed us first: take its signal
            }
        } else {
            worker.parking.wait()
        }
        return terminating.load(ordering: .sequentiallyConsistent) && latch == nil ? .terminate : .lookAgain
    }

    private func stopSearching(_ domain: DomainPool, worker: Worker, foundWork: Bool) {
        let remaining = domain.searching.subtract(1, ordering: .sequentiallyConsistent).newValue
        if foundWork && remaining == 0 && worker.hasVisibleWork() {
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
            claim(worker)
        else { return false }
        domains[worker.domainID].sleepers.subtract(1, ordering: .sequentiallyConsistent)
        totalSleepers.subtract(1, ordering: .sequentiallyConsistent)
        wakeUps.add(1, ordering: .relaxed)
        worker.parking.signal()
        return true
    }

    private func claim(_ worker: Worker) -> Bool {
        worker.state.compareExchange(
            expected: WorkerState.sleeping, desired: WorkerState.awake, ordering: .sequentiallyConsistent
        ).exchanged
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
