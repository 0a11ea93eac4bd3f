/// `put`, `get` and `wait` (Ray's `ray.put`, `ray.get`, `ray.wait`), their async forms, and refs
/// in completion order.
///
/// Inside a task, a get or wait that has to wait first gives the task's CPUs back to its node
/// (so the tasks it waits for can run there) and takes them again before it returns; the worker
/// runs other jobs meanwhile instead of blocking.
extension RayRuntime {
    /// Stores `value` once, immutable, and returns a ready ref. Throws ``ObjectStoreFull`` when
    /// the store has no room after the grace period (naming the sizes),
    /// `ObjectStoreError.objectLargerThanStore` for a value larger than the whole store, and
    /// `ObjectStoreError.shutDown` after shutdown.
    @inlinable
    public func put<Value: Sendable>(_ value: Value) throws -> ObjectRef<Value> {
        try store.put(value)
    }

    /// The value of `ref`, waiting up to `timeout` seconds (nil: no limit). Throws
    /// ``GetTimeout``, the ``RayTaskError`` / ``TaskCancelled`` / ``TaskUnschedulable`` of a
    /// failed task, or `ObjectStoreError` for a ref of another runtime, a negative or NaN timeout,
    /// or a runtime that is shut down.
    @inlinable
    public func get<Value: Sendable>(_ ref: ObjectRef<Value>, timeout: Double? = nil) throws -> Value {
        try store.checkOwned(ref)
        if let timeout, !(timeout >= 0) { throw ObjectStoreError.invalidTimeout(timeout) }
        if let value = try ref.result() { return value }
        return try whileBlocked { try store.get(ref, timeout: timeout) }
    }

    /// The values of `refs` in order, waiting for all of them up to `timeout` seconds; the first
    /// failed object (in input order) throws its error.
    @inlinable
    public func get<Value: Sendable>(_ refs: [ObjectRef<Value>], timeout: Double? = nil) throws -> [Value] {
        if let timeout, !(timeout >= 0) { throw ObjectStoreError.invalidTimeout(timeout) }
        if AnyObjectRef.allComplete(refs) { return try store.get(refs, timeout: timeout) }
        return try whileBlocked { try store.get(refs, timeout: timeout) }
    }

    /// Ray's `wait`: returns as soon as `numReturns` of `refs` are complete or `timeout` seconds
    /// pass, with at most `numReturns` complete refs in `ready` and every other ref in
    /// `notReady`, both in input order. Throws for a `numReturns` outside 1...refs.count,
    /// duplicate refs, a bad timeout, or refs of another runtime. The refs may share one type
    /// (`[ObjectRef<Int>]`, returned as such) or mix types as `[AnyObjectRef]`, as Python's
    /// lists of refs do (cast a ready one back with `as? ObjectRef<T>` to get its value).
    public func wait<Ref: AnyObjectRef>(
        _ refs: consuming [Ref], numReturns: Int = 1, timeout: Double? = nil
    ) throws -> (ready: [Ref], notReady: [Ref]) {
        guard numReturns >= 1, numReturns <= refs.count else {
            throw ObjectStoreError.invalidNumReturns(numReturns: numReturns, refCount: refs.count)
        }
        // One pass without retaining the refs: ownership, duplicates, and the first complete ones.
        var readyIndexes: [Int] = []
        readyIndexes.reserveCapacity(min(numReturns, 16))
        let problem: ObjectStoreError? = AnyObjectRef.withUnretained(refs) { unretained in
            var seen = IdentitySet(capacity: unretained.count)
            let store = Unmanaged.passUnretained(self.store)
            for index in unretained.indices {
                let outcome: ObjectStoreError? = unretained[index]._withUnsafeGuaranteedRef { ref in
                    ref.store === store.takeUnretainedValue() ? nil : .foreignObjectRef(id: ref.id, store: self.store.serial)
                }
                if let outcome { return outcome }
                let address = unretained[index]._withUnsafeGuaranteedRef { Unmanaged.passUnretained($0).toOpaque() }
                guard seen.insert(address: UInt(bitPattern: address)) else { return .duplicateObjectRef(unretained[index]._withUnsafeGuaranteedRef { $0.id }) }
                if readyIndexes.count < numReturns, unretained[index]._withUnsafeGuaranteedRef({ $0.isComplete }) {
                    readyIndexes.append(index)
                }
            }
            return nil
        }
        if let problem { throw problem }
        try store.checkOpen()
        _ = try ObjectStore.deadline(forTimeout: timeout)
        guard readyIndexes.count >= numReturns else {
            return try whileBlocked { try store.wait(refs, numReturns: numReturns, timeout: timeout) }
        }
        // Enough are complete: the ready ones move out of the array, the rest stay in it (in
        // order, moved rather than copied when the caller handed its array over).
        var notReady = refs
        var ready: [Ref] = []
        ready.reserveCapacity(numReturns)
        if numReturns <= 8 {
            for index in readyIndexes.reversed() { ready.append(notReady.remove(at: index)) }
            ready.reverse()
        } else {
            var kept: [Ref] = []
            kept.reserveCapacity(notReady.count - numReturns)
            var next = 0
            for (index, ref) in notReady.enumerated() {
                if next < readyIndexes.count && readyIndexes[next] == index {
                    ready.append(ref)
                    next += 1
                } else {
                    kept.append(ref)
                }
            }
            notReady = kept
        }
        return (ready, notReady)
    }

    /// `wait` suspending instead of blocking; a cancelled caller gets what is ready so far.
    public func wait<Ref: AnyObjectRef>(
        _ refs: [Ref], numReturns: Int = 1, timeout: Double? = nil
    ) async throws -> (ready: [Ref], notReady: [Ref]) {
        try await store.wait(refs, numReturns: numReturns, timeout: timeout)
    }

    /// The refs in the order their objects complete (Ray's `as_completed`): complete ones first,
    /// in input order, then each as it completes; ends after the last.
    public func completed<Ref: AnyObjectRef>(_ refs: [Ref]) throws -> AsyncStream<Ref> {
        try store.completed(refs)
    }

    /// Runs a wait; inside a task, with the task's CPUs given back for its duration. A frame
    /// already blocked (a worker helping in its get runs a Swift job that waits) gives nothing.
    @usableFromInline
    func whileBlocked<R>(_ body: () throws -> R) throws -> R {
        guard let frame = TaskFrames.innermost(of: ObjectIdentifier(store)),
              frame.task.taskState.load(ordering: .relaxed) != .runningInGet
        else { return try body() }
        frame.task.taskState.store(.runningInGet, ordering: .relaxed)
        frame.task.recordEvent(.blocked)
        defer {
            frame.task.taskState.store(.running, ordering: .relaxed)
            frame.task.recordEvent(.resumed)
        }
        // An actor's call holds no lease: the actor's resources stay with it while it waits.
        guard let lease = frame.lease else { return try body() }
        dispatcher.beginBlockedWait(on: lease)
        defer { dispatcher.endBlockedWait(on: lease) }
        return try body()
    }

    // MARK: Store figures

    /// Objects alive in the store (pending, ready or failed).
    public var objectCount: Int { store.count }

    /// Bytes charged for the values alive in the store.
    public var objectStoreUsedBytes: Int { store.usedBytes }

    /// The store's capacity in bytes.
    public var objectStoreCapacity: Int { store.capacityBytes }

    /// The domain (node) that holds `ref`'s value, or nil once freed.
    public func domain<Value>(of ref: ObjectRef<Value>) -> Int? { store.domain(of: ref.id) }
}
