/// The tasks of one scheduling class that wait for a worker lease, and the leases serving them.
///
/// This is Ray's worker-lease protocol (the core worker's `NormalTaskSubmitter`) in one process:
/// the scheduler is asked for a *lease* (the class's resources on one node) rather than for each
/// task; a granted lease runs queued tasks of its class back to back on a worker of its node
/// (``LeaseRunner``) and is given back when the queue is empty. The scheduler's books therefore
/// stay exact (a running lease holds exactly what its task asked for) while the scheduler is
/// consulted once per lease, not once per task. A queue asks for one more lease whenever it holds
/// more tasks than it has running leases and no request is outstanding, unless its tasks are
/// short and a running lease's runner can drain them soon (LeaseDemand.swift).
///
/// One queue per (scheduling class, preferred node): tasks with the same resources and strategy
/// whose arguments live on the same node (or with no preference) share leases.
///
/// Callers push into a lock-free inbox while no push can want a lease (LeaseInbox.swift).
///
/// Thread-safe: all state is under one lock, never held while calling the scheduler; the inbox
/// is an atomic word.
import Synchronization

final class LeaseQueue: @unchecked Sendable {
    /// The guarded state. Not thread-safe by itself.
    struct State {
        var tasks = FIFO<TaskRecord>()
        /// Leases whose runner is running tasks (not blocked in a get).
        var runningLeases = 0
        /// Of those, the runners executing a task now (the others are idle: they take the next
        /// queued task at once, so a push needs no new lease while one is idle).
        var busyRunners = 0
        /// Whether a lease request is with the scheduler.
        var requestOutstanding = false
        /// Tasks taken by runners so far (the ``StallWatch`` compares two looks).
        var started: UInt = 0
        /// Whether the ``StallWatch`` looks at this queue.
        var watched = false
    }

    /// The class this queue serves; set once by the shape that owns the queue, before use.
    private(set) unowned(unsafe) var shape: TaskShape! = nil
    /// The node DEFAULT should prefer (the caller's, or the one holding the arguments), or nil.
    let preferredNode: Int?
    private let state = SpinLocked(State())
    // The inbox's word on lines of its own: callers write it at every push, and the runner
    // reads the fields beside it at every task (the queue's hint above all). On one line, 84%
    // of the push's own samples fell on its compare-and-exchange; apart, a caller's submit took
    // 0.86x the time (BENCHMARKS.md, thirty-fifth sitting).
    private let readMostlyEnd = CacheLinePadding()
    /// Tasks pushed without the lock, while no push can want a lease.
    private let inbox = LeaseInbox()
    private let inboxEnd = CacheLinePadding()
    /// Whether tasks are queued, for runners that wait a moment for more work before they give
    /// their lease back.
    private let queuedHint = QueueHint()
    /// The most leases a queue may hold at once (more than the workers would only queue).
    let leaseLimit: Int
    /// Runners waiting for the queue's next task (``LeaseRunner``'s linger), at most
    /// ``maxLingeringRunners``.
    private let lingeringRunners = Atomic<Int>(0)
    /// How many runners of this queue may wait for its next task at once; the others give their
    /// lease back as soon as the queue is empty. Every waiting runner spins on the queue's hint,
    /// and each pushed task set them all racing for the queue's lock: with 16 workers,
    /// `single client tasks async` ran at 377-494k/s with no limit and 566-655k/s with two,
    /// `multi client tasks async` at 352-438k/s and 661-677k/s (twenty-first sitting, a lent
    /// 16-core machine); one was no better than two there (453-670k/s). But a waiting runner
    /// holds a core, and the thread that submits the tasks needs one too: on two workers, two
    /// waiting runners and the submitter were three threads on two cores, and the submitter lost
    /// its core to a spinning runner. With one, `single client tasks async` ran 1.34x as fast and
    /// `tasks and get batch` 1.40x (BENCHMARKS.md, twenty-eighth sitting: medians of 5
    /// alternated rounds). So: at most ``lingeringRunnersCap``, and never more than the workers
    /// less one.
    let maxLingeringRunners: Int
    /// The most runners of one queue that wait for its next task where workers are plenty.
    static let lingeringRunnersCap = 2
    /// How long an idle runner waits for the next task: adapting to the gaps its callers leave.
    let linger = MailLinger(longNanoseconds: LeaseDemand.lingerLongNanoseconds)
    /// How long its tasks run, sampled by its runners.
    let runTime = TaskRunTime()

