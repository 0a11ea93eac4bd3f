import Glibc
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
    /// then yielding: a driver that submits tasks one by one (or a little slower than they run)
    /// would otherwise make every task pay for a lease request, a scheduler pass and a worker
    /// wake-up (tens of microseconds when the worker parked). Ray's core worker keeps idle
    /// leased workers for the same reason. At most ``LeaseQueue/maxLingeringRunners`` of one
    /// queue's runners wait at once; the others end when the queue is empty.
    static let lingerSpinNanoseconds = 5_000
    static let lingerYields = 8

    /// Waits briefly for the queue to get a task; whether one came.
    private func lingered(on queue: LeaseQueue) -> Bool {
        let deadline = MonotonicClock.nanoseconds &+ Self.lingerSpinNanoseconds
        repeat {
            if queue.seemsNonEmpty { return true }
        } while MonotonicClock.nanoseconds < deadline
        for _ in 0..<Self.lingerYields {
            sched_yield()
            if queue.seemsNonEmpty { return true }
        }
        return false
    }

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
        while true {
            let (next, wantsLease) = queue.next(finishedOne: finished)
            finished = false
            if wantsLease { dispatcher.requestLease(for: queue) }
            guard let task = next else {
                if queue.startLingering() {
                    let caught = lingered(on: queue)
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
            dispatcher.run(task, on: lease, thread: thread.unsafelyUnwrapped)
            finished = true
            if turn.isOver(after: worker) {
                queue.finishedOne()
                dispatcher.continueLater(self)
                return
            }
        }
    }
}
