import Synchronization

/// Where a task is in its life, as the state API reports it (Ray's task states).
@usableFromInline
enum TaskState: UInt8, AtomicRepresentable, Sendable {
    /// Waiting for its ObjectRef arguments (Ray's PENDING_ARGS_AVAIL).
    case pendingArguments = 0
    /// Arguments there, waiting for a lease on a node (Ray's PENDING_NODE_ASSIGNMENT).
    case pendingNodeAssignment = 1
    /// Running on a worker.
    case running = 2
    /// Running and blocked in a get or wait (Ray's RUNNING_IN_RAY_GET).
    case runningInGet = 3
    /// Returned; its refs are ready.
    case finished = 4
    /// Threw, was cancelled or could not be scheduled; its refs are failed.
    case failed = 5
}

// # One object a call
//
// A call's ref is also its record: the object a call returns (an ``ObjectRef`` subclass per
// kind of call: ``SingleReturnTask``, ``ActorMethodCall``, ...) carries the call's fields, and
// the queues, runners and frames hold it as a ``TaskRecord``. A call costs its caller one
// allocation and one free.
//
// Why: a call used to be two objects, its record and its ref, both made on the caller's thread.
// A standalone floor (1,000 objects a round handed to a consumer thread that writes a result
// into each; Benchmarks/results, twenty-fifth sitting) costs ~255 ns a call when the consumer
// frees one of two objects, ~207 ns when the caller frees both, ~175 ns with one object. malloc
// and free were two fifths of the caller's loop in `1:1 actor calls async`.
//
// What it changes:
// - A call's object lives as long as its ref: after the call ended, its record's fields stay
//   with the value. So a call lets go of its inputs when it ends (``releasesInputsAtEnd``):
//   its argument entries, and its closure or `values` when they may hold refs or memory. A call
//   whose arguments are plain data and which takes no ref keeps them (a few bytes) until its
//   ref goes, and its runner writes nothing more.
// - An actor's call does not retain its shape (the actor does): once the call ended nothing
//   reads it, since `cancel` and the producer link look at the object's state first.
// - A call with several refs (`numReturns`) or a stream (generators) has a record of its own, an
//   entry of kind ``EntryKind/callRecord`` outside the store's table, linked from its objects
//   as their ``AnyObjectRef/producer``.

/// One submitted call of a remote function or actor method: its id, shape (scheduling class
/// and retry options), the entries of its ObjectRef arguments, and the typed work in the
/// subclasses. It is the entry of the call's return object (``AnyObjectRef``, kind
/// ``EntryKind/call``), or, for a call without a single return object, an entry of its own
/// (``EntryKind/callRecord``); the code that queues and runs calls names it by this alias.
///
/// Thread safety: `cancelled` and `taskState` are atomics; `attempt`, `arguments` and a
/// subclass's inputs are touched by one thread at a time (the submitter, then the resolver, then
/// the worker running it; the queue locks hand it over).
@usableFromInline
typealias TaskRecord = AnyObjectRef

extension AnyObjectRef {
    /// The call's function's shape. Not retained here: for an actor's call, the actor holds its
    /// shape for as long as the call can be read (a retain per call, released by the actor's
    /// thread when the record went, bounced the shape's first line between caller and actor:
    /// ~8% of `1:1 actor calls async`); a task holds its shape in its subclass (`shapeOwner`),
    /// since nothing else may keep a task's shape, and its lease queues, alive while it is
    /// pending. Only for a call, and only until it ended (see "One object a call").
    @usableFromInline
    final var shape: TaskShape { callShape.unsafelyUnwrapped }

    /// Whether a call with ref `arguments` and argument values of type `Values` lets go of
    /// them when it ends (``releasesInputsAtEnd``): unless it has no ref arguments and its
    /// values are plain data.
    @inlinable
    static func releasesInputs<Values>(arguments: [AnyObjectRef], values: Values.Type) -> Bool {
        !(arguments.isEmpty && _isPOD(Values.self))
    }

