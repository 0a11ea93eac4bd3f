import Glibc

/// The state a streaming generator task shares with the ``ObjectRefStream`` its call returned:
/// the refs yielded and not yet taken by the consumer (in yield order), the counts of yielded
/// and consumed objects (back-pressure: Ray's `_generator_backpressure_num_objects`), whether
/// the stream ended, was cancelled or was dropped, and who waits: consumers for the next ref,
/// the producer for room.
///
/// Lock order: the channel's lock is a leaf: nothing is called under it that takes another
/// lock (refs are made and released, waiters fired, outside it).
///
/// Thread-safe.
final class GeneratorChannel<Value: Sendable>: @unchecked Sendable {
    /// The guarded state. Not thread-safe by itself.
    struct State {
        var buffer = FIFO<ObjectRef<Value>>()
        /// Values accepted into the stream (across attempts: a retry skips this many yields).
        var produced = 0
        /// Refs the consumer took.
        var consumed = 0
        /// No more refs will be added (the last one may be the error that ended the stream).
        var ended = false
        /// The consumer dropped the stream (its refs were released; yields now throw).
        var dropped = false
        /// The stream was cancelled (yields now throw).
        var cancelled = false
        var consumers: [ReadinessWaiter] = []
        var producer: ReadinessWaiter?
        /// The producing task, until the stream ends (cancel reaches it through here).
        var task: TaskRecord?
        /// Threads blocked in the stream's `next` (one entry per blocked call).
        var blockedConsumers: [pthread_t] = []
    }

    /// What a yield does next. A plain value.
    private enum Step { case skip, put, wait(ReadinessWaiter), stop }

    /// What a consumer found. A plain value.
    enum Poll {
        case element(ObjectRef<Value>)
        case end
        /// Nothing yet: the waiter (registered) fires when something changes.
        case wait(ReadinessWaiter)
    }

    let store: ObjectStore
    /// Unconsumed refs at which `yield` waits; nil: no limit.
    let limit: Int?
    let taskID: TaskID
    let taskName: String
    private let state = Locked(State())

    init(store: ObjectStore, limit: Int?, taskID: TaskID, taskName: String) {
        self.store = store
        self.limit = limit
        self.taskID = taskID
        self.taskName = taskName
    }

    func attach(_ task: TaskRecord) { state.withLock { $0.task = task } }

    /// The producing task while the stream has not ended.
    var task: TaskRecord? { state.withLock { $0.task } }

    private var cancelledError: TaskCancelled { TaskCancelled(taskID: taskID, taskName: taskName) }

    // MARK: Producer

    /// Adds `value` as the stream's next ref, the `index`-th yield (from 0) of the running
    /// attempt: skipped when an earlier attempt yielded it already. Waits first (a worker runs
    /// other jobs meanwhile) while `limit` refs are unconsumed. Throws ``TaskCancelled`` once the
    /// stream was cancelled, dropped or ended, and what the store's put throws.
    func yield(_ value: Value, index: Int) throws {
        while true {
            let step: Step = state.withLock { state in
                if state.cancelled || state.dropped || state.ended { return .stop }
                if index < state.produced { return .skip }
                // A consumer blocked on this thread is below this yield on the stack (its worker
                // ran the generator while it waited): waiting for it would never end, so the
                // generator runs ahead of its limit instead.
                if let limit, state.produced - state.consumed >= limit,
                   !state.blockedConsumers.contains(where: { pthread_equal($0, pthread_self()) != 0 }) {
                    let waiter = ReadinessWaiter.forCurrentThread(needed: 1, executor: store.executor)
                    state.producer = waiter
                    return .wait(waiter)
                }
                return .put
            }
            switch step {
            case .skip:
                return
            case .stop:
                throw cancelledError
            case .wait(let waiter):
                waiter.block(until: nil, executor: store.executor)
                state.withLock { state in if state.producer === waiter { state.producer = nil } }
                continue
            case .put:
                break
            }
            let ref = try store.put(value)
            let outcome: (accepted: Bool, wake: [ReadinessWaiter]) = state.withLock { state in
                if state.cancelled || state.dropped || state.ended { return (false, []) }
                state.buffer.append(ref)
                state.produced += 1
                defer { state.consumers = [] }
                return (true, state.consumers)
            }
            for waiter in outcome.wake { waiter.fire() }
            if !outcome.accepted { throw cancelledError }  // `ref` goes here, outside the lock
            return
        }
    }

