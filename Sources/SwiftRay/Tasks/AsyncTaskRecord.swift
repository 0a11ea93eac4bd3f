/// A task whose body is async (``AsyncRemoteFunction``): each attempt runs the body as a Swift
/// `Task` preferring the leased domain's ``DomainExecutor`` and waits for it on the lease's
/// worker, which runs other jobs meanwhile (a worker latch, never a blocking wait). Cancelling
/// the task cancels the Swift `Task` of the running attempt.
///
/// The attempt's outcome (the value stored, the refs failed, or the task queued again for a
/// retry) is settled by the Swift `Task` itself, as soon as the body ends: the lease's worker may
/// be busy deeper in its stack with a job that waits for exactly that outcome (it ran the job
/// while helping), and would never return to settle it.
///
/// Thread safety as for ``TaskRecord``: the object is completed by the attempt's Swift `Task`,
/// which ends before the runner returns (the latch orders them); the running attempt's handle
/// is under a lock (``cancellationRequested()`` comes from any thread).
final class AsyncSingleReturnTask<Result: Sendable>: ObjectRef<Result>, @unchecked Sendable {
    /// Keeps ``TaskRecord/shape`` alive.
    private let shapeOwner: TaskShape
    /// The body with its arguments; nil once the task ended (it lets go of its inputs then).
    @exclusivity(unchecked) private var body: (@Sendable () async throws -> Result)?
    private let dispatcher: TaskDispatcher
    /// The Swift `Task` of the attempt that runs now, if any.
    private let running = SpinLocked<Swift.Task<Void, Never>?>(nil)

    init(
        id: ObjectID, store: borrowing ObjectStore, domain: Int, taskID: TaskID, shape: borrowing TaskShape,
        arguments: [AnyObjectRef], dispatcher: TaskDispatcher, body: @escaping @Sendable () async throws -> Result
    ) {
        shapeOwner = copy shape
        self.body = body
        self.dispatcher = dispatcher
        super.init(
            id: id, store: store, domain: domain, taskID: taskID, shape: Unmanaged.passUnretained(shapeOwner),
            arguments: arguments,
            releasesInputsAtEnd: true)
    }

    /// Runs the body once as a Swift `Task` on the lease's domain and waits for it, helping.
    /// Never throws: the Swift `Task` settles the attempt.
    override func runBody() throws {
        guard let lease = TaskFrames.innermost(of: dispatcher.runtimeID)?.lease else {
            throw RuntimeError.startFailed("an async task ran outside a lease")
        }
        let executor = dispatcher.executor
        let preference: DomainExecutor
        do {
            preference = try executor.domainExecutor(lease.node)
        } catch {
            throw RuntimeError.startFailed("no executor for domain \(lease.node): \(error)")
        }
        let waiter = ReadinessWaiter.forCurrentThread(needed: 1, executor: executor)
        let frame = TaskFrames.Frame(task: self, lease: lease, actor: nil, runtime: dispatcher.runtimeID)
        let body = body.unsafelyUnwrapped
        let handle = Swift.Task(executorPreference: preference) { [self] in
            let result: Swift.Result<Result, any Error>
            do {
                result = .success(try await TaskFrames.$asyncFrame.withValue(frame) { try await body() })
            } catch {
                result = .failure(error)
            }
            settle(result, on: lease)
            waiter.fire()
        }
        // Published under the lock before the flag is read: a cancel either sees the handle or
        // set the flag before this read (it sets the flag, then takes the same lock).
        let cancelNow = running.withLock { slot in
            slot = handle
            return cancelled.load(ordering: .acquiring)
        }
        if cancelNow { handle.cancel() }
        waiter.block(until: nil, executor: executor)
        running.withLock { slot in if slot == handle { slot = nil } }
    }

    /// What `TaskDispatcher.run` does after a body, done by the attempt's Swift `Task`.
    private func settle(_ result: Swift.Result<Result, any Error>, on lease: Lease) {
        switch result {
        case .success(let value):
            do {
                try deliver(value)
            } catch is TaskCancelled {
                finish(failing: TaskCancelled(taskID: taskID, taskName: name))
            } catch {
                // The store failed the object itself (full, shut down).
                releaseInputs()
            }
        case .failure(let error):
            if cancelled.load(ordering: .acquiring) {
                finish(failing: TaskCancelled(taskID: taskID, taskName: name))
            } else if mayRetry(after: error) {
                taskState.store(.pendingNodeAssignment, ordering: .relaxed)
                if lease.queue.push(self) { dispatcher.requestLease(for: lease.queue) }
            } else {
                finish(failing: error)
            }
        }
    }

    override func cancellationRequested() {
        running.withLock { $0 }?.cancel()
    }

    override func releaseInputs() {
        body = nil
        super.releaseInputs()
    }
}
