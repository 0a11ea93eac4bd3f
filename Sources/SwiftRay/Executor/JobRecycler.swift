import Glibc
import Synchronization

/// Spent ``ScopeJob``s kept for reuse by the thread that spawned them: a spawn takes a job from
/// its thread's recycler instead of calling malloc, and whoever ran the job hands it back.
///
/// Why: a fork-join job is allocated on the spawning thread and, half the time or more, run and
/// released on a thief. glibc's per-thread cache then fills on the thief and stays empty on the
/// spawner, so every spawn takes malloc's slow path and every steal frees across arenas; in
/// `perf` that was a third of a spawn's cycles. Handing jobs back one at a time costs a contended
/// atomic per job (tried: no gain), so they go back in batches.
///
/// # Design note: ownership moves in batches
/// - Every thread that spawns has one recycler, found through a thread-local key. Its free list
///   (an array of job pointers) belongs to that thread alone: taking a job and keeping one of its
///   own are plain loads and stores, no atomics.
/// - A job run by the thread that spawned it goes straight back onto that thread's free list.
/// - A job run by another thread joins that thread's *outgoing batch*: a buffer of pointers to
///   jobs of one home. The batch goes home with one CAS onto the home's `returned` stack when it
///   is full, when a job of another home arrives, and when the worker is about to idle (so no
///   job waits in a batch while its home allocates).
/// - The owner takes the whole `returned` stack with one exchange when its free list runs dry
///   and copies the pointers out. It never pops single entries, so the stack has no ABA problem.
/// - Pointers, not links through the jobs: a job handed back was last written by the thief, and
///   following a chain through such jobs would wait for one cross-core cache miss per job, in
///   sequence. From an array the owner reads the next pointer at once, and the job's own line
///   only when it writes the job (stores, which the CPU does not wait for).
/// - Bounded: a thread keeps at most its *limit* of jobs on its free list and as many more
///   handed back. A thief that finds its batch's home already holding that many in `returned`
///   frees the batch; an owner frees what its free list cannot take. The limit is
///   ``idleCapacity`` for any thread but a worker's, and ``busyCapacity`` for a worker's.
/// - Why a worker keeps more: a worker that spawns faster than the others steal (one job
///   spawning a million children) builds a backlog of hundreds of thousands of jobs, allocated
///   because nothing had come back yet. Freeing them as they come back, and allocating them
///   again for the next burst, kept malloc's slow paths on both threads (keeping them instead:
///   66-81 ns a spawn became 63-64, BENCHMARKS.md, twelfth sitting). So a busy worker keeps
///   what comes back, up to ``busyCapacity`` (never more than its own peak of jobs in flight),
///   and gives the surplus back to malloc once it has been parked for a while
///   (``trim(while:)``, called by the sleep protocol), in slices, stopping as soon as work
///   shows up.
/// - Recyclers are never freed: a job in flight names its home unretained, and the thread that
///   spawned it may end before it runs (its scope has returned, the job is still finishing on a
///   thief). When a thread ends, its recycler goes, with at most ``idleCapacity`` jobs, to an
///   idle list from which the next thread that spawns takes it. Memory stays bounded by the
///   largest number of threads that spawned at the same time, times twice their limit of jobs.
///
/// Thread safety: the free list and the outgoing batch belong to the owning thread; `returned`
/// and `returnedCount` are shared (acquire/release); jobs move between threads only through
/// `returned`.
final class JobRecycler: @unchecked Sendable {
    /// The most jobs a thread that is not a worker (or an idle worker) keeps on its free list,
    /// and the most handed back to it and not yet taken (72 bytes each: 72 KiB).
    static let idleCapacity = 1024
    /// The same for a worker thread while it is busy (18 MiB at most, and only as much as its
    /// own peak of jobs in flight reached).
    static let busyCapacity = 1 << 18
    /// How many jobs ``trim(while:)`` frees between two checks that it should go on.
    static let trimSlice = 256
    /// How many jobs a thief gathers for one home before handing them back.
    static let batchSize = 32

