/// The options of an actor, as Ray's `@ray.remote` on a class and `.options(...)` take them,
/// plus pinning. A plain value; thread-safe.
///
/// Resources follow Ray: with no resource given, an actor needs 1 CPU free to be placed and holds
/// nothing while it lives (so such actors do not use up CPUs); with any resource given, it holds
/// exactly those (CPU 0 unless given) for its whole life.
public struct ActorOptions: Sendable {
    /// CPUs held for the actor's life; nil: 1 to place it, none held (Ray's default).
    public var numCPUs: Double?
    /// GPUs held for its life.
    public var numGPUs: Double
    /// Bytes of `memory` held.
    public var memory: Double
    /// Custom resources held.
    public var resources: [String: Double]
    /// Where it is placed; nil: DEFAULT (zero-resource actors go to a random domain, so they spread).
    public var schedulingStrategy: SchedulingStrategy?
    /// The name it can be looked up by (``RayRuntime/actor(named:)``); a named actor lives until
    /// killed, not until its handles go.
    public var name: String?
    /// With a name: return the live actor of that name instead of failing (Ray's `get_if_exists`).
    public var getIfExists: Bool
    /// Calls that may run at once in the default concurrency group (Ray's `max_concurrency`);
    /// nil: Ray's default, 1 (one at a time, in order) or 1000 for an async actor.
    public var maxConcurrency: Int?
    /// How many times the actor is rebuilt by its factory after a fatal error (-1: no limit).
    public var maxRestarts: Int
    /// How many times a call in flight when the actor failed is sent again (-1: no limit).
    public var maxTaskRetries: Int
    /// Calls queued at most before a call throws ``ActorError/tooManyPendingCalls(actor:limit:)``
    /// (-1: no limit).
    public var maxPendingCalls: Int
    /// Whether it is an async actor (Ray: a class with `async def` methods): every call, sync or
    /// async, runs as a Swift `Task` on the actor's own event loop (a serial executor on its
    /// domain), so calls interleave at their `await`s and its state is touched by one thread at
    /// a time; at most `maxConcurrency` (default 1000) calls are in flight. See
    /// ``ActorHandle/remote(_:)-async``.
    public var isAsync: Bool
    /// Named concurrency groups and the calls each may run at once (Ray's `concurrency_groups`);
    /// calls name their group with ``ActorHandle/options(concurrencyGroup:)``. Each group has its
    /// own queue, limit and (for an async actor) event loop, apart from the default group.
    public var concurrencyGroups: [String: Int]
    /// Whether the actor gets cores of its own (beyond Ray): its whole CPUs (`numCPUs`, at
    /// least 1) are taken from the scheduler as named PUs of its domain (`exclusive_CPU`
    /// instances), its factory and every call run on a thread bound to exactly those PUs, and
    /// the domain's workers are rebound to its other PUs while the actor lives: nothing else
    /// runs there. A domain lends every PU but one (its workers keep the lowest); when none is
    /// free the actor waits like any actor whose resources are busy (with hard node affinity,
    /// on that domain), and one that asks for more than any domain can lend stays infeasible
    /// (`ray status` shows it). Not with a placement-group strategy (bundles do not reserve PUs).
    public var exclusiveCores: Bool

    /// Options with Ray's defaults unless given.
    public init(
        numCPUs: Double? = nil, numGPUs: Double = 0, memory: Double = 0, resources: [String: Double] = [:],
        schedulingStrategy: SchedulingStrategy? = nil, name: String? = nil, getIfExists: Bool = false,
        maxConcurrency: Int? = nil, maxRestarts: Int = 0, maxTaskRetries: Int = 0, maxPendingCalls: Int = -1,
        isAsync: Bool = false, concurrencyGroups: [String: Int] = [:], exclusiveCores: Bool = false
    ) {
        self.numCPUs = numCPUs
        self.numGPUs = numGPUs
        self.memory = memory
        self.resources = resources
        self.schedulingStrategy = schedulingStrategy
        self.name = name
        self.getIfExists = getIfExists
        self.maxConcurrency = maxConcurrency
        self.maxRestarts = maxRestarts
        self.maxTaskRetries = maxTaskRetries
        self.maxPendingCalls = maxPendingCalls
        self.isAsync = isAsync
        self.concurrencyGroups = concurrencyGroups
        self.exclusiveCores = exclusiveCores
    }

    /// The default group's limit: `maxConcurrency`, else 1000 for an async actor, else 1.
    public var effectiveMaxConcurrency: Int { maxConcurrency ?? (isAsync ? 1000 : 1) }

    /// Options that pin the actor to domain `domain`: hard node affinity (Ray users ask for this
    /// and get it only by `numactl` around the whole worker); its state is allocated there and
    /// every call runs on that domain's CPUs.
    public static func pinned(toDomain domain: Int, _ options: ActorOptions = ActorOptions()) -> ActorOptions {
        var pinned = options
        pinned.schedulingStrategy = .nodeAffinity(NodeAffinitySchedulingStrategy(nodeID: domain, soft: false))
        return pinned
    }

