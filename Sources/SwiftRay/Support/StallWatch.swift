import Dispatch

/// What the ``StallWatch`` saw of a lane or queue at its last look.
struct StallLook {
    /// How many calls or tasks had started.
    var started: UInt
    /// Whether calls or tasks waited.
    var waited = false
}

/// Work that may wait behind a call or task that runs long, and that the ``StallWatch``
/// looks at: a threaded actor's default lane, a lease queue of short tasks.
protocol StallWatched: AnyObject, Sendable {
    /// One look. When work waits now and waited at the last look (`last`, updated), and none
    /// started in between, it has stalled: the look starts more runners (or asks for them).
    /// Both looks must see work waiting: work that has just been queued has not stalled, it is
    /// starting. False when nothing runs any more: the watch drops it.
    func watchLook(last: inout StallLook) -> Bool
}

/// The clock half of two policies that keep one runner where one is enough and add runners
/// when the work stops making progress:
/// - a threaded actor's shared batches (ActorCore+SharedBatches.swift): a stalled lane gets one
///   more runner per waiting call, up to its `maxConcurrency`;
/// - a lease queue of short tasks (LeaseDemand.swift): a stalled queue asks for a lease.
/// Every ``intervalNanoseconds`` it looks at each watched lane or queue. So a call or task that
/// blocks (on a lock, a semaphore, later work) or runs long holds the work queued behind it back
/// for at most about two intervals, and it then runs at once.
///
/// One thread per runtime, started through Dispatch when the first lane or queue is watched; it
/// parks, using no CPU, while none is. A lane is watched from its first runner on
/// (``ActorCore/ensureWatched()``), a queue from its first lease on, and each is dropped at the
/// first look that finds it without runners. Thread-safe.
final class StallWatch: @unchecked Sendable {
    /// How often it looks. Each look wakes its thread, which on a machine whose cores are all
    /// busy takes one of them for a moment. `1:1 actor calls concurrent` (M calls/s, medians of
    /// 4 alternated rounds, thirty-first sitting): looks through a Dispatch timer, two thread
    /// wake-ups each, every 200 µs 4.76, every 1 ms 5.26, every 5 ms 5.81; on a thread of its
    /// own, every 200 µs 5.40, every 1 ms 5.61, every 5 ms 5.72. A blocked call holds the calls
    /// behind it back for at most about two intervals; Ray's own actor call takes 200-700 µs
    /// here.
    static let intervalNanoseconds = 1_000_000

    private struct Entry {
        let watched: any StallWatched
        /// What the last look saw.
        var last: StallLook
    }

    private struct State {
        var entries: [Entry] = []
        /// The thread was started.
        var started = false
        /// The thread waits for a first entry, without a timeout: a new entry signals it.
        var parked = false
        /// The runtime is shut down: the thread ends.
        var closed = false
    }

    private let state = Locked(State())
    private let wakeUp = DispatchSemaphore(value: 0)

    init() {}

    /// Lanes and queues watched now (tests).
    var watchedCount: Int { state.withLock { $0.entries.count } }

    /// Watches `watched` (the caller won its flag, which says it is watched), which has
    /// started `started` calls or tasks so far.
    func watch(_ watched: any StallWatched, started: UInt) {
        let (startThread, signal): (Bool, Bool) = state.withLock { state in
            guard !state.closed else { return (false, false) }
            state.entries.append(Entry(watched: watched, last: StallLook(started: started)))
            defer {
                state.started = true
                state.parked = false
            }
            return (!state.started, state.parked)
        }
        if signal { wakeUp.signal() }
        if startThread {
            DispatchQueue(label: "swiftray.stall-watch").async { [self] in run() }
        }
    }

    /// Ends the thread and lets go of what it watched (the runtime shuts down).
    func close() {
        let dropped: [Entry] = state.withLock { state in
            state.closed = true
            defer { state.entries = [] }
            return state.entries
        }
        wakeUp.signal()
        _ = dropped  // released here, outside the lock
    }

    /// The thread: a look every interval while anything is watched, parked otherwise.
    private func run() {
        while true {
            let (closed, parked): (Bool, Bool) = state.withLock { state in
                state.parked = state.entries.isEmpty
                return (state.closed, state.parked)
            }
            if closed { return }
            if parked {
                wakeUp.wait()
                continue
            }
            _ = wakeUp.wait(timeout: .now() + .nanoseconds(Self.intervalNanoseconds))
            look()
        }
    }

    /// One look at everything watched. What was watched meanwhile was appended behind the
    /// entries looked at, and stays.
    private func look() {
        let looked = state.withLock { $0.entries }
        var kept: [Entry] = []
        kept.reserveCapacity(looked.count)
        for var entry in looked where entry.watched.watchLook(last: &entry.last) {
            kept.append(entry)
        }
        state.withLock { state in
            guard !state.closed else { return }
            state.entries = kept + state.entries.dropFirst(looked.count)
        }
    }
}
