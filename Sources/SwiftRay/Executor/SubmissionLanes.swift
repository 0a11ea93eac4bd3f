import Foundation
import Synchronization

/// The way unpinned jobs enter the executor from threads that are not its workers (the driver,
/// Swift's cooperative pool, other executors): each such thread gets, per domain, a *lane*, a
/// work-stealing deque that it alone pushes to and that the domain's workers (then other
/// domains') steal from in batches. A submission is then two uncontended stores, and one
/// compare-and-swap moves up to a batch of jobs to a worker.
///
/// Thread-safe. A thread finds its lanes through ``ThreadLaneTable``, its entry in one
/// process-wide thread-specific slot; when the thread ends its lanes are marked orphaned, stay
/// stealable until empty, and are dropped from the list at the next registration. Lists
/// replaced by a registration are kept until the executor ends, because a worker may still be
/// reading one (a few pointers per registration). When the executor ends, each thread lets go
/// of its lanes into it at the thread's next registration (with any executor) or when it ends.
final class SubmissionLanes: @unchecked Sendable {
    /// One thread's lane into one domain.
    final class Lane: @unchecked Sendable {
        let deque = WorkStealingDeque()
        /// Set (sequentially consistent) around each push: shutdown waits for it to clear.
        let pushing = Atomic<Bool>(false)
        let orphaned = Atomic<Bool>(false)
    }

    /// An immutable list of lanes, per domain.
    final class LaneList: @unchecked Sendable {
        let byDomain: UnretainedList<UnretainedList<Lane>>
        init(_ byDomain: [[Lane]]) { self.byDomain = UnretainedList(byDomain.map { UnretainedList($0) }) }
    }

    /// A thread's lanes, one per domain.
    final class ThreadLanes: @unchecked Sendable {
        let lanes: UnretainedList<Lane>
        init(_ lanes: [Lane]) { self.lanes = UnretainedList(lanes) }
    }

    /// Whether a ``SubmissionLanes`` is still alive: what threads' tables hold of it (they must
    /// not keep the executor's lanes object, nor compare addresses a later one may reuse).
    final class Liveness: Sendable {
        let alive = Atomic<Bool>(true)
    }

    private let domainCount: Int
    private let current: Atomic<UnsafeMutableRawPointer>
    private let registration = Locked<[LaneList]>([])
    /// Threads' tables name this object by it.
    let liveness = Liveness()
    private let tableKey = ThreadLaneTable.key

    init(domainCount: Int) {
        self.domainCount = domainCount
        let empty = LaneList(Array(repeating: [], count: domainCount))
        current = Atomic(Unmanaged.passUnretained(empty).toOpaque())
        registration.withLock { $0.append(empty) }
    }

    deinit {
        liveness.alive.store(false, ordering: .releasing)
    }

    /// Calls `body` with the lanes into `domain` that workers look at now, borrowed.
    @inline(__always)
    func withLanes<R>(into domain: Int, _ body: (UnretainedList<Lane>) -> R) -> R {
        Unmanaged<LaneList>.fromOpaque(current.load(ordering: .acquiring))._withUnsafeGuaranteedRef { list in
            list.byDomain.with(domain, body)
        }
    }

    /// The lane list in force (retained; off the hot path).
    var list: LaneList {
        Unmanaged<LaneList>.fromOpaque(current.load(ordering: .acquiring)).takeUnretainedValue()
    }

    /// Calls `body` with the calling thread's lane into `domain` (created on first use), borrowed.
    @inline(__always)
    func withLane<R>(forDomain domain: Int, _ body: (Lane) -> R) -> R {
        let table = ThreadLaneTable.current(key: tableKey)
        guard let lanes = table._withUnsafeGuaranteedRef({ $0.lanes(of: liveness) }) else {
            return register(in: table).lanes.with(domain, body)
        }
        return lanes._withUnsafeGuaranteedRef { $0.lanes.with(domain, body) }
    }

    @inline(never)
    private func register(in table: Unmanaged<ThreadLaneTable>) -> ThreadLanes {
        let mine = ThreadLanes((0..<domainCount).map { _ in Lane() })
        registration.withLock { lists in
            let old = lists[lists.count - 1].byDomain.elements
            let next = LaneList((0..<domainCount).map { domain in
                old[domain].elements.filter { !($0.orphaned.load(ordering: .acquiring) && $0.deque.count == 0) }
                    + [mine.lanes.elements[domain]]
            })
            lists.append(next)
            current.store(Unmanaged.passUnretained(next).toOpaque(), ordering: .releasing)
        }
        table._withUnsafeGuaranteedRef { $0.add(mine, of: liveness) }
        return mine
    }

    /// Whether any lane is mid-push (shutdown waits until none is).
    var anyPushing: Bool {
        list.byDomain.contains { $0.contains { $0.pushing.load(ordering: .sequentiallyConsistent) } }
    }

    /// Jobs waiting in `domain`'s lanes (a snapshot).
    func queuedJobs(domain: Int) -> Int {
        withLanes(into: domain) { $0.elements.reduce(0) { $0 + $1.deque.count } }
    }

    /// Whether any lane into `domain` holds a job (the sleep protocol's re-check).
    @inline(__always)
    func anyQueued(domain: Int) -> Bool {
        withLanes(into: domain) { $0.contains { $0.deque.count > 0 } }
    }
}
