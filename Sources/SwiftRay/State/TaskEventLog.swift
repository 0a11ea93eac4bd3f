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

/// The events of one runtime: one ring per recording thread, written by that thread alone and
/// read by anyone (see ``TaskEventRing``), so recording takes no lock, retains nothing and
/// allocates nothing: a thread-local lookup, a clock read and four 8-byte stores. A thread finds
/// its ring through a one-entry thread-local cache (its last log); a thread that records into
/// several runtimes in turn looks its ring up under the log's lock when it switches. Each ring
/// keeps the last `capacity / 16` events of its thread (old ones are overwritten: the state API
/// sees the recent past, as Ray's GCS keeps a bounded number of task events). An error's text
/// (failed events, rare) sits in a side table under a lock.
///
/// Thread-safe.
final class TaskEventLog: @unchecked Sendable {
    /// Rings by the thread that writes them. A thread id reused by a new thread means the old
    /// one has ended, so each ring still has one writer.
    private let rings = Locked<[pthread_t: TaskEventRing]>([:])
    private let perThread: Int
    /// Task names and actors by index (a shape registers once; events carry the index).
    private let names = Locked<[(name: String, actor: TaskID?)]>([])
    /// The text of each failed event's error, by (ring serial, position).
    private let errors = Locked<[UInt64: String]>([:])
    /// The executor whose workers record (to name the worker and domain of an event), by
    /// address: the hot path compares it with the calling worker's and never touches the object.
    private let executorAddress: UnsafeMutableRawPointer
    /// The events' clock (stamps become nanoseconds in ``snapshot()``).
    let clock: EventClock
    /// This log's identity in the threads' caches (never reused, unlike an address).
    let serial: UInt64
    private static let serials = Atomic<UInt64>(1)
    private static let ringSerials = Atomic<UInt64>(1)

    init(capacity: Int, executor: WorkStealingExecutor, clock: EventClock = EventClock()) {
        self.clock = clock
        var size = 64
        while size < capacity / 16 { size <<= 1 }
        perThread = size
        executorAddress = Unmanaged.passUnretained(executor).toOpaque()
        serial = Self.serials.wrappingAdd(1, ordering: .relaxed).oldValue
    }

    /// The index that events of a shape named `name` (calls of actor `actor`) carry.
    func registerName(_ name: String, actor: TaskID?) -> UInt32 {
        names.withLock { names in
            names.append((name, actor))
            return UInt32(names.count)
        }
    }

    /// Records that `task` did `kind` now, on the calling thread's worker (if it is one).
    @inline(__always)
    func record(_ task: TaskRecord, _ kind: TaskEvent.Kind, error: (any Error)? = nil, carriesName: Bool = false) {
        let carriesName = carriesName || kind == .submitted
        // A submission is the first event of its task whatever its time, so it reads no clock
        // (the submitting thread is the usual bottleneck); it sorts first, with time 0.
        let stamp = carriesName ? 0 : clock.now()
        let name = carriesName ? task.withShape { $0.eventNameID } : 0
        // Read here, not in the closure: captured there, the task was retained and released
        // around the append, at every submit of an actor's call.
        let id = task.taskID.rawValue
        let position = TaskEventRing.withCurrent(of: self) { ring, domain, worker in
            ring.append(task: id, stamp: stamp, name: name, domain: domain, worker: worker, kind: kind)
        }
        if let error { noteError(error, position: position) }
    }

    /// A writer for the calling thread: its ring, and its worker's place (when it is one of
    /// this log's executor's workers), looked up once for a run of events on this thread.
    func writerForCurrentThread() -> TaskEventWriter {
        TaskEventRing.withCurrent(of: self) { ring, domain, worker in
            TaskEventWriter(
                log: Unmanaged.passUnretained(self), ring: Unmanaged.passUnretained(ring), domain: domain, worker: worker)
        }
    }

