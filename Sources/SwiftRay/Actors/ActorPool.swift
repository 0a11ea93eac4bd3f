/// A pool of actors that work through values (Ray's `ray.util.ActorPool`): each submitted value
/// goes to an idle actor through `fn(actor, value)`, which makes one call and returns its ref;
/// values wait when every actor is busy. Results come back in submission order (``getNext(timeout:)``,
/// ``map(_:_:)``) or in completion order (``getNextUnordered(timeout:)``, ``mapUnordered(_:_:)``).
///
/// ```swift
/// let pool = ActorPool(try (0..<4).map { _ in try ray.actor { Doubler() } }, runtime: ray)
/// let doubled = try pool.map([1, 2, 3, 4]) { actor, value in try actor.remote(Doubler.double, value) }
/// ```
///
/// Not thread-safe, like Ray's: use one pool from one thread (or task) at a time.
public final class ActorPool<State: AnyObject, Result: Sendable> {
    /// A call of `fn` for one value, waiting for an idle actor.
    private typealias Submission = (ActorHandle<State>) throws -> ObjectRef<Result>

    private let runtime: RayRuntime
    private var idle: [ActorHandle<State>]
    /// Calls in flight by submission index: the ref and the actor making it.
    private var inFlight: [Int: (ref: ObjectRef<Result>, actor: ActorHandle<State>)] = [:]
    private var pending: [Submission] = []
    private var pendingHead = 0
    private var nextTaskIndex = 0
    private var nextReturnIndex = 0

    /// A pool of `actors`, all idle.
    public init(_ actors: [ActorHandle<State>], runtime: RayRuntime) {
        self.runtime = runtime
        idle = actors
    }

    /// Submits `value`: to an idle actor now (`fn(actor, value)`), or once one is free.
    public func submit<Value>(
        _ fn: @escaping (ActorHandle<State>, Value) throws -> ObjectRef<Result>, _ value: Value
    ) throws {
        if let actor = idle.popLast() {
            let ref: ObjectRef<Result>
            do {
                ref = try fn(actor, value)
            } catch {
                idle.append(actor)
                throw error
            }
            inFlight[nextTaskIndex] = (ref, actor)
            nextTaskIndex += 1
        } else {
            pending.append { actor in try fn(actor, value) }
        }
    }

    /// Whether results are still to be fetched.
    public var hasNext: Bool { !inFlight.isEmpty }

    /// Whether an actor is idle and no value waits for one (Ray's `has_free`).
    public var hasFree: Bool { !idle.isEmpty && pendingHead == pending.count }

    /// The next result in submission order, waiting up to `timeout` seconds (nil: no limit).
    /// Throws ``ActorPoolError/noPendingResults`` when nothing is in flight,
    /// ``ActorPoolError/orderedAfterUnordered`` after ``getNextUnordered(timeout:)`` took a later
    /// result, ``GetTimeout`` when the result is not ready in time (it stays next), and the
    /// call's error when it failed (the actor is idle again either way).
    public func getNext(timeout: Double? = nil) throws -> Result {
        guard hasNext else { throw ActorPoolError.noPendingResults }
        guard let (ref, actor) = inFlight[nextReturnIndex] else { throw ActorPoolError.orderedAfterUnordered }
        if let timeout, try runtime.wait([ref], timeout: timeout).ready.isEmpty {
            throw GetTimeout(timeout: timeout, pending: [ref.id])
        }
        inFlight[nextReturnIndex] = nil
        nextReturnIndex += 1
        try returnActor(actor)
        return try runtime.get(ref)
    }

    /// The next result to complete, waiting up to `timeout` seconds (nil: no limit). Throws as
    /// ``getNext(timeout:)`` does.
    public func getNextUnordered(timeout: Double? = nil) throws -> Result {
        guard hasNext else { throw ActorPoolError.noPendingResults }
        let order = inFlight.keys.sorted()
        let refs = order.map { inFlight[$0]!.ref }
        let ready = try runtime.wait(refs, numReturns: 1, timeout: timeout).ready
        guard let done = ready.first, let index = order.first(where: { inFlight[$0]!.ref == done }) else {
            throw GetTimeout(timeout: timeout ?? .infinity, pending: refs.map(\.id))
        }
        let actor = inFlight.removeValue(forKey: index)!.actor
        nextReturnIndex = max(nextReturnIndex, index + 1)
        try returnActor(actor)
        return try runtime.get(done)
    }

