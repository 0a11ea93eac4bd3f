// # A runner's turn
//
// Some jobs run many calls or tasks in a row: an actor's runner takes its mailbox's calls, a
// lease's runner its queue's tasks. While one runs, the other jobs queued for its worker wait.
// So a runner looks at its worker's other work every ``RunnerTurn/runsPerLook`` runs, and when
// some waits (`Worker.hasWaitingWork`), it queues itself again behind it and returns: its
// *turn* is over. Nobody waiting, the turn goes on; that look costs a few loads.
//
// A turn also lasts at least ``RunnerTurn/minimumNanoseconds`` (1 ms), checked at the same
// looks, against a clock read once when the turn began. With a count alone, a runner of calls
// that take ~150 ns gave its worker up every ~40 us. When the waiting job was the next of a
// few tasks that call the same actor (`n:n actor calls async`: four tasks of 5,000 calls on
// two workers), each of them ran ahead of the runner in turn: both workers queued calls while
// the actor stood still, then one worker ran the actor alone while the other waited in its
// get. With a turn of at least 1 ms the actor runs on one worker while the other queues calls
// (the runtime's event timeline shows both). A job that waits behind a runner on a worker that
// no other worker relieves waits at most about the minimum plus one look's runs: 1 ms, about the
// time slice an operating system gives a thread that other threads wait for, which is what
// Ray's actors, each a process, get. Runs that are slow make the count end the turn first.

/// When a runner (``ActorRunner``, ``LeaseRunner``) gives its worker up: the design note above.
/// Not thread-safe: one runner's local state, for one execution of the job.
struct RunnerTurn {
    /// Runs between two looks at the worker's other work.
    static let runsPerLook = 256
    /// How long a turn lasts at least, in nanoseconds, when other jobs wait.
    static let minimumNanoseconds = 1_000_000

    private let began = MonotonicClock.nanoseconds
    private var runsSinceLook = 0

    init() {}

    /// Counts one run; whether the turn is over: it is time to look, a job waits where
    /// `worker` would look next (always so off a worker), and the turn has lasted its minimum.
    @inline(__always)
    mutating func isOver(after worker: Worker?) -> Bool {
        runsSinceLook &+= 1
        guard runsSinceLook >= Self.runsPerLook else { return false }
        runsSinceLook = 0
        guard worker?.hasWaitingWork ?? true else { return false }
        return MonotonicClock.nanoseconds &- began >= Self.minimumNanoseconds
    }
}
