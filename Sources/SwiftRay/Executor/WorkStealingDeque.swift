import Synchronization

/// A Chase-Lev work-stealing deque of jobs (Chase and Lev 2005, with the C11 orderings of Lê,
/// Pop, Cohen and Zappa Nardelli 2013): the owning worker pushes and pops at the bottom (LIFO,
/// cache-warm), thieves take from the top (FIFO, the oldest and usually largest work).
///
/// Thread safety: `push` and `pop` only from the owning worker; `steal` and `count` from any
/// thread. Where the paper uses fences, this uses sequentially consistent operations on `top`
/// and `bottom` (ThreadSanitizer does not model standalone fences). The ring grows by doubling;
/// old rings stay alive until the deque is freed, because a thief may still read one (memory is
/// bounded by twice the largest size reached).
final class WorkStealingDeque: @unchecked Sendable {
    /// Thieves' end. Kept a cache line (two, for the adjacent-line prefetcher) away from
    /// `bottom`, so that pushes and steals do not invalidate each other's line.
    private let top = Atomic<Int>(0)
    private let padding = CacheLinePadding()
    /// Owner's end.
    private let bottom = Atomic<Int>(0)
    private let padding2 = CacheLinePadding()
    /// The current ring, for thieves (owner keeps `ring` too).
    private let published: Atomic<UnsafeMutableRawPointer>
    private var ring: JobRing
    private var retired: [JobRing] = []
    /// The owner's last read of `top`: a lower bound, so it only needs a fresh (contended) read
    /// when the ring looks full.
    private var knownTop = 0

    init(capacity: Int = 256) {
        ring = JobRing(capacity: capacity)
        published = Atomic(Unmanaged.passUnretained(ring).toOpaque())
    }

    deinit {
        // Jobs still queued are released (a shut-down executor has none left).
        let t = top.load(ordering: .relaxed)
        let b = bottom.load(ordering: .relaxed)
        for index in t..<max(t, b) { _ = QueuedJob.takeRetained(ring.load(index)) }
    }

    /// Owner only. O(1) amortized.
    @inline(__always)
    func push(_ job: QueuedJob) { pushRetained(job.retainedBits()) }

    /// Owner only: the most recently pushed job, or nil.
    @inline(__always)
    func pop() -> QueuedJob? {
        let b = bottom.load(ordering: .relaxed) - 1
        bottom.store(b, ordering: .sequentiallyConsistent)
        let t = top.load(ordering: .sequentiallyConsistent)
        guard t <= b else {
            bottom.store(b + 1, ordering: .relaxed)
            return nil
        }
        let bits = ring.load(b)
        if t == b {
            // The last job: race the thieves for it.
            let won = top.compareExchange(
                expected: t, desired: t + 1, ordering: .sequentiallyConsistent
            ).exchanged
            bottom.store(b + 1, ordering: .relaxed)
            return won ? QueuedJob.takeRetained(bits) : nil
        }
        return QueuedJob.takeRetained(bits)
    }

    enum Steal {
        case empty
        case retry
        case success(QueuedJob)
    }

    /// Any thread: the oldest job, `.retry` when another thread won the race for it.
    func steal() -> Steal {
        let t = top.load(ordering: .sequentiallyConsistent)
        let b = bottom.load(ordering: .sequentiallyConsistent)
        guard t < b else { return .empty }
        // Borrowed: a retain would write the ring's header, a line the owner reads on every push.
        let bits = Unmanaged<JobRing>.fromOpaque(published.load(ordering: .acquiring))._withUnsafeGuaranteedRef { $0.load(t) }
        guard top.compareExchange(expected: t, desired: t + 1, ordering: .sequentiallyConsistent).exchanged
        else { return .retry }
        return .success(QueuedJob.takeRetained(bits))
    }

    /// Any thread, and only on a deque whose owner never pops (a submission lane): takes up to
    /// `limit` of the oldest jobs at once (half of what is queued, at least one), runs none of
    /// them, and returns the first after pushing the others onto `deque` (the caller's own).
    /// With no popping owner there is no race for the bottom, so one CAS claims the batch.
    func stealBatch(limit: Int, into deque: WorkStealingDeque) -> Steal {
        let t = top.load(ordering: .sequentiallyConsistent)
        let b = bottom.load(ordering: .sequentiallyConsistent)
        guard t < b else { return .empty }
        let count = max(1, min(limit, (b - t + 1) / 2))
        let current = Unmanaged<JobRing>.fromOpaque(published.load(ordering: .acquiring))
        // Read the slots before claiming them: once `top` moves past a slot the owner may
        // reuse it for a new job.
        return withUnsafeTemporaryAllocation(of: UInt.self, capacity: count) { words in
            current._withUnsafeGuaranteedRef { ring in
                for offset in 0..<count { words[offset] = ring.load(t + offset) }
            }
            guard top.compareExchange(expected: t, desired: t + count, ordering: .sequentiallyConsistent).exchanged
            else { return .retry }
            for offset in stride(from: count - 1, to: 0, by: -1) { deque.pushRetained(words[offset]) }
            return .success(QueuedJob.takeRetained(words[0]))
        }
    }

    /// Owner only: `push` for a word that already holds a retain (the deque takes it over).
    @inline(__always)
    func pushRetained(_ bits: UInt) {
        let b = bottom.load(ordering: .relaxed)
        if b - knownTop >= ring.capacity {
            knownTop = top.load(ordering: .acquiring)
            if b - knownTop >= ring.capacity { grow(top: knownTop, bottom: b) }
        }
        ring.store(b, bits)
        // Sequentially consistent, not only releasing: the sleep protocol's load of the
        // sleeper count that follows must not be ordered before this publication.
        bottom.store(b + 1, ordering: .sequentiallyConsistent)
    }

    /// Any thread: how many jobs are queued (a snapshot).
    var count: Int {
        max(0, bottom.load(ordering: .sequentiallyConsistent) - top.load(ordering: .sequentiallyConsistent))
    }

    private func grow(top t: Int, bottom b: Int) {
        let bigger = JobRing(capacity: ring.capacity * 2)
        for index in t..<b { bigger.store(index, ring.load(index)) }
        retired.append(ring)
        ring = bigger
        published.store(Unmanaged.passUnretained(bigger).toOpaque(), ordering: .releasing)
    }
}

/// A power-of-two ring of atomic job words, indexed by the deque's ever-growing positions.
final class JobRing: @unchecked Sendable {
    let capacity: Int
    private let mask: Int
    private let slots: UnsafeMutablePointer<Atomic<UInt>>

    init(capacity: Int) {
        precondition(capacity > 0 && capacity & (capacity - 1) == 0, "ring capacity must be a power of two")
        self.capacity = capacity
        mask = capacity - 1
        slots = .allocate(capacity: capacity)
        for index in 0..<capacity { (slots + index).initialize(to: Atomic(0)) }
    }

    deinit {
        slots.deinitialize(count: capacity)
        slots.deallocate()
    }

    @inline(__always)
    func load(_ position: Int) -> UInt { slots[position & mask].load(ordering: .relaxed) }

    @inline(__always)
    func store(_ position: Int, _ bits: UInt) { slots[position & mask].store(bits, ordering: .relaxed) }
}

/// 128 bytes of nothing, to keep two hot fields of a class on different cache lines (Swift
/// lays out a class's stored properties in declaration order).
struct CacheLinePadding {
    private let words: (Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int) =
        (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
}