    // Owner side.
    /// The free list: retained jobs' bits; `freeCount` of them are valid, room for `freeRoom`
    /// (grown by doubling up to the limit, shrunk back by a full trim).
    private var free = UnsafeMutablePointer<UInt>.allocate(capacity: idleCapacity)
    private var freeRoom = idleCapacity
    private var freeCount = 0
    /// The owner's copy of `limit`.
    private var ownerLimit = idleCapacity
    /// Jobs this thread has taken for reuse so far (owner only).
    private(set) var reusedJobs = 0
    /// The outgoing batch: jobs this thread ran for `outgoingHome` (a batch buffer, see
    /// `Batch`), nil when empty.
    private var outgoingHome: Unmanaged<JobRecycler>?
    private var outgoing: UnsafeMutablePointer<UInt>?
    private var outgoingCount = 0

    private let padding = CacheLinePadding()
    // Shared side, a cache line away from the owner's fields.
    /// Batches handed back by other threads: the newest batch's buffer, batches chained through
    /// their first word; 0 when empty.
    private let returned = Atomic<UInt>(0)
    /// Jobs in `returned` (approximately: thieves add before they push, the owner subtracts
    /// after it takes).
    private let returnedCount = Atomic<Int>(0)
    /// The most jobs this thread keeps on its free list, and in `returned`: written by the owner
    /// (``setLimit(_:)``), read by thieves handing jobs back.
    private let limit = Atomic<Int>(idleCapacity)

    /// A batch buffer's layout: the next batch in `returned`, the job count, then the jobs.
    private enum Batch {
        static let next = 0
        static let count = 1
        static let jobs = 2
        static func allocate() -> UnsafeMutablePointer<UInt> { .allocate(capacity: jobs + batchSize) }
    }

    private init() {}

    // MARK: The calling thread's recycler