    /// The domain and index of the calling thread's worker when it is one of this log's
    /// executor's, else (-1, -1). Read once per thread and log (TaskEventRing's thread cache).
    func placeOfCurrentThread() -> (domain: Int16, worker: Int16) {
        Worker.withCurrent(ofExecutorAt: executorAddress) { current in
            guard let current else { return (-1, -1) }
            return current._withUnsafeGuaranteedRef {
                (Int16(truncatingIfNeeded: $0.domainID), Int16(truncatingIfNeeded: $0.globalIndex))
            }
        }
    }

    /// The calling thread's ring in this log, made on first use (the caches' slow path).
    func ringOfCurrentThread() -> TaskEventRing {
        rings.withLock { rings in
            let thread = pthread_self()
            if let ring = rings[thread] { return ring }
            let ring = TaskEventRing(
                capacity: perThread, log: serial, serial: Self.ringSerials.wrappingAdd(1, ordering: .relaxed).oldValue)
            rings[thread] = ring
            return ring
        }
    }

    private func noteError(_ error: any Error, position: UInt64) {
        let text = String(describing: error)
        errors.withLock { errors in
            errors[position] = text
            if errors.count > perThread { errors.removeAll(keepingCapacity: true) }  // the old ones are long gone
        }
    }

    private var allRings: [TaskEventRing] { rings.withLock { Array($0.values) } }

    /// Events recorded since start, by kind (overwritten ones included).
    func totals() -> [TaskEvent.Kind: Int] {
        var sums = [Int](repeating: 0, count: 8)
        for ring in allRings {
            for index in sums.indices { sums[index] &+= ring.count(ofKind: index) }
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
        var read: [(TaskEventRing.Slot, String?)] = []
        let errorTexts = errors.withLock { $0 }
        for ring in allRings.sorted(by: { $0.serial < $1.serial }) {
            for slot in ring.slots() {
                read.append((slot, slot.kind == .failed ? errorTexts[slot.key] : nil))
            }
        }
        let table = names.withLock { $0 }
        let toNanoseconds = clock.converter()
        return read.enumerated()
            .sorted { ($0.element.0.stamp, $0.offset) < ($1.element.0.stamp, $1.offset) }
            .map { _, entry in
                let (event, error) = entry
                let named = event.name > 0 && Int(event.name) <= table.count ? table[Int(event.name) - 1] : nil
                return TaskEvent(
                    task: TaskID(event.task), kind: event.kind, nanoseconds: toNanoseconds(event.stamp),
                    domain: Int32(event.domain), worker: Int32(event.worker), name: named?.name, actor: named?.actor,
                    error: error)
            }
    }

    /// Events overwritten so far.
    var droppedCount: Int { allRings.reduce(0) { $0 + $1.dropped } }
}

/// The calling thread's way into a ``TaskEventLog`` for a run of events, such as the calls a
/// runner takes one after another (``CallRunnerThread``): ``TaskEventLog/record(_:_:error:carriesName:)``
/// finds the thread's ring and worker through two thread-local lookups per event, each a
/// `swift_once` and a `pthread_getspecific`; a writer found them once. It records a run's
/// `started` and `finished` events (a failure goes through the record, with its error's text).
/// Valid on the thread that made it, while the log lives (the log keeps its rings); not
/// thread-safe (one thread's value).
struct TaskEventWriter {
    let log: Unmanaged<TaskEventLog>
    let ring: Unmanaged<TaskEventRing>
    let domain: Int16
    let worker: Int16

    /// Records that `task` did `kind` now (not a first event: those carry the name, see
    /// ``TaskEventLog/record(_:_:error:carriesName:)``; not a failure: those carry a text).
    @inline(__always)
    func record(_ task: TaskRecord, _ kind: TaskEvent.Kind) {
        let stamp = log._withUnsafeGuaranteedRef { $0.clock.now() }
        _ = ring._withUnsafeGuaranteedRef {
            $0.append(task: task.taskID.rawValue, stamp: stamp, name: 0, domain: domain, worker: worker, kind: kind)
        }
    }
}
