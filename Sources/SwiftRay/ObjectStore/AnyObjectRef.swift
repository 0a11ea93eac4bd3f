internal import CSwiftRuntime
import Synchronization

/// The life stage of a stored object: promised by a producer, there, or failed for good.
@usableFromInline
enum ObjectState: UInt8, AtomicRepresentable {
    /// Promised by a producer (a task), not yet there.
    case pending = 0
    /// The value is there and never changes.
    case ready = 1
    /// The producer failed; every get throws the error.
    case failed = 2
}

/// A reference to an object in the object store, its value's type erased: what ``ObjectRef``
/// refines, and what the runtime keeps in its tables, task arguments and waiter lists. It *is*
/// the object's entry: its state, size, the domain that holds it, its waiters and its producer;
/// the value itself lives in the typed subclass ``ObjectRef`` so that a get reads it without a
/// dynamic cast. Hashable by object id.
///
/// Reference counting is Swift's own: every strong reference to the instance (the program's
/// refs, a pending task's arguments, the task that will produce it, a stored value that contains
/// the ref) keeps the object alive, and the last one going frees it (``deinit`` takes it out of
/// the store's table and gives its bytes back; ``ObjectRef`` destroys the value). The store's
/// table holds the instance unretained and looks it up only under its shard's lock, taking a
/// reference only while the instance is not already being freed (``ObjectTable``), so a ref and
/// its entry cost one allocation and one reference count, not two of each.
///
/// Thread safety: `state` is an atomic; `error`, `size`, `domain` and the value are written
/// once, under the gate, before `state` leaves `pending` (a release store) and read after an
/// acquiring load of `state`; `waiters` and `producer`'s clearing are only touched under the
/// gate (``withGate(_:)``). Send and read it from anywhere.
///
/// Why a gate per entry rather than its shard's lock: a task's return object is inserted and
/// freed by the caller (its home shard) but completed by a worker; with the shard's lock
/// guarding completion too, caller and worker took one mutex for every task and spent their
/// time in futex calls. The gate is one byte, held for a few instructions, and only a waiter
/// registering while the object completes ever finds it taken.
public class AnyObjectRef: @unchecked Sendable, Hashable, CustomStringConvertible {
    /// The object's id.
    public let id: ObjectID
    /// The store that owns the object. Unretained, and still always alive while the ref is:
    /// the ref is in the store's table from its creation to the end of its deinit, and a shard
    /// of the table with live entries holds the store (see ``ObjectTable``); the table's
    /// pointer back to the ref is unretained too.
    @usableFromInline unowned(unsafe) let store: ObjectStore
    @usableFromInline let state: Atomic<ObjectState>
    /// The entry's lock (see ``withGate(_:)``).
    private let gate = SpinGate()
    @usableFromInline @exclusivity(unchecked) final var error: (any Error)?
    /// Bytes charged to the store for the value (0 while pending).
    @usableFromInline @exclusivity(unchecked) final var size = 0
    /// The domain (logical node) whose memory holds the value.
    @usableFromInline @exclusivity(unchecked) final var domain: Int
    /// Whoever waits for the object to leave `pending`; guarded by the gate.
    @exclusivity(unchecked) final var waiters = WaiterList()
    /// The task that will produce the value (cancel finds it here), unretained: set before the
    /// first ref is handed out, cleared under the gate when the object completes, or by the
    /// task's deinit if the task goes first (``forgetProducer(_:)``), so that while it is set
    /// under the gate the task's memory is there. Read with ``currentProducer()``.
    ///
    /// Unretained while pending because the task holds the ref until it completes it: a strong
    /// link back cost every call a retain of its record by the caller and a release by the
    /// thread that completed it (and made a task dropped unfinished leak with its refs, in a
    /// cycle). A record that holds nothing else alive (``TaskRecord/isKeptByItsRef``) is
    /// instead retained here when it delivers its value, after it let go of the ref, and freed
    /// with the ref (``ownsProducer``): see "Who frees a call's record" in TaskRecord.swift.
    @usableFromInline @exclusivity(unchecked) final var producer: Unmanaged<TaskRecord>?

    /// Whether ``producer`` is retained: completion clears it, unless the record delivering the
    /// value handed itself over (``completeIfPending(as:keepingProducer:_:)``), so a producer
    /// still set once the object is complete is this ref's. Read under the gate, or after an
    /// acquiring load of `state` (which completion publishes after setting `producer`).
    final var ownsProducer: Bool { producer != nil && state.load(ordering: .relaxed) != .pending }

    @usableFromInline
    init(id: ObjectID, store: borrowing ObjectStore, state: ObjectState, domain: Int) {
        self.id = id
        self.store = copy store
        self.state = Atomic(state)
        self.domain = domain
    }

    /// The last reference went: the object leaves the store's table and gives its bytes back
    /// (``ObjectRef``'s deinit has destroyed the value just before, outside any lock; nobody
    /// can reach it meanwhile, since a lookup in the table takes no reference to an instance
    /// being freed).
    deinit {
        Unmanaged.passUnretained(store)._withUnsafeGuaranteedRef { $0.free(self) }
        // After an acquiring load of `state`, which completion published after `producer`.
        if state.load(ordering: .acquiring) != .pending { producer?.release() }
    }