    private static let idle = Locked<[Unmanaged<JobRecycler>]>([])

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key) { pointer in
            guard let pointer else { return }
            let recycler = Unmanaged<JobRecycler>.fromOpaque(pointer)
            recycler._withUnsafeGuaranteedRef {
                $0.flushOutgoing()
                $0.setLimit(idleCapacity)
            }
            JobRecycler.idle.withLock { $0.append(recycler) }
        }
        return key
    }()

    /// The calling thread's recycler (an idle one adopted, or a new one, on first use),
    /// unretained: recyclers live for the rest of the process.
    @inline(__always)
    static var current: Unmanaged<JobRecycler> {
        if let pointer = pthread_getspecific(key) { return Unmanaged.fromOpaque(pointer) }
        return adopt()
    }

    private static func adopt() -> Unmanaged<JobRecycler> {
        let recycler = idle.withLock { $0.popLast() } ?? Unmanaged.passRetained(JobRecycler())
        pthread_setspecific(key, recycler.toOpaque())
        return recycler
    }

    // MARK: Owner side

    /// A spent job to reuse (retained bits), or nil when none is kept: the caller allocates.
    /// Owner only. O(1) amortized.
    @inline(__always)
    func take() -> UInt? {
        if freeCount == 0 {
            guard returned.load(ordering: .relaxed) != 0 else { return nil }
            takeReturned()
            guard freeCount > 0 else { return nil }
        }
        freeCount -= 1
        reusedJobs &+= 1
        return free[freeCount]
    }

    /// Copies every job handed back onto the free list, up to the limit there; frees the rest.
    private func takeReturned() {
        var batch = returned.exchange(0, ordering: .acquiring)
        var taken = 0
        while let buffer = UnsafeMutablePointer<UInt>(bitPattern: batch) {
            let count = Int(buffer[Batch.count])
            taken += count
            let kept = max(0, min(count, ownerLimit - freeCount))
            if freeCount + kept > freeRoom { growFreeList(toHold: freeCount + kept) }
            (free + freeCount).update(from: buffer + Batch.jobs, count: kept)
            freeCount += kept
            Self.release(buffer + Batch.jobs + kept, count: count - kept)
            batch = buffer[Batch.next]
            buffer.deallocate()
        }
        returnedCount.wrappingSubtract(taken, ordering: .relaxed)
    }

    /// Jobs kept for this thread: on its free list and handed back (a snapshot; owner only).
    var keptJobs: Int { freeCount + returnedCount.load(ordering: .relaxed) }

    /// Whether this thread keeps more jobs than an idle thread may (owner only).
    var keepsSpareJobs: Bool { keptJobs > Self.idleCapacity }

    /// Sets how many jobs this thread keeps (``idleCapacity`` or ``busyCapacity``); lowering it
    /// frees the surplus at once. Owner only.
    func setLimit(_ newLimit: Int) {
        ownerLimit = newLimit
        limit.store(newLimit, ordering: .relaxed)
        if newLimit < freeCount + returnedCount.load(ordering: .relaxed) { trim(while: { true }) }
    }

    /// Frees the jobs this thread keeps beyond ``idleCapacity`` (on its free list and handed
    /// back), ``trimSlice`` at a time, asking `proceed` between slices; returns whether it got
    /// there. Owner only; O(jobs freed).
    @discardableResult
    func trim(while proceed: () -> Bool) -> Bool {
        let keep = Self.idleCapacity
        while true {
            while freeCount > keep {
                let count = min(Self.trimSlice, freeCount - keep)
                freeCount -= count
                Self.release(free + freeCount, count: count)
                if freeCount > keep && !proceed() { return false }
            }
            guard returned.load(ordering: .relaxed) != 0 else { break }
            takeReturned()
            guard freeCount > keep else { break }
        }
        if freeRoom > keep { moveFreeList(toRoom: keep) }
        return true
    }

    /// Makes room on the free list for `count` jobs (doubling; the limit bounds it).
    private func growFreeList(toHold count: Int) {
        var room = freeRoom
        while room < count { room *= 2 }
        moveFreeList(toRoom: room)
    }

    /// Moves the free list to a buffer of `room` entries (at least `freeCount`).
    private func moveFreeList(toRoom room: Int) {
        let buffer = UnsafeMutablePointer<UInt>.allocate(capacity: room)
        buffer.moveInitialize(from: free, count: freeCount)
        free.deallocate()
        free = buffer
        freeRoom = room
    }

    // MARK: Whoever ran the job

    /// Takes over `job` (retained bits of a ``ScopeJob`` whose home is `home`), which the calling
    /// thread (`self` is its recycler) has just run: onto the free list if it is ours, else into
    /// the batch for its home.
    @inline(__always)
    func recycle(_ job: UInt, home: Unmanaged<JobRecycler>) {
        if home.toOpaque() == Unmanaged.passUnretained(self).toOpaque() {
            guard freeCount < ownerLimit else { return Self.release(job) }
            if freeCount == freeRoom { growFreeList(toHold: freeCount + 1) }
            free[freeCount] = job
            freeCount += 1
            return
        }
        if let current = outgoingHome, current.toOpaque() != home.toOpaque() { flushOutgoing() }
        let buffer: UnsafeMutablePointer<UInt>
        if let outgoing { buffer = outgoing } else {
            buffer = Batch.allocate()
            outgoing = buffer
            outgoingHome = home
        }
        buffer[Batch.jobs + outgoingCount] = job
        outgoingCount += 1
        if outgoingCount == Self.batchSize { flushOutgoing() }
    }

    /// Hands the outgoing batch to its home (one CAS), or frees it when the home already has
    /// its limit of jobs handed back. The thread's own side: call before idling.
    func flushOutgoing() {
        guard let home = outgoingHome, let buffer = outgoing else { return }
        buffer[Batch.count] = UInt(outgoingCount)
        outgoingHome = nil
        outgoing = nil
        outgoingCount = 0
        home._withUnsafeGuaranteedRef { home in home.receive(buffer) }
    }

    /// Another thread's batch: pushed onto `returned` (one CAS), unless this thread keeps
    /// enough already.
    private func receive(_ buffer: UnsafeMutablePointer<UInt>) {
        let count = Int(buffer[Batch.count])
        if returnedCount.wrappingAdd(count, ordering: .relaxed).newValue > limit.load(ordering: .relaxed) {
            returnedCount.wrappingSubtract(count, ordering: .relaxed)
            Self.release(buffer + Batch.jobs, count: count)
            return buffer.deallocate()
        }
        let bits = UInt(bitPattern: buffer)
        var expected = returned.load(ordering: .relaxed)
        while true {
            buffer[Batch.next] = expected
            let (exchanged, original) = returned.compareExchange(
                expected: expected, desired: bits, ordering: .releasing)
            if exchanged { return }
            expected = original
        }
    }

    /// Releases jobs' last references (they are freed).
    private static func release(_ jobs: UnsafeMutablePointer<UInt>, count: Int) {
        for index in 0..<count { release(jobs[index]) }
    }

    private static func release(_ job: UInt) {
        Unmanaged<ScopeJob>.fromOpaque(UnsafeRawPointer(bitPattern: job)!).release()
    }
}
