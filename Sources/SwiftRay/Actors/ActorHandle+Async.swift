/// Async calls and concurrency groups of an actor (Ray's async actors and
/// `actor.method.options(concurrency_group=...)`).
///
/// An async call (a closure written `async` or containing `await`, or an unapplied method
/// `(State) -> (A...) async throws -> R`) runs as a Swift `Task` whose executor preference is
/// the actor's domain: on an async actor (``ActorOptions/isAsync``), its concurrency group's
/// ``ActorEventLoop``, a serial executor on that domain, so calls interleave at `await`s; on a
/// threaded actor, the domain's ``DomainExecutor``, the call holding one of the group's slots
/// until it returns (with the default `maxConcurrency` 1, calls still run one at a time).
///
/// A closure without `await` picks the sync overload (a sync closure converted to an async type
/// ranks lower), so existing sync calls keep their meaning.
extension ActorHandle {
    /// The same actor, whose calls through the returned handle go to concurrency group `group`
    /// (Ray's `.options(concurrency_group=...)`). A call naming a group the actor was not given
    /// fails with ``ActorError/unknownConcurrencyGroup(actor:group:)`` (its ref throws it).
    public func options(concurrencyGroup group: String?) -> ActorHandle {
        var handle = self
        handle.concurrencyGroup = group
        return handle
    }

    /// Calls `body` on the instance in concurrency group `group` (nil: the default group).
    @_disfavoredOverload
    public func remote<Result: Sendable>(
        group: String?, _ body: @escaping @Sendable (State) throws -> Result
    ) throws(RuntimeError) -> ObjectRef<Result> {
        try options(concurrencyGroup: group).remote(body)
    }

    /// Calls an async `body` on the instance (Ray's `async def` method). Disfavored, as the sync
    /// closure form is: a sync closure also converts to this type, and a method reference of a
    /// Sendable class fits it too (the method forms must win).
    @_disfavoredOverload @inlinable
    public func remote<Result: Sendable>(
        _ body: @escaping @Sendable (State) async throws -> Result
    ) throws(RuntimeError) -> ObjectRef<Result> {
        try submitAsync(arguments: [], values: (), returning: Result.self) { record in
            try await AsyncActorMethodCall<State, Void, Result>.deliver(record) { state, _ in try await body(state) }
        }
    }

    /// Calls an async `body` on the instance in concurrency group `group`.
    @_disfavoredOverload @inlinable
    public func remote<Result: Sendable>(
        group: String?, _ body: @escaping @Sendable (State) async throws -> Result
    ) throws(RuntimeError) -> ObjectRef<Result> {
        try options(concurrencyGroup: group).remote(body)
    }

    /// Submits one async call: `run` runs it on the instance once the arguments are ready
    /// (``AsyncActorMethodCall/deliver(_:_:)`` around the method, which receives `values`, the
    /// arguments as passed, from the record). Inlinable as
    /// ``submit(arguments:values:returning:_:)`` is: specialized in the caller's module.
    @inlinable
    func submitAsync<Values: Sendable, Result: Sendable>(
        arguments: [AnyObjectRef], values: Values, returning: Result.Type,
        _ run: @escaping @Sendable (AnyObjectRef) async throws -> Void
    ) throws(RuntimeError) -> ObjectRef<Result> {
        let core = self.core
        // `core.runtime` read in place, the store from `makeCall`: see `submit`.
        let call = try core.runtime.makeCall { id, taskID, domain, store in
            AsyncActorMethodCall<State, Values, Result>(
                id: id, store: store, domain: domain, taskID: taskID, core: core,
                arguments: arguments, values: values, run: run)
        }
        core.submit(call, toGroup: concurrencyGroup)
        return call
    }
}
