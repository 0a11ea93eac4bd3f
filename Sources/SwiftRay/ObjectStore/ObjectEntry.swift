import Glibc
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

/// One object of an ``ObjectStore``: its state, reference count, size and the domain that holds
/// it; the value itself lives in the typed subclass ``TypedObjectEntry`` so that a get reads it
/// without a dynamic cast, while the store's table keeps entries type-erased.
///
/// Thread safety: `state` and `references` are atomics; `error`, `size`, `domain` and the value
/// are written once, under the entry's gate, before `state` leaves `pending` (a release store)
/// and read after an acquiring load of `state`; `waiters`, `producer`'s clearing and `freed`
/// are only touched under the gate (``withGate(_:)``).
///
/// Why a gate per entry rather than its shard's lock: a task's return object is inserted and
/// freed by the caller (its home shard) but completed by a worker; with the shard's lock
/// guarding completion too, caller and worker took one mutex for every task and spent their
/// time in futex calls. The gate is one byte, held for a few instructions, and only a waiter
/// registering while the object completes ever finds it taken.
@usableFromInline
class ObjectEntry: @unchecked Sendable {
    @usableFromInline let id: ObjectID
    /// The store that owns the entry (strong: live refs keep their store alive; the table's
    /// reference back to the entry goes when the object is freed, which breaks the cycle).
    @usableFromInline let store: ObjectStore
    @usableFromInline let state: Atomic<ObjectState>
    /// The entry's spin lock (see ``withGate(_:)``).
    private let gate = Atomic<Bool>(false)
    /// Refs (``ObjectRef`` instances) plus explicit references (pending tasks, containing values).
    @usableFromInline let references: Atomic<Int>
    @usableFromInline var error: (any Error)?
    /// Bytes charged to the store for the value (0 while pending).
    @usableFromInline var size = 0
    /// The domain (logical node) whose memory holds the value.
    @usableFromInline var domain: Int
    /// Whoever waits for the object to leave `pending`; guarded by the gate.
    var waiters = WaiterList()
    /// Set once the last reference went and the entry left the table; guarded by the gate.
    var freed = false
    /// The task that will produce the value (cancel finds it here): set before the first ref is
    /// handed out, cleared under the gate when the object completes.
    @usableFromInline var producer: TaskRecord?

    @usableFromInline
    init(id: ObjectID, store: ObjectStore, state: ObjectState, references: Int, domain: Int) {
        self.id = id
        self.store = store
        self.state = Atomic(state)
        self.references = Atomic(references)
        self.domain = domain
    }

    /// Runs `body` holding the entry's gate: a spin lock (an atomic flag, so ThreadSanitizer sees
    /// its ordering) for critical sections of a few instructions that take no other lock. It
    /// yields the CPU after a short spin, so a holder preempted on a small machine is not
    /// spun against for a whole time slice.
    @inline(__always)
    final func withGate<R>(_ body: () throws -> R) rethrows -> R {
        if !gate.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged { waitForGate() }
        defer { gate.store(false, ordering: .releasing) }
        return try body()
    }

    @inline(never)
    private func waitForGate() {
        var spins = 0
        while true {
            if !gate.load(ordering: .relaxed),
                gate.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged
            {
                return
            }
            spins += 1
            if spins >= 64 { sched_yield() }
        }
    }

    /// Completes the object if it is still pending (and not freed): under the gate, `write`
    /// stores the value or the error, `state` is published (a release store) and the producer
    /// dropped. Returns the waiters to tell (outside the gate), or nil when it had completed.
    @usableFromInline
    final func completeIfPending(as state: ObjectState, _ write: () -> Void) -> WaiterList? {
        withGate {
            guard self.state.load(ordering: .relaxed) == .pending, !freed else { return nil }
            write()
            self.state.store(state, ordering: .releasing)
            producer = nil
            return waiters.takeAll()
        }
    }

    /// Whether the object is ready or failed (an acquiring load: what was written before the
    /// transition is visible after it).
    @inlinable @inline(__always)
    var isComplete: Bool { state.load(ordering: .acquiring) != .pending }

    /// Lets the value go: called by the store once the entry is freed, after unlocking, so that a
    /// payload's deinit never runs under the store's lock. Overridden by ``TypedObjectEntry``.
    func dropValue() {}

    /// The value, type-erased, when ready.
    var anyValue: Any? { nil }
}

/// An ``ObjectEntry`` that holds a value of type `Value`. Thread safety as for the base class.
@usableFromInline
final class TypedObjectEntry<Value: Sendable>: ObjectEntry, @unchecked Sendable {
    /// Written once before the entry becomes ready; cleared when the object is freed. Accesses
    /// are ordered by `state` and the shard lock, so the exclusivity checks are left out.
    @usableFromInline @exclusivity(unchecked) var value: Value?

    @inlinable
    init(id: ObjectID, store: ObjectStore, value: Value?, size: Int, references: Int, domain: Int) {
        self.value = value
        super.init(id: id, store: store, state: value == nil ? .pending : .ready, references: references, domain: domain)
        self.size = size
    }

    override func dropValue() {
        value = nil
    }

    override var anyValue: Any? { isComplete ? value : nil }

    /// The value, or the producer's error; `nil` while pending. Caller holds a reference.
    @inlinable @inline(__always)
    func result() throws -> Value? {
        switch state.load(ordering: .acquiring) {
        case .ready:
            return value
        case .failed:
            throw error ?? ObjectStoreError.unknownObject(id)
        case .pending:
            return nil
        }
    }
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

    /// Tells every waiter that the object completed.
    @usableFromInline
    func notifyAll() {
        guard let first else { return }
        first.objectCompleted()
        for waiter in others { waiter.objectCompleted() }
    }
}
