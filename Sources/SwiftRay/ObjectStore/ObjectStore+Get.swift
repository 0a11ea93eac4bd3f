/// `get`: the values of refs, waiting for pending ones.
extension ObjectStore {
    /// Checks a timeout in seconds: nil or +infinity waits forever; negative or NaN throws.
    /// Returns the deadline in monotonic nanoseconds (nil: none).
    @usableFromInline
    static func deadline(forTimeout timeout: Double?) throws(ObjectStoreError) -> Int? {
        guard let timeout else { return nil }
        guard !timeout.isNaN, timeout >= 0 else { throw .invalidTimeout(timeout) }
        if timeout == .infinity || timeout > 1e9 { return nil }
        return MonotonicClock.nanoseconds &+ Int(timeout * 1e9)
    }

    /// The value of `ref`: at once when ready (a load and a retain of the value: a large array
    /// is handed out without a copy); else waits (a worker of `executor` runs other jobs
    /// meanwhile, any other thread blocks) up to `timeout` seconds (nil: forever).
    /// Throws ``GetTimeout``, the producer's error when the object failed, or
    /// ``ObjectStoreError`` for a ref of another store, a bad timeout or a shut-down store.
    @inlinable @inline(__always)
    func get<Value: Sendable>(_ ref: ObjectRef<Value>, timeout: Double? = nil) throws -> Value {
        try checkOwned(ref)
        if let value = try ref.result() { return value }
        return try getSlow(ref, timeout: timeout)
    }

    @usableFromInline
    func getSlow<Value: Sendable>(_ ref: ObjectRef<Value>, timeout: Double?) throws -> Value {
        let deadline = try Self.deadline(forTimeout: timeout)
        try waitForAll([ref], timeout: timeout, deadline: deadline)
        try checkOpen()
        if let value = try ref.result() { return value }
        throw GetTimeout(timeout: timeout ?? .infinity, pending: [ref.id])
    }

    /// The values of `refs`, in order: waits until all are ready (or `timeout` seconds pass,
    /// then ``GetTimeout``); the first failed object in input order throws its error.
    @inlinable
    func get<Value: Sendable>(_ refs: [ObjectRef<Value>], timeout: Double? = nil) throws -> [Value] {
        let deadline = try Self.deadline(forTimeout: timeout)
        var pending: [AnyObjectRef] = []
        try AnyObjectRef.forEachUnretained(in: refs) { ref in
            try checkOwned(ref)
            if !ref.isComplete { pending.append(ref) }
        }
        if !pending.isEmpty { try waitForAll(pending, timeout: timeout, deadline: deadline) }
        try checkOpen()
        var values: [Value] = []
        values.reserveCapacity(refs.count)
        try AnyObjectRef.forEachUnretained(in: refs) { ref in
            guard let value = try ref.result() else {
                throw GetTimeout(timeout: timeout ?? .infinity, pending: refs.filter { !$0.isReady }.map(\.id))
            }
            values.append(value)
        }
        return values
    }

    /// Waits until every entry is complete or the deadline passes (then throws ``GetTimeout``).
    @usableFromInline
    func waitForAll(_ entries: [AnyObjectRef], timeout: Double?, deadline: Int?) throws {
        let pending = try waitFor(entries, needed: entries.count, deadline: deadline)
        if !pending.isEmpty { throw GetTimeout(timeout: timeout ?? .infinity, pending: pending.map(\.id)) }
    }

    /// Waits until `needed` of the distinct `entries` are complete or the deadline passes;
    /// returns the entries still pending (empty when all completed). The calling thread blocks,
    /// or runs other jobs when it is a worker of `executor`.
    func waitFor(_ entries: [AnyObjectRef], needed: Int, deadline: Int?) throws -> [AnyObjectRef] {
        var outstanding = entries.filter { !$0.isComplete }
        let stillNeeded = needed - (entries.count - outstanding.count)
        if stillNeeded <= 0 || outstanding.isEmpty { return outstanding }
        if let deadline, MonotonicClock.nanoseconds >= deadline { return outstanding }
        let waiter = ReadinessWaiter.forCurrentThread(needed: stillNeeded, executor: executor)
        var registered: [AnyObjectRef] = []
        registered.reserveCapacity(outstanding.count)
        for entry in outstanding {
            if register(waiter, with: entry) { registered.append(entry) } else { waiter.objectCompleted() }
        }
        waiter.block(until: deadline, executor: executor)
        waiter.fire()
        for entry in registered where !entry.isComplete { unregister(waiter, from: entry) }
        outstanding.removeAll { $0.isComplete }
        return outstanding
    }
}
