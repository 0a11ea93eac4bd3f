import Glibc

/// The calling thread's submission lanes into every executor it has submitted to (see
/// ``SubmissionLanes``): the value of one process-wide thread-specific key, created once and
/// never deleted.
///
/// Why one key for the process rather than one per executor: a thread's value under a deleted
/// key is never destroyed, so a thread that outlived an executor (the driver, a cooperative
/// pool thread) kept its lanes into it, a deque per domain, for good (LeakSanitizer found them
/// after every test that made a runtime). Here a thread's table lets go of its lanes into an
/// executor that has ended at the thread's next registration with any executor, and of all its
/// lanes when the thread ends (the key releases the table, whose deinit marks them orphaned).
///
/// Entries name their executor by its ``SubmissionLanes/Liveness``, retained: it outlives the
/// executor, so its address is never reused while an entry holds it.
///
/// Thread safety: not thread-safe, and never shared: only its own thread reads or changes a
/// table (its deinit runs on that thread as it ends).
final class ThreadLaneTable {
    private struct Entry {
        let owner: SubmissionLanes.Liveness
        let lanes: SubmissionLanes.ThreadLanes
    }

    private var entries: [Entry] = []
    /// The entry used last, unretained (`entries` holds both): the common case, one executor.
    private var lastOwner: UnsafeMutableRawPointer?
    private var lastLanes: Unmanaged<SubmissionLanes.ThreadLanes>?

    /// The key (read once per executor: ``SubmissionLanes`` keeps a copy, so that the submit
    /// path makes no lazy-global check). Its value is released as its thread ends.
    static let key = ThreadOwnedKey.make()

    /// The thread ended: its lanes stay stealable until empty, then leave their executors'
    /// lists (``SubmissionLanes``).
    deinit {
        for entry in entries {
            for lane in entry.lanes.lanes.elements { lane.orphaned.store(true, ordering: .releasing) }
        }
    }

    /// The calling thread's table (made on first use), unretained: the thread-specific slot
    /// holds it until the thread ends. `key` is ``key``.
    @inline(__always)
    static func current(key: pthread_key_t) -> Unmanaged<ThreadLaneTable> {
        if let pointer = pthread_getspecific(key) { return Unmanaged.fromOpaque(pointer) }
        return makeCurrent(key: key)
    }

    @inline(never)
    private static func makeCurrent(key: pthread_key_t) -> Unmanaged<ThreadLaneTable> {
        let table = Unmanaged.passRetained(ThreadLaneTable())
        pthread_setspecific(key, table.toOpaque())
        return table
    }

    /// This thread's lanes into the executor `owner` names, unretained; nil before it registers.
    /// O(1) for the executor used last, else O(executors this thread has used).
    @inline(__always)
    func lanes(of owner: SubmissionLanes.Liveness) -> Unmanaged<SubmissionLanes.ThreadLanes>? {
        if lastOwner == Unmanaged.passUnretained(owner).toOpaque() { return lastLanes }
        return find(owner)
    }

    private func find(_ owner: SubmissionLanes.Liveness) -> Unmanaged<SubmissionLanes.ThreadLanes>? {
        guard let entry = entries.first(where: { $0.owner === owner }) else { return nil }
        remember(entry)
        return lastLanes
    }

    /// Adds this thread's new lanes into `owner`'s executor, dropping its lanes into executors
    /// that have ended.
    func add(_ lanes: SubmissionLanes.ThreadLanes, of owner: SubmissionLanes.Liveness) {
        entries.removeAll { !$0.owner.alive.load(ordering: .acquiring) }
        let entry = Entry(owner: owner, lanes: lanes)
        entries.append(entry)
        remember(entry)
    }

    private func remember(_ entry: Entry) {
        lastOwner = Unmanaged.passUnretained(entry.owner).toOpaque()
        lastLanes = Unmanaged.passUnretained(entry.lanes)
    }
}
