import Glibc
import Synchronization

/// One change in a task's or actor call's life, as the state API and the timeline read them:
/// what happened, when (monotonic nanoseconds), and where (domain and worker).
/// A plain value; thread-safe.
struct TaskEvent: Sendable {
    /// What happened. A plain value.
    enum Kind: UInt8, Sendable {
        /// Submitted; its arguments are pending (Ray's PENDING_ARGS_AVAIL).
        case submitted
        /// Its arguments are there; it waits for a lease or its actor (PENDING_NODE_ASSIGNMENT).
        case queued
        /// A worker started it (RUNNING).
        case started
        /// It returned (FINISHED).
        case finished
        /// It threw, was cancelled or could not be scheduled (FAILED).
        case failed
        /// It blocks in a get or wait (RUNNING_IN_RAY_GET).
        case blocked
        /// It resumed after a blocking get or wait (RUNNING again).
        case resumed
    }

    let task: TaskID
    let kind: Kind
    let nanoseconds: Int
    /// The domain it ran on (started/finished/failed on a worker), else -1.
    let domain: Int32
    /// The worker's index in the executor, else -1.
    let worker: Int32
    /// The task's name and its actor, carried by its first event (`submitted`, or `queued` when
    /// its arguments were there at submission); nil elsewhere.
    let name: String?
    let actor: TaskID?
    /// The error's description, for `failed`.
    let error: String?
}

/// The events of one runtime: 16 shards, each a ring of the last `capacity / 16` events under its
/// own lock; a thread appends to the shard its thread id picks, so recording is an uncontended
/// lock, a store and an unlock (no allocation unless a long name or an error is carried). Old
/// events are overwritten: the state API sees the recent past, as Ray's GCS keeps a bounded
/// number of task events.
///
/// Thread-safe.
final class TaskEventLog: @unchecked Sendable {
    /// One shard's ring. Not thread-safe by itself (under its lock).
    struct Ring {
        var events: [TaskEvent] = []
        var next = 0
        var dropped = 0
        /// Events recorded so far, by kind (metrics read these: no fold of the ring).
        var counts = [Int](repeating: 0, count: 8)
    }

    static let shardCount = 16
    private let shards: [Locked<Ring>]
    private let perShard: Int
    /// The executor whose workers record (to name the worker and domain of an event).
    unowned(unsafe) let executor: WorkStealingExecutor

    init(capacity: Int, executor: WorkStealingExecutor) {
        perShard = max(64, capacity / Self.shardCount)
        shards = (0..<Self.shardCount).map { _ in Locked(Ring()) }
        self.executor = executor
    }

    /// Records that `task` did `kind` now, on the calling thread's worker (if it is one).
    @inline(__always)
    func record(_ task: TaskRecord, _ kind: TaskEvent.Kind, error: (any Error)? = nil, carriesName: Bool = false) {
        let (domain, worker): (Int32, Int32) = Worker.withCurrent(of: executor) { current in
            guard let current else { return (-1, -1) }
            return current._withUnsafeGuaranteedRef { (Int32($0.domainID), Int32($0.globalIndex)) }
        }
        let carriesName = carriesName || kind == .submitted
        record(TaskEvent(
            task: task.id, kind: kind, nanoseconds: MonotonicClock.nanoseconds, domain: domain, worker: worker,
            name: carriesName ? task.name : nil, actor: carriesName ? task.actorID : nil,
            error: error.map { String(describing: $0) }))
    }

    @inline(__always)
    private var homeShard: Int {
        let thread = UInt64(UInt(bitPattern: Int(pthread_self())))
        return Int(truncatingIfNeeded: (thread &* 0x9E37_79B9_7F4A_7C15) >> 60)
    }

    /// Appends `event`, overwriting the oldest of its shard when full.
    @inline(__always)
    func record(_ event: TaskEvent) {
        shards[homeShard].withLock { ring in
            if ring.events.count < perShard {
                ring.events.append(event)
            } else {
                ring.events[ring.next] = event
                ring.dropped += 1
            }
            ring.next = ring.next + 1 == perShard ? 0 : ring.next + 1
            ring.counts[Int(event.kind.rawValue)] &+= 1
        }
    }

    /// Events recorded since start, by kind (overwritten ones included).
    func totals() -> [TaskEvent.Kind: Int] {
        var sums = [Int](repeating: 0, count: 8)
        for shard in shards {
            shard.withLock { ring in for index in sums.indices { sums[index] &+= ring.counts[index] } }
        }
        var result: [TaskEvent.Kind: Int] = [:]
        for kind in [TaskEvent.Kind.submitted, .queued, .started, .finished, .failed, .blocked, .resumed] {
            result[kind] = sums[Int(kind.rawValue)]
        }
        return result
    }

    /// Every event kept, oldest first (by time).
    func snapshot() -> [TaskEvent] {
        var all: [TaskEvent] = []
        for shard in shards { shard.withLock { all.append(contentsOf: $0.events) } }
        all.sort { $0.nanoseconds < $1.nanoseconds }
        return all
    }

    /// Events overwritten so far.
    var droppedCount: Int { shards.reduce(0) { total, shard in total + shard.withLock { $0.dropped } } }
}
