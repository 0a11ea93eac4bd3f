/// The refs a streaming generator call yields (Ray's `ObjectRefGenerator`), in yield order,
/// each readable as soon as it was yielded. Read it from the driver or a task as a blocking
/// sequence (`for ref in stream { try ray.get(ref) }`, ``next(timeout:)``) or from async code
/// as an `AsyncSequence` (`for try await ref in stream`). Each ref is handed out once: the
/// stream is single-pass, and its consumers (iterators, threads) share one position.
///
/// A body that throws ends the stream with one ref that fails with ``RayTaskError``; a
/// cancelled stream (``cancel()``, `ray.cancel(stream)`) ends, after the refs yielded so far,
/// with one that fails with ``TaskCancelled``. Taking a ref counts it as consumed for the
/// generator's back-pressure.
///
/// Dropping the stream (its last reference, iterators included) releases the refs not taken and
/// cancels the generator if it still runs (its next yield throws ``TaskCancelled``).
///
/// Thread-safe.
public final class ObjectRefStream<Value: Sendable>: Sendable {
    let channel: GeneratorChannel<Value>
    let runtime: RayRuntime

    init(channel: GeneratorChannel<Value>, runtime: RayRuntime) {
        self.channel = channel
        self.runtime = runtime
    }

    deinit {
        if let task = channel.dropped() { task.cancelled.store(true, ordering: .releasing) }
    }

    /// The generator task's id.
    public var taskID: TaskID { channel.taskID }

    /// Refs yielded and not yet taken.
    public var unconsumed: Int { channel.unconsumed }

    /// The next ref, waiting up to `timeout` seconds (nil: no limit) for the generator to yield
    /// it; nil once the stream ended. Inside a task the wait gives the task's CPUs back and the
    /// worker runs other jobs. Throws ``GetTimeout`` (no pending ids) when the time passes, and
    /// `ObjectStoreError` for a negative or NaN timeout.
    public func next(timeout: Double? = nil) throws -> ObjectRef<Value>? {
        let deadline = try ObjectStore.deadline(forTimeout: timeout)
        while true {
            let poll = channel.poll { ReadinessWaiter.forCurrentThread(needed: 1, executor: runtime.executor) }
            switch poll {
            case .element(let ref):
                return ref
            case .end:
                return nil
            case .wait(let waiter):
                if let deadline, MonotonicClock.nanoseconds >= deadline {
                    channel.withdraw(waiter)
                    throw GetTimeout(timeout: timeout ?? .infinity, pending: [])
                }
                channel.consumerBlocks(true)
                defer { channel.consumerBlocks(false) }
                // The blocked-wait protocol: a task gives its CPUs back while it waits.
                try runtime.whileBlocked { waiter.block(until: deadline, executor: runtime.executor) }
                waiter.fire()
                channel.withdraw(waiter)
            }
        }
    }

    /// Cancels the generator (as `ray.cancel(stream)`): the stream ends after the refs yielded
    /// so far with a ref failing with ``TaskCancelled``, and the generator stops at its next
    /// yield. Returns false when the stream had ended already.
    @discardableResult
    public func cancel() -> Bool {
        guard let task = channel.task, !task.cancelled.exchange(true, ordering: .acquiringAndReleasing) else {
            return false
        }
        task.cancellationRequested()
        return true
    }
}

extension ObjectRefStream: Sequence {
    /// A blocking iterator over a stream: `next()` waits without a limit and returns nil at the
    /// end. Holds the stream. Thread-safe (the stream is).
    public struct Iterator: IteratorProtocol {
        let stream: ObjectRefStream

        public mutating func next() -> ObjectRef<Value>? { try? stream.next() }
    }

    public func makeIterator() -> Iterator { Iterator(stream: self) }
}

extension ObjectRefStream: AsyncSequence {
    /// An async iterator over a stream: `next()` suspends (no thread held) until the generator
    /// yields or ends; throws `CancellationError` when the awaiting task is cancelled. Holds the
    /// stream. Thread-safe (the stream is).
    public struct AsyncIterator: AsyncIteratorProtocol {
        let stream: ObjectRefStream

        public mutating func next() async throws -> ObjectRef<Value>? { try await stream.nextAsync() }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(stream: self) }

    /// The next ref, suspending while there is none yet; nil at the end.
    public func nextAsync() async throws -> ObjectRef<Value>? {
        while true {
            try Task.checkCancellation()
            var wake: AsyncWake?
            let poll = channel.poll {
                let (waiter, box) = AsyncWake.waiter(needed: 1)
                wake = box
                return waiter
            }
            switch poll {
            case .element(let ref):
                return ref
            case .end:
                return nil
            case .wait(let waiter):
                await withTaskCancellationHandler {
                    await wake?.suspend()
                } onCancel: {
                    waiter.fire()
                }
                channel.withdraw(waiter)
            }
        }
    }
}
