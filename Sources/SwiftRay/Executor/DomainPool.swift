import Synchronization

/// One compute domain's share of the executor: its workers, its pinned-job queue and its
/// sleep counters. A Ray node's worker pool.
///
/// Thread-safe: the arrays are fixed after start, the rest is atomic or locked.
final class DomainPool: @unchecked Sendable {
    let id: Int
    /// Filled once while the executor starts, never changed after.
    var workers: [Worker] = []
    /// Jobs that must run in this domain (hard constraint): only this domain's workers take them.
    /// (Unpinned jobs from outside arrive through ``SubmissionLanes`` instead.)
    let pinned = InjectorQueue()
    /// Other domains, nearest first (NUMA distance): where this domain's workers steal last.
    let stealOrder: [Int]
    /// Workers of this domain spinning in search of work.
    let searching = Atomic<Int>(0)
    /// Workers of this domain parked (announced and not yet woken).
    let sleepers = Atomic<Int>(0)

    init(id: Int, stealOrder: [Int]) {
        self.id = id
        self.stealOrder = stealOrder
    }

    /// Jobs waiting in this domain's injector and worker deques (a snapshot; lanes not included).
    var queuedJobs: Int {
        pinned.count + workers.reduce(0) { $0 + $1.deque.count }
    }
}
