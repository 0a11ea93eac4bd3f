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

/// What an ``AnyObjectRef`` instance is besides an object's entry.
@usableFromInline
enum EntryKind: UInt8 {
    /// An object and nothing more: a put's, or one of the refs of a call with several (its
    /// producer is then ``AnyObjectRef/producer``).
    case object = 0
    /// A call's one return object, which is also the call's record (its fields below): a call
    /// costs one allocation (TaskRecord.swift, "One object a call").
    case call = 1
    /// The record of a call without a single return object (`numReturns`, generators): an
    /// entry no program holds, outside the store's table, whose value and object fields go
    /// unused.
    case callRecord = 2
}

/// A reference to an object in the object store, its value's type erased: what ``ObjectRef``
/// refines, and what the runtime keeps in its tables, task arguments and waiter lists. It *is*
/// the object's entry: its state, size, the domain that holds it, its waiters and its producer;
/// the value itself lives in the typed subclass ``ObjectRef`` so that a get reads it without a
/// dynamic cast. The ref a call returns is also the call's record (``TaskRecord``, the call
/// fields below; ``kind``). Hashable by object id.
///
/// Reference counting is Swift's own: every strong reference to the instance (the program's
/// refs, a pending task's arguments, the queue that holds its call, a stored value that
/// contains the ref) keeps the object alive, and the last one going frees it (``deinit`` takes
/// it out of the store's table and gives its bytes back; ``ObjectRef`` destroys the value). The
/// store's table holds the instance unretained and looks it up only under its shard's lock,
/// taking a reference only while the instance is not already being freed (``ObjectTable``), so
/// a ref, its entry and its call cost one allocation and one reference count, not three of each.
///
/// Thread safety: `state` is an atomic; `error`, `size`, `domain` and the value are written
/// once, under the gate, before `state` leaves `pending` (a release store) and read after an
/// acquiring load of `state`; `waiters` and `producer`'s clearing are only touched under the
/// gate (``withGate(_:)``). The call fields as ``TaskRecord`` says. Send and read it from
/// anywhere.
///
/// Why a gate per entry rather than its shard's lock: a task's return object is inserted and
/// freed by the caller (its home shard) but completed by a worker; with the shard's lock
/// guarding completion too, caller and worker took one mutex for every task and spent their
/// time in futex calls. The gate is one byte, held for a few instructions, and only a waiter
/// registering while the object completes ever finds it taken.
///
/// Layout: fields are declared so that the small ones fill the gaps after the id and the
/// one-byte atomics; a call's ref is 128 bytes before its value and its call's own fields.
public class AnyObjectRef: @unchecked Sendable, Hashable, CustomStringConvertible {
    /// The object's id.
    public let id: ObjectID
    /// Call: attempts made so far (1 during the first run). In the 4 bytes after the id.
    @exclusivity(unchecked) private final var attempts: UInt32 = 0
    /// The store that owns the object. Unretained, and still always alive while the ref is:
    /// the ref is in the store's table from its creation to the end of its deinit, and a shard
    /// of the table with live entries holds the store (see ``ObjectTable``); the table's
    /// pointer back to the ref is unretained too. (A ``EntryKind/callRecord`` is in no table
    /// and never reads it after its call ended.)
    @usableFromInline unowned(unsafe) let store: ObjectStore
    @usableFromInline let state: Atomic<ObjectState>
    /// The entry's lock (see ``withGate(_:)``); an async actor's call also guards its running
    /// `Task`'s handle with it.
    private let gate = SpinGate()
    /// Call: set by `cancel`.
    @usableFromInline final let cancelled = Atomic<Bool>(false)
    /// Call: where it is in its life.
    @usableFromInline final let taskState = Atomic<TaskState>(.pendingArguments)
    @usableFromInline final let kind: EntryKind
    /// Call: whether it is an async actor's (a runner asks at every call: a load, where a
    /// dynamic cast walked the class chain).
    final let isAsyncActorCall: Bool
    /// Call: whether its inputs (argument refs, argument values that own memory) are let go
    /// once it ended, rather than with the ref (TaskRecord.swift, "One object a call").
    @usableFromInline final let releasesInputsAtEnd: Bool
    @usableFromInline @exclusivity(unchecked) final var error: (any Error)?
    /// Bytes charged to the store for the value (0 while pending).
    @usableFromInline @exclusivity(unchecked) final var size = 0
    /// The domain (logical node) whose memory holds the value.
    @usableFromInline @exclusivity(unchecked) final var domain: Int
    /// Whoever waits for the object to leave `pending`; guarded by the gate.
    @exclusivity(unchecked) final var waiters = WaiterList()
    /// For a ``EntryKind/object`` that a call with several refs produces: that call's record
    /// (cancel finds it here), unretained: set before the first ref is handed out, cleared
    /// under the gate when the object completes, or by the record's deinit if it goes first
    /// (``forgetProducer(_:)``), so that while it is set under the gate the record's memory is
    /// there. A call's own ref is its producer (``currentProducer()``).
    @exclusivity(unchecked) final var producer: Unmanaged<AnyObjectRef>?
    /// Call: its id (0 for an object).
    @usableFromInline final let taskID: TaskID
    /// Call: its function's shape; nil for an object. Not retained here (see
    /// ``TaskRecord/shape``).
    @usableFromInline unowned(unsafe) final let callShape: TaskShape?
    /// Call: the ObjectRef arguments to resolve before it runs (their entries; the typed
    /// closure, or an actor call's `values`, holds the refs themselves, so they stay alive
    /// while the call is pending). Touched by one thread at a time.
    @exclusivity(unchecked) final var arguments: [AnyObjectRef]
    /// Call: the call pushed before it into its actor's inbox (an address; 0: none), while it
    /// is there (ActorInbox.swift): written by the caller before the push, read and cleared by
    /// the lock holder that drains the inbox.
    @exclusivity(unchecked) final var inboxNext: UInt = 0

