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

// # Who frees a call's record
//
// A call costs two allocations on its caller's thread: its record (this class) and the ref of
// its value. The ref dies on the caller's thread too, when the program drops it; the record
// used to die on the thread that ran the call, as soon as it delivered. glibc then frees it
// into the caller's arena from another core: the arena's lock and fast-bin heads, which the
// caller's next malloc takes, cross cores at every call. A standalone floor (1,000 objects a
// round handed to a consumer thread that writes a result into each; Benchmarks/results,
// twenty-fifth sitting) costs ~255 ns a call when the consumer frees one of two objects, ~207
// ns when the caller frees both, ~175 ns with one object.
//
// So a record that delivers its value hands itself to the ref, retained
// (``AnyObjectRef/completeIfPending(as:keepingProducer:_:)``), after it let go of the ref (no
// cycle): the runner's release is then not the last, and the record is freed with the ref, by
// the thread that drops the ref, usually the one that made both. Only records that hold nothing
// else alive by then take part (``isKeptByItsRef``): no ref arguments and arguments of plain
// data, so that no argument object, and no value an argument owns, outlives the call. What such
// a record still holds until its ref goes: its function (the closure, for a task also its shape
// and event log), as the function's own definition does. A failed, cancelled or undelivered
// call drops the link as before, and a delivered one is no longer its ref's producer for
// cancel.

/// One submitted call of a remote function: its id, name, shape (scheduling class and retry
/// options), the entries of its ObjectRef arguments, and the typed work in the subclasses, which
/// also own the refs of the task's return objects until they are fulfilled or failed.
///
/// Thread safety: `cancelled` and `state` are atomics; `attempt` and `arguments` are touched by
/// one thread at a time (the submitter, then the resolver, then the worker running it; the queue
/// locks hand it over).
@usableFromInline
class TaskRecord: @unchecked Sendable {
    @usableFromInline let id: TaskID
    /// Not retained here: for an actor's call, the actor holds its shape for as long as the
    /// call can be read (a retain per call, released by the actor's thread when the record
    /// went, bounced the shape's first line between caller and actor: ~8% of `1:1 actor calls
    /// async`); a task's record holds its shape in its subclass (`shapeOwner`), since nothing
    /// else may keep a task's shape, and its lease queues, alive while it is pending.
    @usableFromInline unowned(unsafe) let shape: TaskShape
    /// The ObjectRef arguments to resolve before it runs (their entries; the typed closure, or
    /// an actor call's `values`, holds the refs themselves, so they stay alive while the task is
    /// pending).
    var arguments: [AnyObjectRef]
    @usableFromInline let cancelled = Atomic<Bool>(false)
    @usableFromInline let state = Atomic<TaskState>(.pendingArguments)
    /// Whether it is an ``AsyncActorCallRecord`` (a runner asks at every call: a load, where
    /// a dynamic cast walked the class chain).
    let isAsyncActorCall: Bool
    /// Whether the ref of its value keeps it once it delivered, so that it is freed with the
    /// ref, by the thread that made both (see "Who frees a call's record" below). Only for a
    /// record that then holds nothing else alive: no argument refs, arguments of plain data.
    /// In the padding after the one-byte fields: no bytes added.
    @usableFromInline let isKeptByItsRef: Bool