    /// Options that give the actor `cores` exclusive cores (``exclusiveCores``), on domain
    /// `domain` (hard node affinity) when given, else where the scheduler finds them free.
    public static func exclusive(
        cores: Int, onDomain domain: Int? = nil, _ options: ActorOptions = ActorOptions()
    ) -> ActorOptions {
        var exclusive = domain.map { pinned(toDomain: $0, options) } ?? options
        exclusive.numCPUs = Double(cores)
        exclusive.exclusiveCores = true
        return exclusive
    }

    /// Whether any resource was given (then the actor holds them for life).
    var givesResources: Bool { numCPUs != nil || numGPUs != 0 || memory != 0 || !resources.isEmpty }

    /// What it holds and what it needs to be placed.
    func resourceSets() throws(RuntimeError) -> (held: ResourceSet, placement: ResourceSet) {
        do {
            if givesResources {
                let held = try ResourceSet(cpus: numCPUs ?? 0, gpus: numGPUs, memory: memory, resources: resources)
                return (held, held)
            }
            return (ResourceSet(), try ResourceSet(cpus: 1))
        } catch {
            throw .invalidResource(error)
        }
    }

    func validate() throws(RuntimeError) {
        _ = try resourceSets()
        if let maxConcurrency, maxConcurrency < 1 {
            throw .invalidOption(name: "maxConcurrency", value: "\(maxConcurrency)", reason: "must be >= 1")
        }
        for (group, limit) in concurrencyGroups {
            if group.isEmpty {
                throw .invalidOption(name: "concurrencyGroups", value: "\"\"", reason: "a group name must not be empty")
            }
            if limit < 1 {
                throw .invalidOption(
                    name: "concurrencyGroups[\"\(group)\"]", value: "\(limit)", reason: "must be >= 1")
            }
        }
        guard maxRestarts >= -1 else {
            throw .invalidOption(name: "maxRestarts", value: "\(maxRestarts)", reason: "must be -1 (no limit) or >= 0")
        }
        guard maxTaskRetries >= -1 else {
            throw .invalidOption(name: "maxTaskRetries", value: "\(maxTaskRetries)", reason: "must be -1 (no limit) or >= 0")
        }
        guard maxPendingCalls == -1 || maxPendingCalls >= 1 else {
            throw .invalidOption(name: "maxPendingCalls", value: "\(maxPendingCalls)", reason: "must be -1 (no limit) or >= 1")
        }
        if exclusiveCores {
            guard let cpus = numCPUs, cpus >= 1 else {
                throw .invalidOption(
                    name: "exclusiveCores", value: "true",
                    reason: "needs numCPUs of at least 1 (the cores it holds), not \(numCPUs.map { "\($0)" } ?? "nil")")
            }
            if case .placementGroup? = schedulingStrategy {
                throw .invalidOption(
                    name: "exclusiveCores", value: "true",
                    reason: "cannot be combined with a placement-group strategy (bundles do not reserve PUs)")
            }
        }
        if let name, name.isEmpty {
            throw .invalidOption(name: "name", value: "\"\"", reason: "must not be empty")
        }
    }
}

/// Why an actor call or lookup failed. Each case names the actor. A plain value; thread-safe.
public enum ActorError: Error, Sendable, CustomStringConvertible {
    /// The actor is dead (Ray's `ActorDiedError`): killed, ended itself, failed past its
    /// restarts, its placement group was removed, or it could not be placed.
    case actorDied(actor: String, reason: String)
    /// No live actor has this name.
    case unknownName(String)
    /// A live actor already has this name.
    case duplicateName(String)
    /// `maxPendingCalls` calls are queued already (Ray's `PendingCallsLimitExceeded`).
    case tooManyPendingCalls(actor: String, limit: Int)
    /// A call named a concurrency group the actor was not given (`ActorOptions.concurrencyGroups`).
    case unknownConcurrencyGroup(actor: String, group: String)

    public var description: String {
        switch self {
        case let .actorDied(actor, reason): "ActorDied: actor \(actor) is dead: \(reason)"
        case let .unknownName(name): "no live actor is named '\(name)'"
        case let .duplicateName(name): "an actor named '\(name)' already exists"
        case let .tooManyPendingCalls(actor, limit): "actor \(actor) has \(limit) pending calls already (maxPendingCalls)"
        case let .unknownConcurrencyGroup(actor, group): "actor \(actor) has no concurrency group '\(group)'"
        }
    }
}

/// Thrown by an actor's method (or its factory) to say the actor is broken: it dies, and is
/// rebuilt by its factory when `maxRestarts` allows (Ray: the actor's process exiting). The
/// call that threw is sent again to the new instance when `maxTaskRetries` allows, else it fails
/// with ``ActorError/actorDied(actor:reason:)``. A plain value; thread-safe.
public struct ActorFatalError: Error, Sendable, CustomStringConvertible {
    /// Why, as the actor says it.
    public let reason: String

    public init(_ reason: String) { self.reason = reason }

    public var description: String { "ActorFatalError: \(reason)" }
}
