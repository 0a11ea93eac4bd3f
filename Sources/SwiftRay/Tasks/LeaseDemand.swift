import Synchronization

// # When a task queue asks for one more lease
//
// Ray's core worker asks the raylet for a new worker lease as soon as tasks of a scheduling
// class wait and no request is in flight, up to a limit, and so did this queue: whenever more
// tasks were queued than idle runners could take. For tasks that run long that is right (two
// tasks of a millisecond each should start at once). For tasks that run in about 100 ns it is
// not: the one thread that submits them cannot outrun a single runner, and a second runner only
// takes a core from the submitter. On this 2-vCPU machine, `single client tasks async` had two
// runners and the caller on two cores, and the caller's submit slowed from ~100 ns to 150-176 ns
// a task when a runner sat right behind it (thirty-third sitting, BENCHMARKS.md).
//
// So a queue with a running lease asks for another only when the queued work is worth one:
//   - Runners sample how long a task runs (one task in ``TaskRunTime/sampleEvery``; a moving
//     average, ``TaskRunTime``). Until the first sample the run time is unknown and counts as
//     long: a class nobody has run yet is leased eagerly, as before.
//   - Tasks are *short* when the average is under ``LeaseDemand/shortTaskNanoseconds``. With a
//     lease running and short tasks, a queued backlog wants one more lease only when the one
//     runner would need more than ``LeaseDemand/backlogWorthNanoseconds`` to drain it (backlog
//     times the average): a runner that falls behind its callers, or several callers, still
//     get more leases, one at a time.
//   - With a lease running and short tasks, no push needs a lease now, so the lock-free inbox
//     stays open (LeaseInbox.swift): the runner weighs the backlog when it takes it.
//   - A task that turns out long holds the queued ones behind it, and no runner takes the
//     backlog to weigh it. The ``StallWatch`` looks at every queue with a running lease once a
//     millisecond: when tasks waited at two looks and none started between them, the queue
//     forgets its average (its tasks are long after all) and asks for a lease as before. So a
//     long task among short ones holds the others back by about two milliseconds at most.
//     (Ray's own lease request takes about as long on this machine.)
//   - A queue without a running lease asks at once (nothing else would run its tasks), and a
//     runner blocked in a get stops counting as running (``LeaseQueue/runnerBlocked()``).
//
// With a single streaming runner the gap between two of Ray's batches (the get, the refs'
// release, the next map: 75-110 µs here) became the runner's: it waits for the next task with
// the actors' adaptive linger (MailLinger.swift), whose long wait for a lease queue is
// ``LeaseDemand/lingerLongNanoseconds``, and gathers a few tasks before it takes the next batch
// (``ActorCore/gather(by:)``), as an ordered actor's runner does.

/// The lease policy of a ``LeaseQueue`` with a running lease (the design note above): pure
/// functions of the queue's books and its tasks' average run time. Thread-safe (stateless).
enum LeaseDemand {
    /// Tasks that run shorter than this on average are short: a backlog of them is weighed
    /// before a lease is asked for.
    static let shortTaskNanoseconds = 20_000
    /// A backlog one runner drains in less than this does not want another lease.
    static let backlogWorthNanoseconds = 100_000
    /// How long an idle runner of a lease queue waits for the next task after a short gap.
    static let lingerLongNanoseconds = 200_000

    /// Whether tasks with average run time `runTime` (``TaskRunTime/unknown`` before a sample)
    /// are short.
    @inline(__always)
    static func areShort(runTime: Int) -> Bool { runTime < shortTaskNanoseconds }

    /// Whether one more lease is wanted: `queued` tasks wait, `idle` running leases' runners are
    /// free to take one, `running` leases run (not blocked) and `limit` may; `runTime` is the
    /// tasks' average run time. The caller has checked that no request is outstanding.
    @inline(__always)
    static func wantsLease(queued: Int, idle: Int, running: Int, limit: Int, runTime: Int) -> Bool {
        guard queued > idle, running < limit else { return false }
        guard running > 0, areShort(runTime: runTime) else { return true }
        return queued > backlogWorthNanoseconds / max(runTime, 1)
    }

    /// Whether pushes may skip the queue's lock: no push can want a lease now, because a
    /// request is outstanding, the leases are at `limit`, or a running lease's runner weighs
    /// the backlog when it takes it (short tasks).
    @inline(__always)
    static func inboxOpens(requestOutstanding: Bool, running: Int, limit: Int, runTime: Int) -> Bool {
        requestOutstanding || running >= limit || (running > 0 && areShort(runTime: runTime))
    }
}

/// The average run time of one queue's tasks, sampled by its runners: an exponential moving
/// average (weight 1/8 for a new sample), ``unknown`` before the first sample or after the
/// ``StallWatch`` saw a task run long. Thread-safe: relaxed atomics; two runners' samples may
/// race and one be lost, which only delays the average.
struct TaskRunTime: ~Copyable, Sendable {
    /// No sample yet: tasks count as long.
    static let unknown = Int.max
    /// A runner times one task in this many (two clock reads each).
    static let sampleEvery = 16

    private let average = Atomic<Int>(unknown)

    init() {}

    /// The average, in nanoseconds, or ``unknown``.
    var nanoseconds: Int { average.load(ordering: .relaxed) }

    /// Adds a sample (nanoseconds); whether the tasks changed between short and long
    /// (``LeaseDemand/areShort(runTime:)``), which opens or closes the queue's inbox.
    @discardableResult
    func record(_ sample: Int) -> Bool {
        let old = average.load(ordering: .relaxed)
        let new = min(old == Self.unknown ? sample : old &+ (sample &- old) / 8, Self.unknown - 1)
        average.store(new, ordering: .relaxed)
        return LeaseDemand.areShort(runTime: old) != LeaseDemand.areShort(runTime: new)
    }

    /// Forgets the samples: the tasks count as long until the next one.
    func forget() { average.store(Self.unknown, ordering: .relaxed) }
}
