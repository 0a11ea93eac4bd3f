import Synchronization

// # How long a blocked get spins before it parks
//
// A thread that is not a worker (a driver) blocks in a get by spinning a moment on its waiter,
// then parking on a semaphore; the worker that completes the last object then wakes it: a
// futex wake, a system call on the worker's thread, and on a virtual machine tens of
// microseconds before the parked thread runs again. Ray's benchmark loop (a thousand tasks,
// then a get of them all) leaves the driver waiting 20-70 µs at the end of each batch on this
// machine, for the runner to finish it: longer than a fixed 20 µs spin, so most batches paid a
// park and a wake-up.
//
// So the spin adapts to the waits its store's getters meet, as a runner's linger adapts to the
// gaps its callers leave (MailLinger.swift):
//   - A wait that parked and still ended within ``ParkSpin/longNanoseconds`` of its start
//     means a longer spin would have caught it: the next waits spin up to that long.
//   - A wait that parked and lasted longer sets the next waits back to
//     ``ParkSpin/shortNanoseconds``.
//   - A wait that ended while it spun, or at its deadline, changes nothing.
// A driver that gets the results of long tasks wastes at most one long spin before it goes back
// to the short one; one whose gets wait tens of microseconds no longer parks. Workers never
// spin here: a worker that waits runs other jobs (``WorkerLatch``).
//
// Measured against the fixed 20 µs, alternated: `single client tasks async` 1.045x, `tasks and
// get batch` 1.071x, `1:1 actor calls concurrent` 1.073x, `n:n actor calls async` 1.080x, with
// half the context switches (BENCHMARKS.md, thirty-fifth sitting).

/// A store's adaptive spin before a blocked thread that is not a worker parks (the design note
/// above). Thread-safe: one relaxed atomic flag, since a stale value only changes how long one
/// wait spins.
final class ParkSpin: Sendable {
    /// The spin after a wait that parked for long, or before any.
    static let shortNanoseconds = 20_000
    /// The spin after a wait that parked and ended within it.
    static let longNanoseconds = 300_000

    private let spinsLong = Atomic<Bool>(false)

    init() {}

    /// How long the next wait spins before it parks, in nanoseconds.
    var budget: Int { spinsLong.load(ordering: .relaxed) ? Self.longNanoseconds : Self.shortNanoseconds }

    /// A wait begun at `start` parked and was woken at `end` (monotonic nanoseconds): sets the
    /// next waits' spin.
    func parkedWaitEnded(startedAt start: Int, endedAt end: Int) {
        let long = end &- start < Self.longNanoseconds
        if spinsLong.load(ordering: .relaxed) != long { spinsLong.store(long, ordering: .relaxed) }
    }
}