    /// The task's name: its function's (an actor call's: the actor's display name), read from
    /// the shape when needed (errors, events) rather than retained per task: a string every call
    /// of a function shares would bounce its reference count between submitter and worker.
    @usableFromInline
    final var name: String { shape.options.name ?? Self.unnamedTaskName }
    /// Runs `body` with ``shape`` borrowed: a method called on the unowned field directly is
    /// called on a retained copy, and the shape's count is written by every thread that frees
    /// a record of it.
    @usableFromInline @inline(__always)
    final func withShape<R>(_ body: (TaskShape) throws -> R) rethrows -> R {
        try Unmanaged.passUnretained(callShape.unsafelyUnwrapped)._withUnsafeGuaranteedRef(body)
    }
    /// For an actor's call: the instance it runs on, read through its shape without reference
    /// counting (see ``ActorCore/instance(as:)``). Only the code running the call reads it, and
    /// that code (a runner, a lane worker, a call's `Task`) holds the actor, which holds the
    /// shape.
    @inlinable @inline(__always)
    final func actorInstance<State: AnyObject>(as type: State.Type) throws -> State {
        try withShape { shape in
            try shape.actorCore.unsafelyUnwrapped._withUnsafeGuaranteedRef { core in try core.instance(as: type) }
        }
    }
    /// The actor whose call this is (its id), nil for a task.
    var actorID: TaskID? { shape.actorID }

    /// Records that the task did `kind` now in its runtime's event log (when events are on),
    /// touching no reference count.
    @inline(__always)
    final func recordEvent(_ kind: TaskEvent.Kind, error: (any Error)? = nil, carriesName: Bool = false) {
        withShape { $0.eventLog }?._withUnsafeGuaranteedRef { $0.record(self, kind, error: error, carriesName: carriesName) }
    }

    /// Whether another attempt may follow a failure with `error`.
    final func mayRetry(after error: any Error) -> Bool {
        let limit = shape.options.maxRetries
        guard limit == -1 || attempt <= limit else { return false }
        return shape.options.retryExceptions.allows(error)
    }

    /// Ends the task with `error`: every get of its refs throws it wrapped as a ``RayTaskError``
    /// (``TaskCancelled`` and ``TaskUnschedulable`` stay as they are).
    final func finish(failing error: any Error) {
        taskState.store(.failed, ordering: .releasing)
        recordEvent(.failed, error: error)
        switch error {
        case is TaskCancelled, is TaskUnschedulable, is ObjectStoreError, is ActorError:
            failReturns(with: error)
        default:
            failReturns(with: RayTaskError.wrapping(error, task: name, id: taskID))
        }
    }

    /// The first argument that failed, with its error.
    final func failedArgument() -> (any Error)? {
        for entry in arguments where entry.state.load(ordering: .acquiring) == .failed {
            return entry.error ?? ObjectStoreError.unknownObject(entry.id)
        }
        return nil
    }

    /// Bytes of the task's arguments held by each domain (locality hints for DEFAULT).
    final func argumentBytesByDomain() -> [Int: UInt64] {
        var bytes: [Int: UInt64] = [:]
        for entry in arguments where entry.state.load(ordering: .acquiring) == .ready {
            bytes[entry.domain, default: 0] &+= UInt64(entry.size)
        }
        return bytes
    }
}

extension ObjectID {
    /// The id of every ``EntryKind/callRecord`` of `store`: number 0, in no slot (no object has
    /// it; records are never looked up by id).
    static func callRecord(in store: ObjectStore) -> ObjectID {
        ObjectID(store: store.serial, shard: 0, sequence: 0, slot: .max)
    }
}

extension ObjectRef {
    /// A call delivers a successful attempt's `value` into its own object: once, and not after
    /// a cancel (then it throws ``TaskCancelled``); a value that comes after the object
    /// completed (a cancel failed it while the call ran) is dropped. Then the call lets go of
    /// its inputs (``releasesInputsAtEnd``). Throws what storing throws (`ObjectStoreFull`).
    @inlinable
    final func deliver(_ value: Value) throws {
        if cancelled.load(ordering: .acquiring) { throw TaskCancelled(taskID: taskID, taskName: name) }
        // The store is borrowed, not retained: the entry holds it, and one store shared by every
        // thread would bounce its reference count's cache line between cores.
        try Unmanaged.passUnretained(store)._withUnsafeGuaranteedRef { store in
            do {
                try store.fulfil(entry: self, with: value)
            } catch ObjectStoreError.alreadyCompleted {
                // Cancelled (and failed) while it ran.
            }
        }
        taskState.store(.finished, ordering: .releasing)
        if releasesInputsAtEnd { releaseInputs() }
    }
}