    /// Runs `fn` over `values` on the pool's actors; the results in input order. Results of
    /// earlier submissions not yet fetched are dropped first, as Ray does.
    public func map<Value>(
        _ values: some Sequence<Value>, _ fn: @escaping (ActorHandle<State>, Value) throws -> ObjectRef<Result>
    ) throws -> [Result] {
        try map(values, fn) { try getNext() }
    }

    /// Runs `fn` over `values` on the pool's actors; the results in completion order.
    public func mapUnordered<Value>(
        _ values: some Sequence<Value>, _ fn: @escaping (ActorHandle<State>, Value) throws -> ObjectRef<Result>
    ) throws -> [Result] {
        try map(values, fn) { try getNextUnordered() }
    }

    /// `map` and `mapUnordered`: submits every value, then collects with `next`.
    private func map<Value>(
        _ values: some Sequence<Value>, _ fn: @escaping (ActorHandle<State>, Value) throws -> ObjectRef<Result>,
        next: () throws -> Result
    ) throws -> [Result] {
        try discardOutstanding()
        for value in values { try submit(fn, value) }
        var results: [Result] = []
        while hasNext { results.append(try next()) }
        return results
    }

    /// Takes an idle actor out of the pool (nil when none is free, see ``hasFree``).
    public func popIdle() -> ActorHandle<State>? {
        hasFree ? idle.popLast() : nil
    }

    /// Adds `actor` to the pool (it takes a waiting value at once). Throws
    /// ``ActorPoolError/alreadyInPool(actor:)`` when it is in the pool already.
    public func push(_ actor: ActorHandle<State>) throws {
        if idle.contains(actor) || inFlight.values.contains(where: { $0.actor == actor }) {
            throw ActorPoolError.alreadyInPool(actor: actor.name)
        }
        try returnActor(actor)
    }

    /// `actor` is free: it goes idle and takes the waiting values while it can.
    private func returnActor(_ actor: ActorHandle<State>) throws {
        idle.append(actor)
        while !idle.isEmpty, pendingHead < pending.count {
            let submission = pending[pendingHead]
            pendingHead += 1
            if pendingHead == pending.count {
                pending.removeAll(keepingCapacity: true)
                pendingHead = 0
            }
            let actor = idle.removeLast()
            let ref: ObjectRef<Result>
            do {
                ref = try submission(actor)
            } catch {
                idle.append(actor)
                throw error
            }
            inFlight[nextTaskIndex] = (ref, actor)
            nextTaskIndex += 1
        }
    }

    /// Waits for and drops what is in flight (Ray's `map` ignores earlier results).
    private func discardOutstanding() throws {
        while hasNext {
            let actor = inFlight.removeValue(forKey: inFlight.keys.min()!)!.actor
            nextReturnIndex = nextTaskIndex
            try returnActor(actor)
        }
        nextReturnIndex = nextTaskIndex
    }
}

/// Why an ``ActorPool`` call failed. A plain value; thread-safe.
public enum ActorPoolError: Error, Sendable, Hashable, CustomStringConvertible {
    /// No result is in flight (Ray's `StopIteration`).
    case noPendingResults
    /// `getNext` after `getNextUnordered` took the result that was next in order.
    case orderedAfterUnordered
    /// `push` of an actor that is in the pool already.
    case alreadyInPool(actor: String)

    public var description: String {
        switch self {
        case .noPendingResults: "the actor pool has no results in flight"
        case .orderedAfterUnordered: "getNext() may not follow getNextUnordered() (the next result in order was taken)"
        case .alreadyInPool(let actor): "actor \(actor) already belongs to this actor pool"
        }
    }
}
