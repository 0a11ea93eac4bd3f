/// A call of a sync method (or closure) on an actor's instance, with one return object of type
/// `Result`: the arguments as passed (`values`) and the function that runs the call are the
/// record's own fields, and the actor is reached through the call's shape
/// (``TaskRecord/actorInstance(as:)``), so a call costs the record and its ref (and the array of
/// its ref arguments), nothing more. Holds its return ref until it delivers or fails
/// (``TaskOutput``); a delivered call without ref arguments and with arguments of plain data is
/// then held by that ref, and freed with it (TaskRecord.swift, "Who frees a call's record").
///
/// Thread safety as for ``TaskRecord``: the output is touched by one thread at a time (the
/// caller, then the actor's runner, or the actor failing it while it is queued).
@usableFromInline
final class ActorMethodCall<State: AnyObject, Values: Sendable, Result: Sendable>: TaskRecord, @unchecked Sendable {
    /// The call's arguments as passed (values, and refs resolved when the call runs). Kept here
    /// rather than captured by `run`, for the reason given at ``AsyncActorMethodCall/values``.
    @usableFromInline let values: Values
    @usableFromInline @exclusivity(unchecked) var output: TaskOutput<Result>
    /// ``deliver(_:_:)`` with the method inlined into it, made where the call is (specialized
    /// in the caller's module; for a method reference, a function without context): the runner
    /// runs the typed part of the call without looking up generic metadata.
    @usableFromInline let run: @Sendable (ActorMethodCall<State, Values, Result>) throws -> Void

    /// `output` is borrowed: owned (Swift's default for initializers), the caller retained the
    /// ref twice and released it once around the base class's initializer.
    @inlinable
    init(
        id: TaskID, core: ActorCore, arguments: [AnyObjectRef], values: Values, output: borrowing ObjectRef<Result>,
        run: @escaping @Sendable (ActorMethodCall<State, Values, Result>) throws -> Void
    ) {
        self.values = values
        self.output = TaskOutput(copy output)
        self.run = run
        super.init(
            id: id, shape: core.callShape, arguments: arguments,
            isKeptByItsRef: Self.holdsNothingOnceDelivered(arguments: arguments, values: Values.self))
    }

    override func runBody() throws { try run(self) }

    /// Runs `method` on the instance for `call` and stores what it returns. Always inlined into
    /// a call's `run`, and `method` (a closure literal) into it.
    @inlinable @inline(__always)
    static func deliver(_ call: ActorMethodCall, _ method: (State, Values) throws -> Result) throws {
        try call.deliver(try method(try call.actorInstance(as: State.self), call.values), into: &call.output)
    }

    override func failReturns(with error: any Error) { output.fail(with: error) }

    deinit { output.producerGoes(self) }

    override var returnIDs: [ObjectID] { [output.id] }
}

/// A call of an async method (or closure) on an async or threaded actor's instance, with one
/// return object of type `Result`: ``ActorMethodCall``'s layout for the async forms (Ray's
/// `async def` methods), run inside a Swift `Task` (see ActorCore+Async.swift).
///
/// Thread safety as for ``ActorMethodCall``; the running `Task`'s handle is under a lock
/// (``AsyncActorCallRecord``).
@usableFromInline
final class AsyncActorMethodCall<State: AnyObject, Values: Sendable, Result: Sendable>: AsyncActorCallRecord, @unchecked Sendable {
    /// The call's arguments as passed (values, and refs resolved when the call runs). Kept here
    /// rather than captured by `run`: a closure that captures only the method reference is
    /// specialized on it in the caller's module, while one that also captures arguments calls
    /// the method through a reabstraction thunk that allocates its context at every call (two
    /// mallocs and frees a call with an argument, measured with a uprobe on malloc).
    @usableFromInline let values: Values
    @usableFromInline @exclusivity(unchecked) var output: TaskOutput<Result>

    /// `run` is made where the call is (see ``ActorHandle/submitAsync(arguments:values:returning:_:)``):
    /// ``deliver(_:_:)`` with the method inlined into it.
    @inlinable
    init(
        id: TaskID, core: ActorCore, arguments: [AnyObjectRef], values: Values, output: borrowing ObjectRef<Result>,
        run: @escaping @Sendable (AsyncActorCallRecord) async throws -> Void
    ) {
        self.values = values
        self.output = TaskOutput(copy output)
        super.init(
            id: id, shape: core.callShape, arguments: arguments,
            isKeptByItsRef: Self.holdsNothingOnceDelivered(arguments: arguments, values: Values.self), run: run)
    }

    /// Runs `method` on the instance for the call `record` (one of this type) and stores what it
    /// returns. Always inlined into a call's `run`, and `method` (a closure literal) into it:
    /// the call then costs one `await` level of the runtime's, each level an executor check.
    /// Plain (`@concurrent`), as `run` is (see ``AsyncActorCallRecord/run``).
    @inlinable @inline(__always)
    static func deliver(
        _ record: AsyncActorCallRecord, _ method: (State, Values) async throws -> Result
    ) async throws {
        let call = unsafeDowncast(record, to: Self.self)
        try call.deliver(try await method(try call.actorInstance(as: State.self), call.values), into: &call.output)
    }

    override func failReturns(with error: any Error) { output.fail(with: error) }

    deinit { output.producerGoes(self) }

    override var returnIDs: [ObjectID] { [output.id] }
}
