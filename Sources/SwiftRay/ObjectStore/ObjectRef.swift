import Synchronization

/// A reference to an immutable object in the object store, typed by its value: what `put`
/// returns (and, later, what a remote call returns at once). Hashable by object id.
///
/// Each `ObjectRef` instance holds one reference to the object: the value is freed exactly when
/// the last instance (and the last explicit reference held by the runtime) goes. Copies of the
/// variable share the instance. Immutable; thread-safe (send and read it from anywhere).
public final class ObjectRef<Value: Sendable>: Sendable, Hashable, CustomStringConvertible {
    @usableFromInline let entry: TypedObjectEntry<Value>

    /// Takes over a reference the caller already counted.
    @inlinable
    init(adopting entry: TypedObjectEntry<Value>) {
        self.entry = entry
    }

    /// A new ref to the same object (counts one more reference).
    func copy() -> ObjectRef<Value> {
        entry.store.retain(entry)
        return ObjectRef(adopting: entry)
    }

    deinit {
        // Borrowed, not retained: the ref holds the entry and the entry holds the store.
        Unmanaged.passUnretained(entry)._withUnsafeGuaranteedRef { entry in
            Unmanaged.passUnretained(entry.store)._withUnsafeGuaranteedRef { $0.release(typed: entry) }
        }
    }

    /// The object's id.
    public var id: ObjectID { entry.id }

    /// Whether the object is there (ready or failed), without waiting.
    public var isReady: Bool { entry.isComplete }

    /// Calls `body` with `refs` as unretained references: the array keeps them (and their
    /// entries) alive. A retain and a release per ref would be most of the cost of a pass over
    /// a thousand refs whose entries were just written by workers on other cores.
    @inlinable @inline(__always)
    static func withUnretained<R>(
        _ refs: [ObjectRef], _ body: (UnsafeBufferPointer<Unmanaged<ObjectRef>>) throws -> R
    ) rethrows -> R {
        try refs.withUnsafeBufferPointer { buffer in
            try buffer.withMemoryRebound(to: Unmanaged<ObjectRef>.self) { try body($0) }
        }
    }

    /// Calls `body` with each of `refs` in order, unretained (see ``withUnretained(_:_:)``).
    @inlinable @inline(__always)
    static func forEachUnretained(in refs: [ObjectRef], _ body: (ObjectRef) throws -> Void) rethrows {
        try withUnretained(refs) { unretained in
            for ref in unretained { try ref._withUnsafeGuaranteedRef(body) }
        }
    }

    /// Whether every one of `refs` is complete (read unretained, see ``withUnretained(_:_:)``).
    @inlinable @inline(__always)
    static func allComplete(_ refs: [ObjectRef]) -> Bool {
        withUnretained(refs) { unretained in unretained.allSatisfy { $0._withUnsafeGuaranteedRef { $0.entry.isComplete } } }
    }

    public static func == (lhs: ObjectRef, rhs: ObjectRef) -> Bool { lhs.entry.id == rhs.entry.id }

    public func hash(into hasher: inout Hasher) { hasher.combine(entry.id) }

    public var description: String { "ObjectRef<\(Value.self)>(\(entry.id))" }

    /// The value, once ready: suspends (no thread blocked) while the object is pending; rethrows
    /// the producer's error when it failed; throws `ObjectStoreError.shutDown` after shutdown
    /// and `CancellationError` when the awaiting task is cancelled first.
    public var value: Value {
        get async throws {
            let store = entry.store
            try store.checkOpen()
            if let value = try entry.result() { return value }
            if await !store.awaitCompletion(of: entry) { try Task.checkCancellation() }
            try store.checkOpen()
            if let value = try entry.result() { return value }
            throw CancellationError()
        }
    }
}

extension ObjectStore {
    /// Suspends (no thread held) until `entry` is complete; whether it is (false: the awaiting
    /// task was cancelled first).
    func awaitCompletion(of entry: ObjectEntry) async -> Bool {
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