    init(preferredNode: Int?, leaseLimit: Int) {
        self.preferredNode = preferredNode
        self.leaseLimit = max(1, leaseLimit)
        maxLingeringRunners = min(Self.lingeringRunnersCap, max(1, self.leaseLimit - 1))
    }

    /// Called once by the owning shape (which outlives its queues).
    func attach(shape: TaskShape) { self.shape = shape }

    /// Queues `task`; returns whether the caller must now ask the scheduler for a lease.
    @inline(__always)
    func push(_ task: TaskRecord) -> Bool {
        if inbox.push(task) { return false }
        return state.withLock { state in
            state.tasks.append(task)
            queuedHint.note(count: state.tasks.count)
            guard wantsLease(&state) else { return false }
            // A lease starts for new work: the gap since the last runner gave up sets the next
            // runners' linger.
            if state.runningLeases == 0 { linger.runnerStarting() }
            return true
        }
    }

    /// The next task for a running lease, one at a time (a long task never holds others back
    /// while another lease could run them). `finishedOne`: the runner finished its previous task.
    /// Also says whether one more lease is wanted for what remains queued, and how many tasks
    /// it took from the inbox (0 when it took none).
    /// The task comes with the queue's reference to it, which the runner releases once it ran
    /// it (``FIFO/popFirstReference()``).
    @inline(__always)
    func next(finishedOne: Bool) -> (task: Unmanaged<TaskRecord>?, wantsLease: Bool, tookFromInbox: Int) {
        state.withLock { state in
            if finishedOne { state.busyRunners -= 1 }
            var took = 0
            if state.tasks.isEmpty {
                inbox.take(into: &state.tasks)
                took = state.tasks.count
            }
            guard let task = state.tasks.popFirstReference() else { return (nil, false, 0) }
            state.busyRunners += 1
            state.started &+= 1
            queuedHint.note(count: state.tasks.count)
            return (task, wantsLease(&state), took)
        }
    }

    /// A runner's sample changed its tasks between short and long: the inbox opens or closes
    /// (``LeaseDemand/inboxOpens(requestOutstanding:running:limit:runTime:)``).
    func runTimeClassChanged() {
        state.withLock { settleInbox(&$0) }
    }

    /// Whether tasks seem to be in the inbox and none in the queue (a hint: a runner that
    /// gathers waits only for what callers still push).
    @inline(__always)
    var onlyInboxSeemsNonEmpty: Bool { !queuedHint.seemsNonEmpty && inbox.seemsNonEmpty }

    /// The runner finished its task and leaves its worker for a while (it stays leased).
    func finishedOne() {
        state.withLock { $0.busyRunners -= 1 }
    }

    /// Whether tasks seem to be queued (a hint read without the lock).
    @inline(__always)
    var seemsNonEmpty: Bool { queuedHint.seemsNonEmpty || inbox.seemsNonEmpty }

    /// Whether a runner that found the queue empty may wait for its next task (another one may
    /// not when ``maxLingeringRunners`` already do); a true answer must be followed by
    /// ``stopLingering()``.
    @inline(__always)
    func startLingering() -> Bool {
        var current = lingeringRunners.load(ordering: .relaxed)
        while current < maxLingeringRunners {
            let (exchanged, now) = lingeringRunners.compareExchange(
                expected: current, desired: current + 1, ordering: .relaxed)
            if exchanged { return true }
            current = now
        }
        return false
    }

    @inline(__always)
    func stopLingering() { lingeringRunners.subtract(1, ordering: .relaxed) }

    /// A runner found the queue empty: unless tasks arrived meanwhile, its lease ends. Returns
    /// true when the runner must give its lease back; false when it must keep running.
    func runnerWantsToStop() -> Bool {
        state.withLock { state in
            if state.tasks.isEmpty { inbox.take(into: &state.tasks) }
            guard state.tasks.isEmpty else { return false }
            state.runningLeases -= 1
            settleInbox(&state)
            // Closing the inbox moved what was pushed since the take: serve it.
            guard state.tasks.isEmpty else {
                state.runningLeases += 1
                settleInbox(&state)
                return false
            }
            return true
        }
    }

