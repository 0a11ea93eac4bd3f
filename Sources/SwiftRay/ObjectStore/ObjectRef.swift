import Synchronization

/// A reference to an immutable object in the object store, typed by its value: what `put` and
/// a remote call return at once. Hashable by object id.
///
/// One instance per object: copies of the variable, refs handed out again by the runtime and
/// refs nested in other values are all the same instance, and Swift's reference count is the
/// object's (see ``AnyObjectRef``): the value is freed exactly when the last reference goes.
/// Immutable to its users; thread-safe (send and read it from anywhere).
public final class ObjectRef<Value: Sendable>: AnyObjectRef, @unchecked Sendable {
    /// The value, once ready: its bytes in place when `Value` fits in 24 bytes at 8-byte
    /// alignment (``storesInline``: numbers, strings, arrays, `Data`, class references, small
    /// structs), else the address of a heap copy. A trivial field the deinit destroys by hand:
    /// a `Value?` field made every deinit ask the runtime for `Optional<Value>`'s metadata (a
    /// generic class's deinit is not specialized), a lookup in a shared hash map that was 5%
    /// of the caller's samples in `1:1 actor calls async`; `Value`'s own metadata is a load
    /// from the class's. 24 bytes keeps a ref in malloc's fast bins (a 128-byte chunk).
    ///
    /// Written once, under the gate, just before `state` becomes `.ready`; read after an
    /// acquiring load that saw `.ready` (so the exclusivity checks are left out). Holds a
    /// value exactly when `state` is `.ready`.
    @usableFromInline @exclusivity(unchecked) var valueBytes: (UInt64, UInt64, UInt64) = (0, 0, 0)

    /// Whether a value lives in ``valueBytes`` itself (else on the heap, its address there).
    @inlinable
    static var storesInline: Bool { MemoryLayout<Value>.size <= 24 && MemoryLayout<Value>.alignment <= 8 }

    /// `store` is borrowed: the ref keeps it unretained (``AnyObjectRef/store``), and an owned
    /// argument cost the caller a retain and the initializer a release, on the store's header.
    @inlinable
    init(id: ObjectID, store: borrowing ObjectStore, value: Value?, size: Int, domain: Int) {
        super.init(id: id, store: store, state: .pending, domain: domain)
        self.size = size
        if let value {
            storeValue(value)
            state.store(.ready, ordering: .relaxed)  // before the ref is handed out
        }
    }

    deinit {
        guard state.load(ordering: .acquiring) == .ready else { return }
        withUnsafeMutableBytes(of: &valueBytes) { bytes in
            let address = bytes.baseAddress.unsafelyUnwrapped
            if Self.storesInline {
                address.assumingMemoryBound(to: Value.self).deinitialize(count: 1)
            } else {
                // The box's address as a raw pointer: loading an `UnsafeMutablePointer<Value>`
                // would look its metadata up, here in generic code.
                let box = address.load(as: UnsafeMutableRawPointer.self).assumingMemoryBound(to: Value.self)
                box.deinitialize(count: 1)
                box.deallocate()
            }
        }
    }

    /// Stores `value` (once, before `state` becomes `.ready`).
    @inlinable @inline(__always)
    func storeValue(_ value: Value) {
        withUnsafeMutableBytes(of: &valueBytes) { bytes in
            let address = bytes.baseAddress.unsafelyUnwrapped
            if Self.storesInline {
                address.initializeMemory(as: Value.self, to: value)
            } else {
                let box = UnsafeMutablePointer<Value>.allocate(capacity: 1)
                box.initialize(to: value)
                address.storeBytes(of: UnsafeMutableRawPointer(box), as: UnsafeMutableRawPointer.self)
            }
        }
    }

    /// A copy of the value; only after an acquiring load of `state` saw `.ready`. A read
    /// access (readers run at once on many threads), through the bytes borrowed: a copy of
    /// them is trivial, and what it loads is a proper copy of the value.
    @inlinable @inline(__always)
    var readyValue: Value {
        withUnsafeBytes(of: valueBytes) { bytes in
            if Self.storesInline { return bytes.load(as: Value.self) }
            return bytes.load(as: UnsafeRawPointer.self).assumingMemoryBound(to: Value.self).pointee
        }
    }

    /// The value, type-erased, when ready.
    override var anyValue: Any? { state.load(ordering: .acquiring) == .ready ? readyValue : nil }

    /// The value, or the producer's error; `nil` while pending.
    @inlinable @inline(__always)
    func result() throws -> Value? {
        switch state.load(ordering: .acquiring) {
        case .ready:
            return readyValue
        case .failed:
            throw error ?? ObjectStoreError.unknownObject(id)
        case .pending:
            return nil
        }
    }

    public override var description: String { "ObjectRef<\(Value.self)>(\(id))" }

    /// The value, once ready: suspends (no thread blocked) while the object is pending; rethrows
    /// the producer's error when it failed; throws `ObjectStoreError.shutDown` after shutdown
    /// and `CancellationError` when the awaiting task is cancelled first.
    public var value: Value {
        get async throws {
            try store.checkOpen()
            if let value = try result() { return value }
            if await !store.awaitCompletion(of: self) { try Task.checkCancellation() }
            try store.checkOpen()
            if let value = try result() { return value }
            throw CancellationError()
        }
    }
}

extension ObjectStore {
    /// Suspends (no thread held) until `entry` is complete; whether it is (false: the awaiting
    /// task was cancelled first).
    func awaitCompletion(of entry: AnyObjectRef) async -> Bool {
        let (waiter, wakeBox) = AsyncWake.waiter(needed: 1)
        guard register(waiter, with: entry) else { return true }
        await withTaskCancellationHandler {
            await wakeBox.suspend()
        } onCancel: {
            waiter.fire()
        }
        if entry.isComplete { return true }
        unregister(waiter, from: entry)
        return false
    }
}

/// Resumes one suspended async caller when its ``ReadinessWaiter`` fires, whether the firing
/// comes before or after the caller suspends. Thread-safe.
final class AsyncWake: Sendable {
    private enum State {
        case idle
        case suspended(CheckedContinuation<Void, Never>)
        case fired
    }

    private let state = Locked<State>(.idle)

    /// A waiter that resumes the box's caller when it fires.
    static func waiter(needed: Int) -> (ReadinessWaiter, AsyncWake) {
        let box = AsyncWake()
        return (ReadinessWaiter(needed: needed, wake: .action { box.resume() }), box)
    }

    /// Suspends until `resume` (returns at once if it ran already).
    func suspend() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeNow: Bool = state.withLock { state in
                if case .fired = state { return true }
                state = .suspended(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    func resume() {
        let continuation: CheckedContinuation<Void, Never>? = state.withLock { state in
            defer { state = .fired }
            if case .suspended(let continuation) = state { return continuation }
            return nil
        }
        continuation?.resume()
    }
}