    /// The rule for ``isKeptByItsRef``, for a call whose arguments the record holds as
    /// `arguments` (the refs) and values of type `Values` (its own fields or its closure's).
    @inlinable
    static func holdsNothingOnceDelivered<Values>(arguments: [AnyObjectRef], values: Values.Type) -> Bool {
        arguments.isEmpty && _isPOD(Values.self)
    }
    /// Attempts made so far (1 during the first run). 32 bits, after the two one-byte atomics:
    /// they share one word.
    @exclusivity(unchecked) private var attempts: UInt32 = 0
    /// The call pushed before it into its actor's inbox (an address; 0: none), while it is
    /// there (ActorInbox.swift): written by the caller before the push, read and cleared by the
    /// lock holder that drains the inbox. With it the base's fields end at 56 bytes. An actor's
    /// call, which reaches its actor through its shape instead of a field of its own, keeps its
    /// size (104 usable bytes, measured with `malloc_usable_size`); a task's record grows from
    /// 112 to 120 bytes, in the same 128-byte malloc chunk.
    @exclusivity(unchecked) final var inboxNext: UInt = 0
    /// Attempts made so far (1 during the first run).
    var attempt: Int {
        get { Int(attempts) }
        set { attempts = UInt32(truncatingIfNeeded: newValue) }
    }
    /// The task's name: its function's (an actor call's: the actor's display name), read from
    /// the shape when needed (errors, events) rather than retained per task: a string every call
    /// of a function shares would bounce its reference count between submitter and worker.
    @usableFromInline
    final var name: String { shape.options.name ?? Self.unnamedTaskName }
    /// The name of tasks whose function has none.
    class var unnamedTaskName: String { "remote function" }
    /// Runs `body` with ``shape`` borrowed: a method called on the unowned field directly is
    /// called on a retained copy, and the shape's count is written by every thread that frees
    /// a record of it.
    @usableFromInline @inline(__always)
    final func withShape<R>(_ body: (TaskShape) throws -> R) rethrows -> R {
        try Unmanaged.passUnretained(shape)._withUnsafeGuaranteedRef(body)
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

    @usableFromInline
    init(
        id: TaskID, shape: borrowing TaskShape, arguments: [AnyObjectRef], isAsyncActorCall: Bool = false,
        isKeptByItsRef: Bool = false
    ) {
        self.isAsyncActorCall = isAsyncActorCall
        self.isKeptByItsRef = isKeptByItsRef
        self.id = id
        self.shape = copy shape
        self.arguments = arguments
    }

    /// Records that the task did `kind` now in its runtime's event log (when events are on),
    /// touching no reference count.
    @inline(__always)
    final func recordEvent(_ kind: TaskEvent.Kind, error: (any Error)? = nil, carriesName: Bool = false) {
        shape.eventLog?._withUnsafeGuaranteedRef { $0.record(self, kind, error: error, carriesName: carriesName) }
    }

    /// Runs the task's body once and stores what it returns; throws what the body throws.
    func runBody() throws {}

    /// Fails every return object of the task with `error` (those already complete stay).
    func failReturns(with error: any Error) {}

    /// Called by `cancel` after `cancelled` is set, from the cancelling thread: a task kind that
    /// can be interrupted (an async task's Swift `Task`) does so here. Must be thread-safe.
    func cancellationRequested() {}

    /// The ids of the task's return objects (cancel fails those still alive).
    var returnIDs: [ObjectID] { [] }

    /// Whether another attempt may follow a failure with `error`.
    func mayRetry(after error: any Error) -> Bool {
        let limit = shape.options.maxRetries
        guard limit == -1 || attempt <= limit else { return false }
        return shape.options.retryExceptions.allows(error)
    }

    /// Stores a successful attempt's `value` in `output`: once, and not after a cancel (then it
    /// throws ``TaskCancelled``). Throws what storing throws (`ObjectStoreFull`).
    @inlinable
    final func deliver<Value: Sendable>(_ value: Value, into output: inout TaskOutput<Value>) throws {
        guard output.isPending else { return }
        if cancelled.load(ordering: .acquiring) { throw TaskCancelled(taskID: id, taskName: name) }
        try output.deliver(value, keepingProducer: isKeptByItsRef)
        state.store(.finished, ordering: .releasing)
    }

    /// Ends the task with `error`: every get of its refs throws it wrapped as a ``RayTaskError``
    /// (``TaskCancelled`` and ``TaskUnschedulable`` stay as they are).
    func finish(failing error: any Error) {
        state.store(.failed, ordering: .releasing)
        recordEvent(.failed, error: error)
        switch error {
        case is TaskCancelled, is TaskUnschedulable, is ObjectStoreError, is ActorError:
            failReturns(with: error)
        default:
            failReturns(with: RayTaskError.wrapping(error, task: name, id: id))
        }
    }

    /// The first argument that failed, with its error.
    func failedArgument() -> (any Error)? {
        for entry in arguments where entry.state.load(ordering: .acquiring) == .failed {
            return entry.error ?? ObjectStoreError.unknownObject(entry.id)
        }
        return nil
    }

    /// Bytes of the task's arguments held by each domain (locality hints for DEFAULT).
    func argumentBytesByDomain() -> [Int: UInt64] {
        var bytes: [Int: UInt64] = [:]
        for entry in arguments where entry.state.load(ordering: .acquiring) == .ready {
            bytes[entry.domain, default: 0] &+= UInt64(entry.size)
        }
        return bytes
    }
}

/// A task with one return object of type `Result`. It holds its return ref until it delivers or
/// fails (``TaskOutput``). Thread
/// safety as for ``TaskRecord``.
@usableFromInline
final class SingleReturnTask<Result: Sendable>: TaskRecord, @unchecked Sendable {
    /// Keeps ``TaskRecord/shape`` alive.
    @usableFromInline let shapeOwner: TaskShape
    @usableFromInline let body: @Sendable () throws -> Result
    @usableFromInline @exclusivity(unchecked) var output: TaskOutput<Result>
    /// `runAndDeliver` as the caller's module specialized it for `Result` (a function without
    /// context: no allocation): the worker runs the typed part of a task without looking up
    /// generic metadata.
    @usableFromInline let specializedRun: (SingleReturnTask<Result>) throws -> Void