    /// Sets ``producer`` before the first ref is handed out (every producer sets it here).
    /// Borrows the ref: the plain setter, called on a caller's fresh ref, retained and released
    /// the ref around the store.
    @inlinable @inline(__always)
    final func setProducer(_ task: TaskRecord) {
        Unmanaged.passUnretained(self)._withUnsafeGuaranteedRef { $0.producer = .passUnretained(task) }
    }

    /// The task that produces the object, retained, while the object is pending and the task
    /// alive; nil after.
    final func currentProducer() -> TaskRecord? {
        withGate { retainedProducer() }
    }

    /// ``currentProducer()`` for a caller that holds the gate.
    final func retainedProducer() -> TaskRecord? {
        guard !ownsProducer, let producer, swift_tryRetain(producer.toOpaque()) != nil else { return nil }
        return producer.takeRetainedValue()
    }

    /// Clears ``producer`` if it is `task` (its deinit: it goes before completing the object).
    final func forgetProducer(_ task: TaskRecord) {
        withGate {
            if producer?.toOpaque() == Unmanaged.passUnretained(task).toOpaque() { producer = nil }
        }
    }

    /// Whether the object is there (ready or failed), without waiting.
    public final var isReady: Bool { isComplete }

    public static func == (lhs: AnyObjectRef, rhs: AnyObjectRef) -> Bool { lhs.id == rhs.id }

    public final func hash(into hasher: inout Hasher) { hasher.combine(id) }

    public var description: String { "ObjectRef(\(id))" }

    /// Runs `body` holding the entry's gate (a ``SpinGate``: critical sections of a few
    /// instructions that take no other lock).
    @inline(__always)
    final func withGate<R>(_ body: () throws -> R) rethrows -> R {
        try gate.withLock(body)
    }

    /// Completes the object if it is still pending: under the gate, `write`
    /// stores the value or the error, `state` is published (a release store) and the producer
    /// dropped, or kept, retained, when `keepingProducer` (the producer itself delivers: it is
    /// alive, and lets go of this ref next). Returns the waiters to tell (outside the gate), or
    /// nil when it had completed.
    @usableFromInline
    final func completeIfPending(as state: ObjectState, keepingProducer: Bool = false, _ write: () -> Void) -> WaiterList? {
        withGate {
            guard self.state.load(ordering: .relaxed) == .pending else { return nil }
            write()
            if keepingProducer { _ = producer?.retain() } else { producer = nil }
            self.state.store(state, ordering: .releasing)
            return waiters.takeAll()
        }
    }

    /// Whether the object is ready or failed (an acquiring load: what was written before the
    /// transition is visible after it).
    @inlinable @inline(__always)
    var isComplete: Bool { state.load(ordering: .acquiring) != .pending }

    /// The value, type-erased, when ready.
    var anyValue: Any? { nil }
}

/// The waiters of one entry: the first inline, since most objects have at most one (a get or a
/// dependent task), so registering costs no allocation; any others in an array. Not
/// thread-safe: guarded by the entry's gate.
@usableFromInline
struct WaiterList {
    /// Nil only while nobody waits (`others` is then empty too).
    private var first: ReadinessWaiter?
    private var others: [ReadinessWaiter] = []

    mutating func append(_ waiter: ReadinessWaiter) {
        if first == nil { first = waiter } else { others.append(waiter) }
    }

    mutating func remove(_ waiter: ReadinessWaiter) {
        if first === waiter {
            first = others.isEmpty ? nil : others.removeFirst()
        } else {
            others.removeAll { $0 === waiter }
        }
    }

    /// Every waiter, leaving the list empty.
    mutating func takeAll() -> WaiterList {
        defer { self = WaiterList() }
        return self
    }

    /// Tells every waiter that the object completed. Consuming: the list was just taken out of
    /// its entry, so the first waiter (most often the only one) is told without a retain and
    /// release around the call.
    @usableFromInline
    consuming func notifyAll() {
        first?.objectCompleted()
        for waiter in others { waiter.objectCompleted() }
    }
}

// MARK: Passes over arrays of refs without reference counting

extension AnyObjectRef {
    /// Calls `body` with `refs` as unretained references: the array keeps them (and their
    /// entries) alive. A retain and a release per ref would be most of the cost of a pass over
    /// a thousand refs whose entries were just written by workers on other cores.
    @inlinable @inline(__always)
    static func withUnretained<Ref: AnyObjectRef, R>(
        _ refs: [Ref], _ body: (UnsafeBufferPointer<Unmanaged<Ref>>) throws -> R
    ) rethrows -> R {
        try refs.withUnsafeBufferPointer { buffer in
            try buffer.withMemoryRebound(to: Unmanaged<Ref>.self) { try body($0) }
        }
    }

    /// Calls `body` with each of `refs` in order, unretained (see ``withUnretained(_:_:)``).
    @inlinable @inline(__always)
    static func forEachUnretained<Ref: AnyObjectRef>(in refs: [Ref], _ body: (Ref) throws -> Void) rethrows {
        try withUnretained(refs) { unretained in
            for ref in unretained { try ref._withUnsafeGuaranteedRef(body) }
        }
    }

    /// Whether every one of `refs` is complete (read unretained, see ``withUnretained(_:_:)``).
    @inlinable @inline(__always)
    static func allComplete<Ref: AnyObjectRef>(_ refs: [Ref]) -> Bool {
        withUnretained(refs) { unretained in unretained.allSatisfy { $0._withUnsafeGuaranteedRef { $0.isComplete } } }
    }
}