    /// Ends the stream: after the refs yielded so far, consumers get one more ref that fails
    /// with `error` (when given), then the end. Idempotent.
    func finish(failing error: (any Error)?) {
        let last: ObjectRef<Value>? = error.flatMap { error in
            guard let ref = try? store.makePending(of: Value.self) else { return nil }
            try? store.fail(ref, with: error)
            return ref
        }
        let wake: [ReadinessWaiter] = state.withLock { state in
            guard !state.ended else { return [] }
            state.ended = true
            state.task = nil
            if let last, !state.dropped { state.buffer.append(last) }
            defer {
                state.consumers = []
                state.producer = nil
            }
            return state.consumers + (state.producer.map { [$0] } ?? [])
        }
        for waiter in wake { waiter.fire() }
        _ = last  // released here when not appended
    }

    /// Cancels the stream (`ray.cancel`): it ends at once, after the refs yielded so far, with
    /// a ref failing with ``TaskCancelled``; the producer's next (or waiting) yield throws.
    func cancel() {
        state.withLock { $0.cancelled = true }
        finish(failing: cancelledError)
    }

    // MARK: Consumer

    /// The next ref, the end, or a waiter (made by `makeWaiter`, registered) to wait on.
    func poll(_ makeWaiter: () -> ReadinessWaiter) -> Poll {
        let (poll, producer): (Poll, ReadinessWaiter?) = state.withLock { state in
            if let ref = state.buffer.popFirst() {
                state.consumed += 1
                defer { state.producer = nil }
                return (.element(ref), state.producer)
            }
            if state.ended { return (.end, nil) }
            let waiter = makeWaiter()
            state.consumers.append(waiter)
            return (.wait(waiter), nil)
        }
        producer?.fire()
        return poll
    }

    /// Records that the calling thread blocks in `next` (`blocked`: true) or stopped blocking.
    func consumerBlocks(_ blocked: Bool) {
        let me = pthread_self()
        state.withLock { state in
            if blocked {
                state.blockedConsumers.append(me)
            } else if let index = state.blockedConsumers.firstIndex(where: { pthread_equal($0, me) != 0 }) {
                state.blockedConsumers.remove(at: index)
            }
        }
    }

    /// Takes a waiter that gave up (timeout, cancellation) off the list.
    func withdraw(_ waiter: ReadinessWaiter) {
        state.withLock { $0.consumers.removeAll { $0 === waiter } }
    }

    /// The consumer dropped the stream: the refs it did not take are released and the producer
    /// stops at its next yield. Returns the task to cancel, if the stream had not ended.
    func dropped() -> TaskRecord? {
        var released: [ObjectRef<Value>] = []
        let (task, producer): (TaskRecord?, ReadinessWaiter?) = state.withLock { state in
            state.dropped = true
            while let ref = state.buffer.popFirst() { released.append(ref) }
            defer {
                state.task = nil
                state.producer = nil
            }
            return (state.ended ? nil : state.task, state.producer)
        }
        producer?.fire()
        released.removeAll()
        return task
    }
}

/// What a streaming generator's body yields into: each ``yield(_:)`` stores the value as its
/// own object and hands its ref to the caller's ``ObjectRefStream`` at once, in yield order.
///
/// With back-pressure (`backpressureNumObjects` > 0), a yield waits while that many yielded refs
/// are not yet taken by the consumer (on a worker it runs other jobs meanwhile). After the
/// stream was cancelled or dropped, `yield` throws ``TaskCancelled``: let it propagate.
///
/// Thread-safe, but meant for the body's own thread: yields made concurrently from several
/// threads are stored in no particular order, and back-pressure counts them only roughly.
public final class GeneratorSink<Element: Sendable>: Sendable {
    private let channel: GeneratorChannel<Element>
    /// Yields made by this attempt.
    private let index = Locked(0)

    init(channel: GeneratorChannel<Element>) { self.channel = channel }

    /// Yields `value` as the stream's next ref. Throws ``TaskCancelled`` when the stream was
    /// cancelled, dropped or has ended, or the store's errors (``ObjectStoreFull``...).
    public func yield(_ value: Element) throws {
        let position = index.withLock { index in
            defer { index += 1 }
            return index
        }
        try channel.yield(value, index: position)
    }

    /// Whether the stream was cancelled, dropped or has ended: the next yield will throw.
    public var isCancelled: Bool { channel.isStopped }

    /// Refs yielded and not yet taken by the consumer.
    public var unconsumed: Int { channel.unconsumed }
}

extension GeneratorChannel {
    /// Whether yields now throw.
    var isStopped: Bool { state.withLock { $0.cancelled || $0.dropped || $0.ended } }

    /// Refs yielded and not yet taken.
    var unconsumed: Int { state.withLock { $0.produced - $0.consumed } }
}
