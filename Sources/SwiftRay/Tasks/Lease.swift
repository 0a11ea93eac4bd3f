import Synchronization

/// A worker lease: the resources of one scheduling class granted by the scheduler on one node
/// (domain), held while its ``LeaseRunner`` runs the class's queued tasks. The scheduler knows
/// it by `id` (a task id of its own), exactly as it would know a single task.
///
/// Immutable but for the revoked flag (an atomic); thread-safe.
final class Lease: Sendable {
    let id: TaskID
    /// Set when the lease's placement group is removed: its resources are gone, so its runner
    /// fails the tasks it would still run.
    private let revoked = Atomic<Bool>(false)
    let queue: LeaseQueue
    /// Where it runs and what it holds (GPU ids, pinned PUs, bundle).
    let placement: TaskPlacement
    /// What it holds, by resource name (the tasks' `assignedResources`).
    let assignedResources: ResourceSet

    init(id: TaskID, queue: LeaseQueue, placement: TaskPlacement, assignedResources: ResourceSet) {
        self.id = id
        self.queue = queue
        self.placement = placement
        self.assignedResources = assignedResources
    }

    var node: Int { placement.node }

    var isRevoked: Bool { revoked.load(ordering: .acquiring) }

    func revoke() { revoked.store(true, ordering: .releasing) }
}

/// The job that serves a lease on a worker of its node: it takes the lease queue's tasks one at
/// a time and runs them, and gives the lease back when the queue is empty. At the end of a
/// turn (RunnerTurn.swift) it yields its worker when other jobs wait for it (it queues itself
/// again behind them), so that one busy class cannot starve other work on the node. Pinned to the
/// lease's node: its resources were allocated there.
///
/// Owned by one queue or one worker at a time, like every ``QueuedJob``.
final class LeaseRunner: QueuedJob, @unchecked Sendable {
    let lease: Lease
    /// The dispatcher, unretained (it outlives every lease) and borrowed without a retain: a
    /// retain and release around each task wrote its reference count from every worker.
    private let dispatcher: Unmanaged<TaskDispatcher>
    /// How long an idle runner keeps its lease waiting for the next task of its class, spinning
    /// then yielding, after a long gap (or before any): a driver that submits tasks one by one
    /// (or a little slower than they run) would otherwise make every task pay for a lease
    /// request, a scheduler pass and a worker wake-up (tens of microseconds when the worker
    /// parked). Ray's core worker keeps idle leased workers for the same reason. After short
    /// gaps the wait is longer (the queue's ``LeaseQueue/linger``, MailLinger.swift). At most
    /// ``LeaseQueue/maxLingeringRunners`` of one queue's runners wait at once; the others end
    /// when the queue is empty.
    static let lingerSpinNanoseconds = 5_000
    static let lingerYields = 8

    init(lease: Lease, dispatcher: TaskDispatcher) {
        self.lease = lease
        self.dispatcher = Unmanaged.passUnretained(dispatcher)
        super.init(pinnedDomain: lease.node)
    }

    override func execute(by worker: Worker?) {
        dispatcher._withUnsafeGuaranteedRef { execute(by: worker, dispatcher: $0) }
    }

    @inline(__always)
    private func execute(by worker: Worker?, dispatcher: TaskDispatcher) {
        var turn = RunnerTurn()
        var finished = false
        let queue = lease.queue
        var thread: CallRunnerThread? = nil
        // Whether the last take from the inbox was a few tasks of a streaming caller: the
        // runner then waits a moment before it takes the next (ActorCore+Batches.swift).
        var gathers = false
        // Tasks to run before the next one is timed (LeaseDemand.swift).
        var untilSample = 0
        while true {
            if gathers, queue.onlyInboxSeemsNonEmpty { ActorCore.gather(by: worker) }
            let (next, wantsLease, took) = queue.next(finishedOne: finished)
            if took > 0 { gathers = ActorCore.gathersAfter(batchOf: took) }
            finished = false
            if wantsLease { dispatcher.requestLease(for: queue) }
            guard let task = next else {
                if queue.startLingering() {
                    let caught = queue.linger.wait(by: worker) { queue.seemsNonEmpty }
                    queue.stopLingering()
                    if caught { continue }
                }
                if queue.runnerWantsToStop() {
                    dispatcher.returnLease(lease)
                    return
                }
                continue
            }
            if thread == nil { thread = CallRunnerThread(shape: queue.shape) }
            if untilSample == 0 {
                let start = MonotonicClock.nanoseconds
                task._withUnsafeGuaranteedRef { dispatcher.run($0, on: lease, thread: thread.unsafelyUnwrapped) }
                let classChanged = queue.runTime.record(MonotonicClock.nanoseconds &- start)
                if classChanged { queue.runTimeClassChanged() }
                untilSample = TaskRunTime.sampleEvery &- 1
            } else {
                task._withUnsafeGuaranteedRef { dispatcher.run($0, on: lease, thread: thread.unsafelyUnwrapped) }
                untilSample &-= 1
            }
            // The queue's reference, which `next` handed over: the one reference count this
            // runner writes per task.
            task.release()
            finished = true
            if turn.isOver(after: worker) {
                queue.finishedOne()
                dispatcher.continueLater(self)
                return
            }
        }
    }
}
