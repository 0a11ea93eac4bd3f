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
        var allComplete = true
        try AnyObjectRef.forEachUnretained(in: refs) { ref in
            try checkOwned(ref)
            if !ref.isComplete { allComplete = false }
        }
        if !allComplete { try waitForAll(refs, timeout: timeout, deadline: deadline) }
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
        waitFor(entries, needed: entries.count, deadline: deadline)
        if !AnyObjectRef.allComplete(entries) {
            throw GetTimeout(timeout: timeout ?? .infinity, pending: entries.filter { !$0.isComplete }.map(\.id))
        }
    }

    /// Waits until `needed` of the distinct `entries` are complete or the deadline passes. The
    /// calling thread blocks, or runs other jobs when it is a worker of `executor`.
    ///
    /// The entries are read unretained (`entries` keeps them alive) and the pending ones noted
    /// by index: a retain and a release per entry, on lines the completing workers write, were
    /// a tenth of a driver's time in a get of a thousand task results.
    func waitFor(_ entries: [AnyObjectRef], needed: Int, deadline: Int?) {
        var pendingIndexes: [Int] = []
        pendingIndexes.reserveCapacity(entries.count)
        AnyObjectRef.withUnretained(entries) { unretained in
            for index in unretained.indices where !unretained[index]._withUnsafeGuaranteedRef({ $0.isComplete }) {
                pendingIndexes.append(index)
            }
        }
        let stillNeeded = needed - (entries.count - pendingIndexes.count)
        if stillNeeded > 0, !pendingIndexes.isEmpty, deadline.map({ MonotonicClock.nanoseconds < $0 }) ?? true {
            let waiter = ReadinessWaiter.forCurrentThread(needed: stillNeeded, executor: executor)
            AnyObjectRef.withUnretained(entries) { unretained in
                // Every entry pending in the count above is registered or counted as completed,
                // whatever it did since: the waiter needs exactly `stillNeeded` of them.
                for index in pendingIndexes {
                    let registered = unretained[index]._withUnsafeGuaranteedRef { register(waiter, with: $0) }
                    if !registered { waiter.objectCompleted() }
                }
                waiter.block(until: deadline, executor: executor)
                waiter.fire()
                for index in pendingIndexes {
                    unretained[index]._withUnsafeGuaranteedRef { entry in
                        if !entry.isComplete { unregister(waiter, from: entry) }
                    }
                }
            }
        }
    }
}
