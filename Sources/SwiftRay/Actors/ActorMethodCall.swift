/// A call of a sync method (or closure) on an actor's instance, with one return object of type
/// `Result`, which it is (TaskRecord.swift, "One object a call"): the arguments as passed
/// (`values`) and the function that runs the call are its own fields, and the actor is reached
/// through the call's shape (``TaskRecord/actorInstance(as:)``), so a call costs one object
/// (and the array of its ref arguments), nothing more.
///
/// Thread safety as for ``TaskRecord``: `values` is touched by one thread at a time (the
/// caller, then the actor's runner, or the actor failing it while it is queued).
@usableFromInline
final class ActorMethodCall<State: AnyObject, Values: Sendable, Result: Sendable>: ObjectRef<Result>, @unchecked Sendable {
    /// The call's arguments as passed (values, and refs resolved when the call runs), a
    /// `Values` (``HeldValues``: a `Values?` field made every deinit look its metadata up),
    /// held until the call ends when it lets go of its inputs, else until it goes. Kept here
    /// rather than captured by `run`, for the reason given at ``AsyncActorMethodCall/heldValues``.
    @usableFromInline @exclusivity(unchecked) var heldValues: HeldValues
    /// ``deliver(_:_:)`` with the method inlined into it, made where the call is (specialized
    /// in the caller's module; for a method reference, a function without context): the runner
    /// runs the typed part of the call without looking up generic metadata.
    @usableFromInline let run: @Sendable (ActorMethodCall<State, Values, Result>) throws -> Void

    @inlinable
    init(
        id: ObjectID, store: borrowing ObjectStore, domain: Int, taskID: TaskID, core: ActorCore,
        arguments: [AnyObjectRef], values: Values,
        run: @escaping @Sendable (ActorMethodCall<State, Values, Result>) throws -> Void
    ) {
        heldValues = HeldValues(values)
        self.run = run
        super.init(
            id: id, store: store, domain: domain, taskID: taskID, shape: core.unretainedCallShape, arguments: arguments,
            releasesInputsAtEnd: Self.releasesInputs(arguments: arguments, values: Values.self))
    }

    override func runBody() throws { try run(self) }

    /// Runs `method` on the instance for `call` and stores what it returns. Always inlined into
    /// a call's `run`, and `method` (a closure literal) into it.
    @inlinable @inline(__always)
    static func deliver(_ call: ActorMethodCall, _ method: (State, Values) throws -> Result) throws {
        try call.deliver(try method(try call.actorInstance(as: State.self), call.heldValues.load(as: Values.self)))
    }

    override func releaseInputs() {
        heldValues.release(as: Values.self)
        super.releaseInputs()
    }

    /// The arguments as passed, while the call holds them.
    var values: Values? { heldValues.ifHeld(as: Values.self) }

    deinit { heldValues.release(as: Values.self) }
}