    /// A lease was granted: its runner starts. Returns whether yet another lease is wanted, and
    /// the started count when the caller must have the ``StallWatch`` look at this queue (it
    /// was not watched).
    func leaseGranted() -> (wantsLease: Bool, watchFrom: UInt?) {
        state.withLock { state in
            state.requestOutstanding = false
            state.runningLeases += 1
            settleInbox(&state)
            return (wantsLease(&state), claimWatch(&state))
        }
    }

    /// The started count, when the queue now has a running lease and is not watched (it is
    /// then); else nil. Lock held.
    private func claimWatch(_ state: inout State) -> UInt? {
        guard !state.watched, state.runningLeases > 0 else { return nil }
        state.watched = true
        return state.started
    }

    /// The ``StallWatch``'s look (LeaseDemand.swift): when tasks wait now and waited at the last
    /// look, and no runner took one in between, the queue forgets its tasks' run time (one runs
    /// long) and asks for a lease when one is wanted. Returns whether to keep watching, and
    /// whether the caller must ask the scheduler for a lease.
    func stallLook(last: inout StallLook) -> (keep: Bool, wantsLease: Bool) {
        state.withLock { state in
            guard state.runningLeases > 0 else {
                state.watched = false
                return (false, false)
            }
            if state.tasks.isEmpty { inbox.take(into: &state.tasks) }
            let waiting = !state.tasks.isEmpty
            let stalled = waiting && last.waited && last.started == state.started
            last = StallLook(started: state.started, waited: waiting)
            guard stalled else { return (true, false) }
            runTime.forget()
            if wantsLease(&state) { return (true, true) }
            settleInbox(&state)
            return (true, false)
        }
    }

    /// The outstanding request ended without a lease (it failed): every queued task is handed
    /// back to fail.
    func leaseRequestFailed() -> [TaskRecord] {
        state.withLock { state in
            state.requestOutstanding = false
            settleInbox(&state)
            return takeAll(&state)
        }
    }

    /// A running lease's task blocks in a get: it stops counting as running, so that queued tasks
    /// (perhaps the ones it waits for) get a lease. Returns whether a lease is wanted.
    func runnerBlocked() -> Bool {
        state.withLock { state in
            state.runningLeases -= 1
            state.busyRunners -= 1
            settleInbox(&state)
            return wantsLease(&state)
        }
    }

    /// The blocked task resumed. Returns the started count when the caller must have the
    /// ``StallWatch`` look at this queue again (it dropped it while no lease ran).
    func runnerResumed() -> UInt? {
        state.withLock { state in
            state.runningLeases += 1
            state.busyRunners += 1
            settleInbox(&state)
            return claimWatch(&state)
        }
    }

    /// Every queued task, taken out (shutdown).
    func drain() -> [TaskRecord] {
        state.withLock { takeAll(&$0) }
    }

    private func takeAll(_ state: inout State) -> [TaskRecord] {
        inbox.take(into: &state.tasks)
        var all: [TaskRecord] = []
        while let task = state.tasks.popFirst() { all.append(task) }
        queuedHint.note(count: 0)
        return all
    }

    /// One more lease is wanted when more tasks wait than idle runners can take, below the
    /// limit, no request is outstanding already, and, with short tasks and a lease running, the
    /// backlog is worth a lease (``LeaseDemand``); the request is then outstanding (and the
    /// inbox open). While the inbox is closed the queue holds every task; while it is open, no
    /// push wants a lease, and a running runner or the watch weighs what it holds.
    @inline(__always)
    private func wantsLease(_ state: inout State) -> Bool {
        guard !state.requestOutstanding,
            LeaseDemand.wantsLease(
                queued: state.tasks.count, idle: state.runningLeases - state.busyRunners,
                running: state.runningLeases, limit: leaseLimit, runTime: runTime.nanoseconds)
        else {
            return false
        }
        state.requestOutstanding = true
        settleInbox(&state)
        return true
    }

    /// Opens the inbox when no push can want a lease (a request is outstanding, the leases are
    /// at the limit, or a running lease's runner weighs the backlog of short tasks), else closes
    /// it, moving what it held to the queue. After every change to those books; lock held.
    @inline(__always)
    private func settleInbox(_ state: inout State) {
        let open = LeaseDemand.inboxOpens(
            requestOutstanding: state.requestOutstanding, running: state.runningLeases,
            limit: leaseLimit, runTime: runTime.nanoseconds)
        guard open != inbox.isOpen else { return }
        if open {
            inbox.open()
        } else {
            inbox.close(into: &state.tasks)
            queuedHint.note(count: state.tasks.count)
        }
    }
}
