import Dispatch

/// The clock half of a threaded actor's shared batches (ActorCore+SharedBatches.swift): every
/// ``intervalNanoseconds`` it looks at each threaded actor whose default lane has a runner, and
/// when calls waited there at two looks in a row and none started in between, it starts more
/// runners, one per waiting call up to the lane's `maxConcurrency`. So a call that blocks (on a
/// lock, a semaphore, a later call) or runs long holds the calls queued behind it back for at
/// most about two intervals, and they then run at once, as on Ray's pool of threads.
///
/// One thread per runtime, started through Dispatch when the first threaded actor gets a runner;
/// it parks, using no CPU, while no actor is watched. An actor is watched from its lane's first
/// runner on (``ActorCore/ensureWatched()``) and dropped at the first look that finds the lane
/// without runners. Thread-safe.
final class ThreadedLaneWatch: @unchecked Sendable {
    /// How often it looks. Each look wakes its thread, which on a machine whose cores are all
    /// busy takes one of them for a moment. `1:1 actor calls concurrent` (M calls/s, medians of
    /// 4 alternated rounds, thirty-first sitting): looks through a Dispatch timer, two thread
    /// wake-ups each, every 200 µs 4.76, every 1 ms 5.26, every 5 ms 5.81; on a thread of its
    /// own, every 200 µs 5.40, every 1 ms 5.61, every 5 ms 5.72. A blocked call holds the calls
    /// behind it back for at most about two intervals; Ray's own actor call takes 200-700 µs
    /// here.
    static let intervalNanoseconds = 1_000_000

    private struct Entry {
        let actor: ActorCore
        /// What the last look saw.
        var last: ActorCore.LaneLook
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

    /// Actors watched now (tests).
    var watchedCount: Int { state.withLock { $0.entries.count } }

    /// Watches `actor` (the caller won its ``ActorCore/laneWatched`` flag), whose lane's
    /// claimable calls have started `started` calls so far.
    func watch(_ actor: ActorCore, started: UInt) {
        let (startThread, signal): (Bool, Bool) = state.withLock { state in
            guard !state.closed else { return (false, false) }
            state.entries.append(Entry(actor: actor, last: ActorCore.LaneLook(started: started)))
            defer {
                state.started = true
                state.parked = false
            }
            return (!state.started, state.parked)
        }
        if signal { wakeUp.signal() }
        if startThread {
            DispatchQueue(label: "swiftray.threaded-lane-watch").async { [self] in run() }
        }
    }

    /// Ends the thread and lets go of the actors (the runtime shuts down).
    func close() {
        let dropped: [Entry] = state.withLock { state in
            state.closed = true
            defer { state.entries = [] }
            return state.entries
        }
        wakeUp.signal()
        _ = dropped  // released here, outside the lock
    }

    /// The thread: a look every interval while actors are watched, parked otherwise.
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

    /// One look at every watched actor. Actors watched meanwhile were appended behind the ones
    /// looked at, and stay.
    private func look() {
        let looked = state.withLock { $0.entries }
        var kept: [Entry] = []
        kept.reserveCapacity(looked.count)
        for var entry in looked where entry.actor.watchLook(last: &entry.last) {
            kept.append(entry)
        }
        state.withLock { state in
            guard !state.closed else { return }
            state.entries = kept + state.entries.dropFirst(looked.count)
        }
    }
}
