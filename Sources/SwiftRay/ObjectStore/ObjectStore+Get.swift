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
        try waitForAll([ref as AnyObjectRef], timeout: timeout, deadline: deadline)
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
    @inlinable
    func waitForAll<Ref: AnyObjectRef>(_ entries: [Ref], timeout: Double?, deadline: Int?) throws {
        waitFor(entries, needed: entries.count, deadline: deadline)
        if !AnyObjectRef.allComplete(entries) {
            throw GetTimeout(timeout: timeout ?? .infinity, pending: entries.filter { !$0.isComplete }.map(\.id))
        }
    }

    /// Waits until `needed` of the distinct `entries` are complete or the deadline passes. The
    /// calling thread blocks, or runs other jobs when it is a worker of `executor`.
    ///
    /// The entries are read unretained (the array keeps them alive) and never copied: a retain
    /// and a release per entry, on lines the completing workers write, were a tenth of a
    /// driver's time in a get of a thousand results.
    @inlinable @inline(__always)
    func waitFor<Ref: AnyObjectRef>(_ entries: [Ref], needed: Int, deadline: Int?) {
        Self.withErased(entries) { waitFor(unretained: $0, needed: needed, deadline: deadline) }
    }

    /// `waitFor` over refs the caller keeps alive; not generic, so it looks no metadata up.
    @usableFromInline
    func waitFor(unretained: UnsafeBufferPointer<Unmanaged<AnyObjectRef>>, needed: Int, deadline: Int?) {
        let complete = Self.completeCount(unretained)
        let stillNeeded = needed - complete
        guard stillNeeded > 0, deadline.map({ MonotonicClock.nanoseconds < $0 }) ?? true else { return }
        let waiter = ReadinessWaiter.forCurrentThread(needed: stillNeeded, executor: executor)
        register(waiter, withPendingOf: unretained, counted: complete)
        waiter.block(until: deadline, executor: executor, spin: parkSpin)
        waiter.fire()
        unregister(waiter, fromPendingOf: unretained)
    }

    /// Calls `body` with `refs` unretained and rebound to their common base class: an upcast
    /// (`[Ref] as [AnyObjectRef]`) would copy the array, retaining every ref.
    @inlinable @inline(__always)
    static func withErased<Ref: AnyObjectRef, R>(
        _ refs: [Ref], _ body: (UnsafeBufferPointer<Unmanaged<AnyObjectRef>>) throws -> R
    ) rethrows -> R {
        try AnyObjectRef.withUnretained(refs) { try $0.withMemoryRebound(to: Unmanaged<AnyObjectRef>.self, body) }
    }

    /// How many of `unretained` are complete.
    static func completeCount(_ unretained: UnsafeBufferPointer<Unmanaged<AnyObjectRef>>) -> Int {
        var complete = 0
        for ref in unretained where ref._withUnsafeGuaranteedRef({ $0.isComplete }) { complete += 1 }
        return complete
    }

    /// Registers `waiter`, which needs every completion beyond the `counted` entries found
    /// complete before, with each entry still pending. Completion is monotonic, so the entries
    /// complete now are a superset of those counted: the waiter is told of each that completed
    /// in between (and of each that completes while it registers), and needs exactly the rest.
    func register(
        _ waiter: ReadinessWaiter, withPendingOf unretained: UnsafeBufferPointer<Unmanaged<AnyObjectRef>>, counted: Int
    ) {
        var completeNow = 0
        for ref in unretained {
            ref._withUnsafeGuaranteedRef { entry in
                if entry.isComplete {
                    completeNow += 1
                } else if !register(waiter, with: entry) {
                    waiter.objectCompleted()  // completed since the line above
                }
            }
        }
        for _ in counted..<completeNow { waiter.objectCompleted() }  // completed since the count
    }

    /// Takes `waiter` off every entry still pending (those it was registered with and that did
    /// not complete).
    func unregister(_ waiter: ReadinessWaiter, fromPendingOf unretained: UnsafeBufferPointer<Unmanaged<AnyObjectRef>>) {
        for ref in unretained {
            ref._withUnsafeGuaranteedRef { entry in
                if !entry.isComplete { unregister(waiter, from: entry) }
            }
        }
    }
}
