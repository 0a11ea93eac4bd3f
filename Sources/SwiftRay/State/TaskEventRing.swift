import Glibc
import Synchronization

/// One thread's task events in a ``TaskEventLog``: a ring of the last `capacity` events, written
/// by its thread alone and read by anyone.
///
/// Each slot is four 8-byte atomics: a sequence word (`(position + 1) << 8 | kind`, 0 while the
/// slot is being written), the task id, the time, and the name index, domain and worker packed
/// in one word. The writer is a seqlock writer: it zeroes the sequence word, writes the fields
/// (relaxed), then publishes the sequence word with release ordering and bumps `written`. A
/// reader loads the sequence word (acquire), the fields, fences (acquire) and loads the sequence
/// word again: the slot is taken only if both reads name the position it wants, so an event
/// overwritten meanwhile is skipped, never torn. No lock on either side; every access is atomic.
///
/// Thread-safe in that sense: one writer (the owning thread), any number of readers.
final class TaskEventRing: @unchecked Sendable {
    /// One event as read back. A plain value.
    struct Slot {
        let task: UInt64
        let stamp: Int
        let name: UInt32
        let domain: Int16
        let worker: Int16
        let kind: TaskEvent.Kind
        /// The event's key in the log's error table.
        let key: UInt64
    }

    /// The serial of the log it belongs to (the thread-local cache checks it).
    let log: UInt64
    /// Its own serial: the high bits of its events' error keys, and the order rings are read in.
    let serial: UInt64
    private let mask: Int
    private let words: UnsafeMutablePointer<Atomic<UInt64>>
    /// Events written so far (positions 0..<written; the last `capacity` are kept).
    private let written = Atomic<Int>(0)
    /// Events written per kind (owner increments with a relaxed load and store).
    private let counts: UnsafeMutablePointer<Atomic<Int>>

    /// A ring of `capacity` slots (a power of two). Its memory is zeroed lazily by the kernel.
    init(capacity: Int, log: UInt64, serial: UInt64) {
        mask = capacity - 1
        self.log = log
        self.serial = serial
        // calloc: all-zero bytes are Atomic(0), and untouched pages cost nothing.
        words = calloc(capacity * 4, MemoryLayout<UInt64>.stride)!.bindMemory(to: Atomic<UInt64>.self, capacity: capacity * 4)
        counts = calloc(8, MemoryLayout<Int>.stride)!.bindMemory(to: Atomic<Int>.self, capacity: 8)
    }

    deinit {
        free(words)
        free(counts)
    }

    /// Appends an event (owning thread only); returns its key in the log's error table.
    @inline(__always)
    func append(task: UInt64, stamp: Int, name: UInt32, domain: Int16, worker: Int16, kind: TaskEvent.Kind) -> UInt64 {
        let position = written.load(ordering: .relaxed)
        let base = (position & mask) &* 4
        words[base].store(0, ordering: .relaxed)
        atomicMemoryFence(ordering: .releasing)
        words[base + 1].store(task, ordering: .relaxed)
        words[base + 2].store(UInt64(bitPattern: Int64(stamp)), ordering: .relaxed)
        let packed = UInt64(name) | UInt64(UInt16(bitPattern: domain)) << 32 | UInt64(UInt16(bitPattern: worker)) << 48
        words[base + 3].store(packed, ordering: .relaxed)
        words[base].store(UInt64(position + 1) << 8 | UInt64(kind.rawValue), ordering: .releasing)
        written.store(position + 1, ordering: .releasing)
        let counter = Int(kind.rawValue)
        counts[counter].store(counts[counter].load(ordering: .relaxed) &+ 1, ordering: .relaxed)
        return serial << 40 | UInt64(position)
    }

    /// The events kept, oldest first; any overwritten while being read are left out.
    func slots() -> [Slot] {
        let end = written.load(ordering: .acquiring)
        let start = max(0, end - (mask + 1))
        var result: [Slot] = []
        result.reserveCapacity(end - start)
        for position in start..<end {
            let base = (position & mask) &* 4
            let sequence = words[base].load(ordering: .acquiring)
            let task = words[base + 1].load(ordering: .relaxed)
            let time = words[base + 2].load(ordering: .relaxed)
            let packed = words[base + 3].load(ordering: .relaxed)
            atomicMemoryFence(ordering: .acquiring)
            guard sequence >> 8 == UInt64(position + 1), words[base].load(ordering: .relaxed) == sequence,
                  let kind = TaskEvent.Kind(rawValue: UInt8(truncatingIfNeeded: sequence))
            else { continue }
            result.append(Slot(
                task: task, stamp: Int(Int64(bitPattern: time)), name: UInt32(truncatingIfNeeded: packed),
                domain: Int16(bitPattern: UInt16(truncatingIfNeeded: packed >> 32)),
                worker: Int16(bitPattern: UInt16(truncatingIfNeeded: packed >> 48)), kind: kind,
                key: serial << 40 | UInt64(position)))
        }
        return result
    }

    /// Events of kind number `kind` written so far.
    func count(ofKind kind: Int) -> Int { counts[kind].load(ordering: .relaxed) }

    /// Events overwritten so far.
    var dropped: Int { max(0, written.load(ordering: .relaxed) - (mask + 1)) }

    // MARK: The calling thread's ring

    /// The calling thread's last ring (one entry: the log it last recorded into). Owned by its
    /// thread; released when the thread ends.
    private final class ThreadCache {
        var ring: TaskEventRing?
        /// `ring` unretained, with its log's serial: what the hot path reads.
        var ringRef: Unmanaged<TaskEventRing>?
        var logSerial: UInt64 = 0
        /// The thread's place as that log's events name it (its worker's domain and index, or
        /// -1): fixed for a thread and a log, since a runtime's workers start with it and stay
        /// its workers until it ends. Kept here, a submit's event looks one thread-local value
        /// up, not two (the submitting thread's samples had a `swift_once` and a
        /// `pthread_getspecific` for each).
        var domain: Int16 = -1
        var worker: Int16 = -1
    }

    private static let key = ThreadOwnedKey.make()

    /// Calls `body` with the calling thread's ring in `log` (made on first use) and the thread's
    /// place in `log`'s executor (domain and worker index, -1 off its workers), without touching
    /// reference counts on the way.
    @inline(__always)
    static func withCurrent<R>(
        of log: TaskEventLog, _ body: (TaskEventRing, _ domain: Int16, _ worker: Int16) -> R
    ) -> R {
        let cache: Unmanaged<ThreadCache>
        if let pointer = pthread_getspecific(key) {
            cache = Unmanaged.fromOpaque(pointer)
        } else {
            cache = Unmanaged.passRetained(ThreadCache())
            pthread_setspecific(key, cache.toOpaque())
        }
        return cache._withUnsafeGuaranteedRef { cache in
            if cache.logSerial == log.serial, let ring = cache.ringRef {
                return ring._withUnsafeGuaranteedRef { body($0, cache.domain, cache.worker) }
            }
            return refill(cache, for: log, body)
        }
    }

    /// The cache's slow path: the thread's ring and place in `log`.
    @inline(never)
    private static func refill<R>(
        _ cache: ThreadCache, for log: TaskEventLog, _ body: (TaskEventRing, Int16, Int16) -> R
    ) -> R {
        let ring = log.ringOfCurrentThread()
        (cache.domain, cache.worker) = log.placeOfCurrentThread()
        cache.ring = ring
        cache.ringRef = Unmanaged.passUnretained(ring)
        cache.logSerial = log.serial
        return body(ring, cache.domain, cache.worker)
    }
}