    /// An object's entry (``EntryKind/object``).
    @usableFromInline
    init(id: ObjectID, store: borrowing ObjectStore, state: ObjectState, domain: Int) {
        self.id = id
        self.store = copy store
        self.state = Atomic(state)
        self.domain = domain
        kind = .object
        isAsyncActorCall = false
        releasesInputsAtEnd = false
        taskID = TaskID(0)
        callShape = nil
        arguments = []
    }

    /// A call's entry: its return object, pending (``EntryKind/call``), or its record alone
    /// (``EntryKind/callRecord``, `id` unused). The shape comes unretained: whoever makes the
    /// call holds it (a task's subclass, an actor), and an actor's shape read as a strong value
    /// was retained and released around every call's initializer, an atomic write on a line all
    /// the actor's callers share.
    @usableFromInline
    init(
        id: ObjectID, store: borrowing ObjectStore, domain: Int, kind: EntryKind, taskID: TaskID,
        shape: Unmanaged<TaskShape>, arguments: [AnyObjectRef], isAsyncActorCall: Bool = false,
        releasesInputsAtEnd: Bool
    ) {
        self.id = id
        self.store = copy store
        state = Atomic(.pending)
        self.domain = domain
        self.kind = kind
        self.isAsyncActorCall = isAsyncActorCall
        self.releasesInputsAtEnd = releasesInputsAtEnd
        self.taskID = taskID
        callShape = shape.takeUnretainedValue()
        self.arguments = arguments
    }

    /// The last reference went: the object leaves the store's table and gives its bytes back
    /// (``ObjectRef``'s deinit has destroyed the value just before, outside any lock; nobody
    /// can reach it meanwhile, since a lookup in the table takes no reference to an instance
    /// being freed).
    deinit {
        if kind != .callRecord {
            Unmanaged.passUnretained(store)._withUnsafeGuaranteedRef { $0.free(self) }
        }
    }

    /// Attempts made so far (1 during the first run).
    final var attempt: Int {
        get { Int(attempts) }
        set { attempts = UInt32(truncatingIfNeeded: newValue) }
    }

    /// Sets ``producer`` before the first ref is handed out (a call with several refs sets it
    /// on each).
    final func setProducer(_ record: AnyObjectRef) {
        producer = .passUnretained(record)
    }

    /// The call that produces the object, retained, while the object is pending (and, for a
    /// call with several refs, its record alive); nil after.
    final func currentProducer() -> TaskRecord? {
        withGate { retainedProducer() }
    }

    /// ``currentProducer()`` for a caller that holds the gate.
    final func retainedProducer() -> TaskRecord? {
        guard state.load(ordering: .relaxed) == .pending else { return nil }
        switch kind {
        case .call: return self
        case .callRecord: return nil
        case .object:
            guard let producer, swift_tryRetain(producer.toOpaque()) != nil else { return nil }
            return producer.takeRetainedValue()
        }
    }

    /// Clears ``producer`` if it is `record` (its deinit: it goes before completing the object).
    final func forgetProducer(_ record: AnyObjectRef) {
        withGate {
            if producer?.toOpaque() == Unmanaged.passUnretained(record).toOpaque() { producer = nil }
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

    /// Completes the object if it is still pending: under the gate, `write` stores the value or
    /// the error, `state` is published (a release store) and a producer link dropped. Returns
    /// the waiters to tell (outside the gate), or nil when it had completed.
    @usableFromInline
    final func completeIfPending(as state: ObjectState, _ write: () -> Void) -> WaiterList? {
        withGate {
            guard self.state.load(ordering: .relaxed) == .pending else { return nil }
            write()
            producer = nil
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

    // MARK: What a call's kind does (TaskRecord.swift)

    /// The name of calls whose function has none.
    class var unnamedTaskName: String { "remote function" }

    /// Runs the call's body once and stores what it returns; throws what the body throws.
    func runBody() throws {}

    /// Fails every return object of the call with `error` (those already complete stay), and
    /// lets go of its inputs. A call of kind ``EntryKind/call`` fails its own object.
    func failReturns(with error: any Error) {
        guard kind == .call else { return }
        _ = store.complete(self, failing: error)
        if releasesInputsAtEnd { releaseInputs() }
    }

    /// Lets go of the call's inputs once it ended (``releasesInputsAtEnd``): its argument
    /// entries here, its closure or argument values in the subclass, which calls this too.
    @usableFromInline
    func releaseInputs() { arguments = [] }

    /// Called by `cancel` after `cancelled` is set, from the cancelling thread: a call kind that
    /// can be interrupted (an async call's Swift `Task`) does so here. Must be thread-safe.
    func cancellationRequested() {}

    /// The ids of the call's return objects (cancel fails those still alive).
    var returnIDs: [ObjectID] { kind == .call ? [id] : [] }

    /// An async actor's call: runs the body once on the call, specialized where the call was
    /// made (see ``AsyncActorMethodCall``).
    var asyncRun: @Sendable (AnyObjectRef) async throws -> Void { { _ in } }

    /// An async actor's call: records the `Task` that runs it; true when the call was cancelled
    /// already (see ``AsyncActorMethodCall/attach(_:)``).
    func attach(_ handle: Swift.Task<Void, Never>) -> Bool { false }

    /// An async actor's call ended in its `Task`; true when a cancellation was delivered to it.
    func detach() -> Bool { false }
}
