/// A handle to an actor (Ray's `ActorHandle`): call its methods with `remote`, each call
/// returning an ``ObjectRef`` at once. Handles are Sendable: pass them into tasks and other
/// actors; calls through any copy reach the same instance. An unnamed actor ends when its last
/// handle goes (after the calls already queued); a named one lives until killed.
///
/// ```swift
/// final class Counter { var n = 0; func add(_ x: Int) -> Int { n += x; return n } }
/// let counter = try ray.actor { Counter() }
/// let ref = try counter.remote(Counter.add, 5)      // a method and its arguments
/// let same = try counter.remote { $0.add(1) }       // or a closure over the instance
/// ```
///
/// Arguments may be values or ObjectRefs of them, in any mix, as for remote functions.
/// Immutable; thread-safe.
public struct ActorHandle<State: AnyObject>: Sendable, Hashable, CustomStringConvertible {
    @usableFromInline let reference: ActorReference
    /// The concurrency group its calls go to (nil: the default group); see
    /// ``options(concurrencyGroup:)``.
    @usableFromInline var concurrencyGroup: String? = nil

    @inlinable var core: ActorCore { reference.core }

    /// The actor's id (the id of its creation).
    public var id: TaskID { core.id }
    /// Its name for errors and the state API: the class and id, or the name it was given.
    public var name: String { core.displayName }

    /// Whether it is dead (killed, ended, failed past its restarts).
    public var isDead: Bool {
        if case .dead = core.phase { return true }
        return false
    }

    /// The domain (node) it was placed on, once placed.
    public var nodeID: Int? { core.node }

    public static func == (lhs: ActorHandle, rhs: ActorHandle) -> Bool { lhs.core === rhs.core }
    public func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(core)) }
    public var description: String { "ActorHandle(\(name))" }

    /// Calls `body` on the instance (Ray's `actor.method.remote()` for any code). Disfavored: a
    /// method reference (`Counter.get`) of a Sendable class also fits this type, and with the
    /// async overloads present the method form must win by rank.
    @_disfavoredOverload @inlinable
    public func remote<Result: Sendable>(
        _ body: @escaping @Sendable (State) throws -> Result
    ) throws(RuntimeError) -> ObjectRef<Result> {
        try submit(arguments: [], values: (), returning: Result.self) { call in
            try ActorMethodCall<State, Void, Result>.deliver(call) { state, _ in try body(state) }
        }
    }

    /// Submits one call: `run` runs it on the instance once the arguments are ready
    /// (``ActorMethodCall/deliver(_:_:)`` around the method, which receives `values`, the
    /// arguments as passed, from the record). Inlinable like a remote function's (see
    /// ``RemoteFunction``): specialized in the caller's module, a call looks no generic metadata
    /// up at run time.
    @inlinable
    func submit<Values: Sendable, Result: Sendable>(
        arguments: [AnyObjectRef], values: Values, returning: Result.Type,
        _ run: @escaping @Sendable (ActorMethodCall<State, Values, Result>) throws -> Void
    ) throws(RuntimeError) -> ObjectRef<Result> {
        let core = self.core
        // `core.runtime` read in place, not kept in a local: a local would be retained and
        // released at every call, and the runtime's first line is read by every thread. The
        // closure gets the store from `makeCall` for the same reason.
        let call = try core.runtime.makeCall { id, taskID, domain, store in
            ActorMethodCall<State, Values, Result>(
                id: id, store: store, domain: domain, taskID: taskID, core: core,
                arguments: arguments, values: values, run: run)
        }
        core.submit(call, toGroup: concurrencyGroup)
        return call
    }
}

/// What every copy of an ``ActorHandle`` shares: the actor, and the end of an unnamed actor when
/// the last handle goes. Immutable; thread-safe.
@usableFromInline
final class ActorReference: Sendable {
    @usableFromInline let core: ActorCore

    init(core: ActorCore) { self.core = core }

    deinit {
        if core.options.name == nil { core.endWhenIdle(reason: "all its handles went out of scope") }
    }
}

/// Carries a value that is not `Sendable` by type but is safe to hand over: an unapplied method
/// reference (`Counter.add`) captures nothing. A plain value.
@usableFromInline
struct MethodReference<Function>: @unchecked Sendable {
    @usableFromInline let function: Function

    @inlinable
    init(function: Function) { self.function = function }
}
