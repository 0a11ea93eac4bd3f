import Glibc
import Synchronization

/// One change in a task's or actor call's life, as the state API and the timeline read them:
/// what happened, when (monotonic nanoseconds), and where (domain and worker).
/// The decoded form the state API and the timeline read (rings hold ``PackedTaskEvent``s).
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

/// A ``TaskEvent`` as a ring stores it: 32 bytes and no reference-counted field (the name and
/// actor are an index into the log's name table, an error's text sits in a side table), so
/// recording writes half a cache line and retains nothing. A plain value.
struct PackedTaskEvent {
    let task: UInt64
    let nanoseconds: Int
    /// 1 + the name table index, carried by the first event of a task; 0 elsewhere.
    let name: UInt32
    let domain: Int16
    let worker: Int16
    let kind: TaskEvent.Kind
}

/// The events of one runtime: 16 shards, each a ring of the last `capacity / 16` events under its
/// own lock; a thread appends to the shard its thread id picks, so recording is an uncontended
/// lock, a 32-byte store and an unlock (no allocation and no retain; an error's text goes to a
/// side table). Old events are overwritten: the state API sees the recent past, as Ray's GCS
/// keeps a bounded number of task events.
///
/// Thread-safe.
final class TaskEventLog: @unchecked Sendable {
    /// One shard's ring. Not thread-safe by itself (under its lock).
    struct Ring {
        var events: [PackedTaskEvent] = []
        /// The error text of each failed event, by its slot.
        var errors: [Int: String] = [:]
        var next = 0
        var dropped = 0
        /// Events recorded so far, by kind (metrics read these: no fold of the ring).
        var counts = [Int](repeating: 0, count: 8)
    }

    static let shardCount = 16
    /// Read without reference counting on the hot path (every thread records).
    private let shards: UnretainedList<Locked<Ring>>
    private let perShard: Int
    /// Task names and actors by index (a shape registers once; events carry the index).
    private let names = Locked<[(name: String, actor: TaskID?)]>([])
    /// The executor whose workers record (to name the worker and domain of an event).
    unowned(unsafe) let executor: WorkStealingExecutor

    init(capacity: Int, executor: WorkStealingExecutor) {
        perShard = max(64, capacity / Self.shardCount)
        shards = UnretainedList((0..<Self.shardCount).map { _ in Locked(Ring()) })
        self.executor = executor
    }

    /// The index that events of a shape named `name` (calls of actor `actor`) carry.
    func registerName(_ name: String, actor: TaskID?) -> UInt32 {
        names.withLock { names in
            names.append((name, actor))
            return UInt32(names.count)
        }
    }

    @inline(__always)
    private var homeShard: Int {
        let thread = UInt64(UInt(bitPattern: Int(pthread_self())))
        return Int(truncatingIfNeeded: (thread &* 0x9E37_79B9_7F4A_7C15) >> 60)
    }

    /// Records that `task` did `kind` now, on the calling thread's worker (if it is one).
    @inline(__always)
    func record(_ task: TaskRecord, _ kind: TaskEvent.Kind, error: (any Error)? = nil, carriesName: Bool = false) {
        let (domain, worker): (Int16, Int16) = Worker.withCurrent(of: executor) { current in
            guard let current else { return (-1, -1) }
            return current._withUnsafeGuaranteedRef {
                (Int16(truncatingIfNeeded: $0.domainID), Int16(truncatingIfNeeded: $0.globalIndex))
            }
        }
        let carriesName = carriesName || kind == .submitted
        // A submission is the first event of its task whatever its time, so it reads no clock
        // (the submitting thread is the usual bottleneck); it sorts first, with time 0.
        let event = PackedTaskEvent(
            task: task.id.rawValue, nanoseconds: carriesName ? 0 : MonotonicClock.nanoseconds,
            name: carriesName ? task.shape.eventNameID : 0, domain: domain, worker: worker, kind: kind)
        let message = error.map { String(describing: $0) }
        shards.with(homeShard) { shard in
            shard.withLock { ring in
                let slot: Int
                if ring.events.count < perShard {
                    slot = ring.events.count
                    ring.events.append(event)
                } else {
                    slot = ring.next
                    ring.events[slot] = event
                    ring.dropped += 1
                    if !ring.errors.isEmpty { ring.errors[slot] = nil }
                }
                if let message { ring.errors[slot] = message }
                ring.next = ring.next + 1 == perShard ? 0 : ring.next + 1
                ring.counts[Int(kind.rawValue)] &+= 1
            }
        }
    }

    /// Events recorded since start, by kind (overwritten ones included).
    func totals() -> [TaskEvent.Kind: Int] {
        var sums = [Int](repeating: 0, count: 8)
        for shard in 0..<Self.shardCount {
            shards.with(shard) { $0.withLock { ring in for index in sums.indices { sums[index] &+= ring.counts[index] } } }
        }
        var result: [TaskEvent.Kind: Int] = [:]
        for kind in [TaskEvent.Kind.submitted, .queued, .started, .finished, .failed, .blocked, .resumed] {
            result[kind] = sums[Int(kind.rawValue)]
        }
        return result
    }

    /// Every event kept, oldest first (by time; submissions, at time 0, in recording order),
    /// decoded.
    func snapshot() -> [TaskEvent] {
        var packed: [(PackedTaskEvent, String?)] = []
        for index in 0..<Self.shardCount {
            shards.with(index) {
                $0.withLock { ring in
                    // Oldest first: a full ring starts at its next slot.
                    let full = ring.events.count == perShard
                    for offset in 0..<ring.events.count {
                        let slot = full ? (ring.next + offset) % perShard : offset
                        packed.append((ring.events[slot], ring.errors[slot]))
                    }
                }
            }
        }
        let table = names.withLock { $0 }
        return packed.enumerated()
            .sorted { ($0.element.0.nanoseconds, $0.offset) < ($1.element.0.nanoseconds, $1.offset) }
            .map { _, entry in
                let (event, error) = entry
                let named = event.name > 0 && Int(event.name) <= table.count ? table[Int(event.name) - 1] : nil
                return TaskEvent(
                    task: TaskID(event.task), kind: event.kind, nanoseconds: event.nanoseconds,
                    domain: Int32(event.domain), worker: Int32(event.worker), name: named?.name, actor: named?.actor,
                    error: error)
            }
    }

    /// Events overwritten so far.
    var droppedCount: Int {
        (0..<Self.shardCount).reduce(0) { total, index in total + shards.with(index) { $0.withLock { $0.dropped } } }
    }
}