    /// `output` is borrowed and `body` consumed: with Swift's default (both owned) the caller
    /// retained the ref twice and released it once, and the body's context the same, around
    /// the base class's initializer (counted in the disassembly of a specialized call).
    @inlinable
    init(
        id: TaskID, shape: borrowing TaskShape, arguments: [AnyObjectRef], output: borrowing ObjectRef<Result>,
        body: consuming @escaping @Sendable () throws -> Result, isKeptByItsRef: Bool = false
    ) {
        shapeOwner = copy shape
        self.body = consume body
        self.output = TaskOutput(copy output)
        specializedRun = { try $0.runAndDeliver() }
        super.init(id: id, shape: shape, arguments: arguments, isKeptByItsRef: isKeptByItsRef)
    }

    override func runBody() throws { try specializedRun(self) }

    deinit { output.producerGoes(self) }

    @inlinable
    final func runAndDeliver() throws { try deliver(try body(), into: &output) }

    override func failReturns(with error: any Error) { output.fail(with: error) }

    override var returnIDs: [ObjectID] { [output.id] }
}

/// A task declared with `numReturns`: its body returns an array whose elements become the
/// return objects, one ref each. Holds each return ref until it delivers or fails.
/// Thread safety as for ``TaskRecord``.
final class MultipleReturnTask<Element: Sendable>: TaskRecord, @unchecked Sendable {
    /// Keeps ``TaskRecord/shape`` alive.
    private let shapeOwner: TaskShape
    private let body: @Sendable () throws -> [Element]
    @exclusivity(unchecked) private var outputs: [ObjectRef<Element>]
    private let outputIDs: [ObjectID]

    init(
        id: TaskID, shape: borrowing TaskShape, arguments: [AnyObjectRef], outputs: [ObjectRef<Element>],
        body: @escaping @Sendable () throws -> [Element]
    ) {
        shapeOwner = copy shape
        self.body = body
        self.outputs = outputs
        outputIDs = outputs.map(\.id)
        super.init(id: id, shape: shape, arguments: arguments)
    }

    override func runBody() throws {
        let values = try body()
        guard !outputs.isEmpty else { return }
        guard values.count == outputs.count else {
            throw RuntimeError.numReturnsMismatch(task: name, declared: outputs.count, returned: values.count)
        }
        if cancelled.load(ordering: .acquiring) { throw TaskCancelled(taskID: id, taskName: name) }
        for (output, value) in zip(outputs, values) {
            do {
                try output.store.fulfil(entry: output, with: value)
            } catch ObjectStoreError.alreadyCompleted {
                continue
            }
        }
        state.store(.finished, ordering: .releasing)
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
