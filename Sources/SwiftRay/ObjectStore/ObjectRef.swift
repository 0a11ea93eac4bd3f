import Synchronization

/// A reference to an immutable object in the object store, typed by its value: what `put` and
/// a remote call return at once. Hashable by object id.
///
/// One instance per object: copies of the variable, refs handed out again by the runtime and
/// refs nested in other values are all the same instance, and Swift's reference count is the
/// object's (see ``AnyObjectRef``): the value is freed exactly when the last reference goes.
/// The ref a call returns is an instance of an internal subclass that is also the call's
/// record (TaskRecord.swift, "One object a call"); not open to other modules.
/// Immutable to its users; thread-safe (send and read it from anywhere).
public class ObjectRef<Value: Sendable>: AnyObjectRef, @unchecked Sendable {
    /// The value, once ready (``InlineValue``: in place when it fits in 24 bytes, which keeps
    /// a put's ref in one malloc size class). Written once, under the gate, just before `state`
    /// becomes `.ready`; read after an acquiring load that saw `.ready` (so the exclusivity
    /// checks are left out). Holds a value exactly when `state` is `.ready`.
    @usableFromInline @exclusivity(unchecked) final var storage: InlineValue = InlineValue()

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

    /// A call's return object, pending, which is also the call's record (the subclasses).
    @inlinable
    init(
        id: ObjectID, store: borrowing ObjectStore, domain: Int, taskID: TaskID, shape: Unmanaged<TaskShape>,
        arguments: [AnyObjectRef], isAsyncActorCall: Bool = false, releasesInputsAtEnd: Bool
    ) {
        super.init(
            id: id, store: store, domain: domain, kind: .call, taskID: taskID, shape: shape, arguments: arguments,
            isAsyncActorCall: isAsyncActorCall, releasesInputsAtEnd: releasesInputsAtEnd)
    }

    deinit {
        if state.load(ordering: .acquiring) == .ready { storage.destroy(as: Value.self) }
    }

    /// Stores `value` (once, before `state` becomes `.ready`).
    @inlinable @inline(__always)
    final func storeValue(_ value: Value) { storage.initialize(to: value) }

    /// A copy of the value; only after an acquiring load of `state` saw `.ready`.
    @inlinable @inline(__always)
    final var readyValue: Value { storage.load(as: Value.self) }

    /// The value, type-erased, when ready.
    override var anyValue: Any? { state.load(ordering: .acquiring) == .ready ? readyValue : nil }

    /// The value, or the producer's error; `nil` while pending.
    @inlinable @inline(__always)
    final func result() throws -> Value? {
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
    public final var value: Value {
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
