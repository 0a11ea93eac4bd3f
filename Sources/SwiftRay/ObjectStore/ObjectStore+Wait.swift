import Dispatch
import Synchronization

/// `wait` (Ray's `ray.wait`), its async form, and refs in completion order (`as_completed`).
extension ObjectStore {
    /// Checks `wait`'s arguments: refs of this store, distinct, `numReturns` in 1...count.
    private func validateWait<Ref: AnyObjectRef>(_ refs: [Ref], numReturns: Int) throws(ObjectStoreError) {
        try checkOpen()
        guard numReturns >= 1, numReturns <= refs.count else {
            throw .invalidNumReturns(numReturns: numReturns, refCount: refs.count)
        }
        var seen = Set<ObjectID>(minimumCapacity: refs.count)
        for ref in refs {
            try checkOwned(ref)
            if !seen.insert(ref.id).inserted { throw .duplicateObjectRef(ref.id) }
        }
    }

    /// Splits `refs` into the first `numReturns` complete ones and the rest, both in input order.
    private static func split<Ref: AnyObjectRef>(
        _ refs: [Ref], numReturns: Int
    ) -> (ready: [Ref], notReady: [Ref]) {
        var ready: [Ref] = []
        var notReady: [Ref] = []
        for ref in refs {
            if ready.count < numReturns && ref.isComplete { ready.append(ref) } else { notReady.append(ref) }
        }
        return (ready, notReady)
    }

    /// Ray's `wait`: returns as soon as `numReturns` of `refs` are complete (ready or failed) or
    /// `timeout` seconds pass (nil: no limit), with at most `numReturns` complete refs in `ready`
    /// and every other ref in `notReady`, both in input order. Never throws a timeout.
    /// Throws ``ObjectStoreError`` for a `numReturns` outside 1...refs.count, duplicate refs,
    /// a ref of another store, a bad timeout or a shut-down store.
    func wait<Ref: AnyObjectRef>(
        _ refs: [Ref], numReturns: Int = 1, timeout: Double? = nil
    ) throws -> (ready: [Ref], notReady: [Ref]) {
        try validateWait(refs, numReturns: numReturns)
        let deadline = try Self.deadline(forTimeout: timeout)
        waitFor(refs, needed: numReturns, deadline: deadline)
        try checkOpen()
        return Self.split(refs, numReturns: numReturns)
    }

    /// `wait`, suspending instead of blocking (no thread is held while it waits). A cancelled
    /// caller gets what is ready so far.
    func wait<Ref: AnyObjectRef>(
        _ refs: [Ref], numReturns: Int = 1, timeout: Double? = nil
    ) async throws -> (ready: [Ref], notReady: [Ref]) {
        try validateWait(refs, numReturns: numReturns)
        let deadline = try Self.deadline(forTimeout: timeout)
        let complete = Self.withErased(refs) { Self.completeCount($0) }
        let stillNeeded = numReturns - complete
        if stillNeeded > 0 && deadline.map({ MonotonicClock.nanoseconds < $0 }) ?? true {
            let (waiter, wakeBox) = AsyncWake.waiter(needed: stillNeeded)
            Self.withErased(refs) { register(waiter, withPendingOf: $0, counted: complete) }
            if let deadline { waiter.fire(atDeadline: deadline) }
            await withTaskCancellationHandler {
                await wakeBox.suspend()
            } onCancel: {
                waiter.fire()
            }
            Self.withErased(refs) { unregister(waiter, fromPendingOf: $0) }
        }
        try checkOpen()
        return Self.split(refs, numReturns: numReturns)
    }

    /// The refs in the order their objects complete (ready or failed; Ray's `as_completed`):
    /// those complete already first, in input order, then each as it completes. The sequence
    /// ends after the last ref; cancelling its consumer stops the waiting.
    func completed<Ref: AnyObjectRef>(_ refs: [Ref]) throws(ObjectStoreError) -> AsyncStream<Ref> {
        try checkOpen()
        for ref in refs { try checkOwned(ref) }
        let (stream, continuation) = AsyncStream.makeStream(of: Ref.self)
        let remaining = Locked(refs.count)
        let finishOne: @Sendable () -> Void = {
            if remaining.withLock({ count in count -= 1; return count == 0 }) { continuation.finish() }
        }
        if refs.isEmpty { continuation.finish() }
        var registered: [(ReadinessWaiter, AnyObjectRef)] = []
        for ref in refs {
            let waiter = ReadinessWaiter(needed: 1, wake: .action {
                continuation.yield(ref)
                finishOne()
            })
            if register(waiter, with: ref) { registered.append((waiter, ref)) } else { waiter.fire() }
        }
        let pending = registered
        continuation.onTermination = { [self] _ in
            for (waiter, entry) in pending where !entry.isComplete { unregister(waiter, from: entry) }
        }
        return stream
    }
}
