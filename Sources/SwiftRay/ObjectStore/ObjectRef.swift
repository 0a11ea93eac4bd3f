import Synchronization

/// A reference to an immutable object in the object store, typed by its value: what `put` and
/// a remote call return at once. Hashable by object id.
///
/// One instance per object: copies of the variable, refs handed out again by the runtime and
/// refs nested in other values are all the same instance, and Swift's reference count is the
/// object's (see ``AnyObjectRef``): the value is freed exactly when the last reference goes.
/// Immutable to its users; thread-safe (send and read it from anywhere).
public final class ObjectRef<Value: Sendable>: AnyObjectRef, @unchecked Sendable {
    /// Written once before the object becomes ready; goes with the instance. Accesses are
    /// ordered by `state`, so the exclusivity checks are left out.
    @usableFromInline @exclusivity(unchecked) var storedValue: Value?

    @inlinable
    init(id: ObjectID, store: ObjectStore, value: Value?, size: Int, domain: Int) {
        storedValue = value
        super.init(id: id, store: store, state: value == nil ? .pending : .ready, domain: domain)
        self.size = size
    }

    /// The value, type-erased, when ready.
    override var anyValue: Any? { isComplete ? storedValue : nil }

    /// The value, or the producer's error; `nil` while pending.
    @inlinable @inline(__always)
    func result() throws -> Value? {
        switch state.load(ordering: .acquiring) {
        case .ready:
            return storedValue
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