/// A call of an async method (or closure) on an async or threaded actor's instance, with one
/// return object of type `Result`: ``ActorMethodCall``'s layout for the async forms (Ray's
/// `async def` methods), run inside a Swift `Task` (see ActorCore+Async.swift). Cancelling it
/// cancels that `Task` while the call runs in it.
///
/// Thread safety as for ``ActorMethodCall``; the running `Task`'s handle is under the entry's
/// gate.
@usableFromInline
final class AsyncActorMethodCall<State: AnyObject, Values: Sendable, Result: Sendable>: ObjectRef<Result>, @unchecked Sendable {
    /// The call's arguments as passed (values, and refs resolved when the call runs), a
    /// `Values` held as ``ActorMethodCall/heldValues`` is. Kept here rather than captured by
    /// `run`: a closure that captures only the method reference is specialized on it in the
    /// caller's module, while one that also captures arguments calls the method through a
    /// reabstraction thunk that allocates its context at every call (two mallocs and frees a
    /// call with an argument, measured with a uprobe on malloc).
    @usableFromInline @exclusivity(unchecked) var heldValues: HeldValues
    /// Whether a cancellation was delivered to `runner`; under the gate.
    @exclusivity(unchecked) private var cancelDelivered = false
    /// The `Task` running the call, while it runs; under the gate.
    @exclusivity(unchecked) private var runner: Swift.Task<Void, Never>?
    /// Runs the body once on the call (specialized where it was made) and stores what it
    /// returns; throws what the body throws. A stored function rather than an override: each
    /// `await` level costs an executor check on return (`swift_task_switch`).
    ///
    /// A plain (`@concurrent`) function, not `nonisolated(nonsending)` as the worker that calls
    /// it: a call then costs two executor checks, one in `run` and one in the worker when `run`
    /// returns (a call through a stored function costs its caller one on return), and a plain
    /// `async` method (the kind a user writes by default) adds none, where a nonsending `run`
    /// checked once more around such a method. Counted with a uprobe on `swift_task_switch`: 3
    /// checks a call before, 2 now, for plain and nonsending methods and closures alike
    /// (twenty-third sitting in BENCHMARKS.md).
    @usableFromInline let run: @Sendable (AnyObjectRef) async throws -> Void

    /// `run` is made where the call is (see ``ActorHandle/submitAsync(arguments:values:returning:_:)``):
    /// ``deliver(_:_:)`` with the method inlined into it.
    @inlinable
    init(
        id: ObjectID, store: borrowing ObjectStore, domain: Int, taskID: TaskID, core: ActorCore,
        arguments: [AnyObjectRef], values: Values, run: @escaping @Sendable (AnyObjectRef) async throws -> Void
    ) {
        heldValues = HeldValues(values)
        self.run = run
        super.init(
            id: id, store: store, domain: domain, taskID: taskID, shape: core.unretainedCallShape, arguments: arguments,
            isAsyncActorCall: true, releasesInputsAtEnd: Self.releasesInputs(arguments: arguments, values: Values.self))
    }

    /// Runs `method` on the instance for the call `record` (one of this type) and stores what it
    /// returns. Always inlined into a call's `run`, and `method` (a closure literal) into it:
    /// the call then costs one `await` level of the runtime's, each level an executor check.
    /// Plain (`@concurrent`), as `run` is.
    @inlinable @inline(__always)
    static func deliver(
        _ record: AnyObjectRef, _ method: (State, Values) async throws -> Result
    ) async throws {
        let call = unsafeDowncast(record, to: Self.self)
        try call.deliver(try await method(try call.actorInstance(as: State.self), call.heldValues.load(as: Values.self)))
    }

    override func releaseInputs() {
        heldValues.release(as: Values.self)
        super.releaseInputs()
    }

    /// The arguments as passed, while the call holds them.
    var values: Values? { heldValues.ifHeld(as: Values.self) }

    deinit { heldValues.release(as: Values.self) }

    override var asyncRun: @Sendable (AnyObjectRef) async throws -> Void { run }

    /// Records the `Task` that runs the call. True when the call was cancelled already: the
    /// caller cancels the `Task` (a cancel either sees the handle or set the flag before this
    /// read: it sets the flag, then takes the same lock).
    override func attach(_ handle: Swift.Task<Void, Never>) -> Bool {
        withGate {
            guard !cancelled.load(ordering: .acquiring) else {
                cancelDelivered = true
                return true
            }
            runner = handle
            return false
        }
    }

    /// The call ended in its `Task` (a lane worker, which goes on to other calls): a cancel
    /// from now on finds no `Task`. True when a cancellation was delivered to the `Task` (or is
    /// on its way): the worker must not run another call in it.
    override func detach() -> Bool {
        withGate {
            runner = nil
            return cancelDelivered
        }
    }

    override func cancellationRequested() {
        let task: Swift.Task<Void, Never>? = withGate {
            guard let task = runner else { return nil }
            runner = nil
            cancelDelivered = true
            return task
        }
        task?.cancel()
    }
}