/// A task with one return object of type `Result`, which it is (see "One object a call").
/// Thread safety as for ``TaskRecord``.
@usableFromInline
final class SingleReturnTask<Result: Sendable>: ObjectRef<Result>, @unchecked Sendable {
    /// Keeps ``TaskRecord/shape`` alive.
    @usableFromInline let shapeOwner: TaskShape
    /// The body with its arguments; nil once the task ended, when it lets go of its inputs.
    @usableFromInline @exclusivity(unchecked) var body: (@Sendable () throws -> Result)?
    /// `runAndDeliver` as the caller's module specialized it for `Result` (a function without
    /// context: no allocation): the worker runs the typed part of a task without looking up
    /// generic metadata.
    @usableFromInline let specializedRun: (SingleReturnTask<Result>) throws -> Void

    /// `body` is consumed: with Swift's default (owned) the caller retained and released the
    /// body's context around the base class's initializer (counted in the disassembly of a
    /// specialized call).
    @inlinable
    init(
        id: ObjectID, store: borrowing ObjectStore, domain: Int, taskID: TaskID, shape: borrowing TaskShape,
        arguments: [AnyObjectRef], body: consuming @escaping @Sendable () throws -> Result, releasesInputsAtEnd: Bool
    ) {
        shapeOwner = copy shape
        self.body = consume body
        specializedRun = { try $0.runAndDeliver() }
        super.init(
            id: id, store: store, domain: domain, taskID: taskID, shape: Unmanaged.passUnretained(shapeOwner),
            arguments: arguments,
            releasesInputsAtEnd: releasesInputsAtEnd)
    }

    override func runBody() throws { try specializedRun(self) }

    @inlinable
    final func runAndDeliver() throws { try deliver(try body.unsafelyUnwrapped()) }

    override func releaseInputs() {
        body = nil
        super.releaseInputs()
    }
}

/// A task declared with `numReturns`: its body returns an array whose elements become the
/// return objects, one ref each; the task's record is an entry of its own (see "One object a
/// call"). Holds each return ref until it delivers or fails. Thread safety as for
/// ``TaskRecord``.
final class MultipleReturnTask<Element: Sendable>: AnyObjectRef, @unchecked Sendable {
    /// Keeps ``TaskRecord/shape`` alive.
    private let shapeOwner: TaskShape
    private let body: @Sendable () throws -> [Element]
    @exclusivity(unchecked) private var outputs: [ObjectRef<Element>]
    private let outputIDs: [ObjectID]

    init(
        taskID: TaskID, store: ObjectStore, shape: borrowing TaskShape, arguments: [AnyObjectRef],
        outputs: [ObjectRef<Element>], body: @escaping @Sendable () throws -> [Element]
    ) {
        shapeOwner = copy shape
        self.body = body
        self.outputs = outputs
        outputIDs = outputs.map(\.id)
        super.init(
            id: .callRecord(in: store), store: store, domain: 0, kind: .callRecord, taskID: taskID,
            shape: Unmanaged.passUnretained(shapeOwner), arguments: arguments,
            releasesInputsAtEnd: false)
    }

    override func runBody() throws {
        let values = try body()
        guard !outputs.isEmpty else { return }
        guard values.count == outputs.count else {
            throw RuntimeError.numReturnsMismatch(task: name, declared: outputs.count, returned: values.count)
        }
        if cancelled.load(ordering: .acquiring) { throw TaskCancelled(taskID: taskID, taskName: name) }
        for (output, value) in zip(outputs, values) {
            do {
                try output.store.fulfil(entry: output, with: value)
            } catch ObjectStoreError.alreadyCompleted {
                continue
            }
        }
        taskState.store(.finished, ordering: .releasing)
        outputs = []
    }

    override func failReturns(with error: any Error) {
        let done = outputs
        outputs = []
        for output in done { _ = output.store.complete(output, failing: error) }
    }

    deinit { for output in outputs { output.forgetProducer(self) } }

    override var returnIDs: [ObjectID] { outputIDs }
}
