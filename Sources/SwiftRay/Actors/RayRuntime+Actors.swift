/// Actors on the runtime (Ray's `Class.remote()`, `ray.get_actor`, `ray.kill`,
/// `ray.actor.exit_actor`).
extension RayRuntime {
    /// Creates an actor: the scheduler places it by `options` (resources, strategy), its factory
    /// runs on a worker of the chosen domain (so the instance's memory is that domain's), and
    /// calls queue until it exists. Returns at once.
    ///
    /// Throws ``RuntimeError`` for invalid options and ``ActorError/duplicateName(_:)`` for a
    /// name a live actor has (unless `getIfExists`, which returns that actor). An actor that
    /// cannot be placed (hard affinity to a missing domain) is dead at once: calls throw
    /// ``ActorError/actorDied(actor:reason:)`` naming why.
    public func actor<State: AnyObject>(
        _ options: ActorOptions = ActorOptions(), _ factory: @escaping @Sendable () throws -> State
    ) throws -> ActorHandle<State> {
        try options.validate()
        let (held, placement) = try options.resourceSets()
        let id = nextTaskID()
        let className = String(describing: State.self)
        let displayName = options.name.map { "\(className) '\($0)' (actor-\(id.rawValue))" } ?? "\(className)(actor-\(id.rawValue))"
        var callOptions = TaskOptions(numCPUs: 0, maxRetries: 0)
        callOptions.name = displayName
        let callShape = try dispatcher.shape(for: callOptions)
        callShape.actorID = id
        let strategy = options.schedulingStrategy ?? .default
        let request = dispatcher.withScheduler { scheduler in
            SchedulingRequest(
                resources: scheduler.resourceRequest(for: held),
                placementResources: scheduler.resourceRequest(for: placement),
                strategy: strategy, isActorCreation: true, exclusiveCPUs: options.exclusiveCores)
        }
        let core = ActorCore(
            id: id, displayName: displayName, options: options, request: request, callShape: callShape, runtime: self,
            factory: { try factory() })
        core.factoryType = ObjectIdentifier(State.self)
        callShape.actorCore = Unmanaged.passUnretained(core)
        if let name = options.name {
            let existing: ActorCore? = try actorNames.withLock { names throws(ActorError) -> ActorCore? in
                if let live = names[name] {
                    if options.getIfExists { return live }
                    throw .duplicateName(name)
                }
                names[name] = core
                return nil
            }
            if let existing {
                guard existing.factoryType == ObjectIdentifier(State.self) else { throw ActorError.duplicateName(name) }
                return ActorHandle(reference: ActorReference(core: existing))
            }
        }
        dispatcher.placeActor(core)
        return ActorHandle(reference: ActorReference(core: core))
    }

    /// The live actor named `name` (Ray's `ray.get_actor`). Throws
    /// ``ActorError/unknownName(_:)``, or `duplicateName` when it is an actor of another class.
    public func actor<State: AnyObject>(named name: String, as type: State.Type = State.self) throws(ActorError) -> ActorHandle<State> {
        guard let core = actorNames.withLock({ $0[name] }) else { throw .unknownName(name) }
        guard core.factoryType == ObjectIdentifier(State.self) else { throw .unknownName(name) }
        return ActorHandle(reference: ActorReference(core: core))
    }

    /// Kills an actor (Ray's `ray.kill`): queued calls fail with ``ActorError/actorDied(actor:reason:)``,
    /// later calls too; a call already running finishes (threads are not killed). With
    /// `noRestart: false` it restarts instead when `maxRestarts` allows: the factory builds a new
    /// instance, the queued calls run on it, and a call already running finishes on the old one.
    public func kill<State: AnyObject>(_ actor: ActorHandle<State>, noRestart: Bool = true) {
        actor.core.die(reason: "killed by ray.kill", restartable: !noRestart)
    }

    /// Called inside an actor's method: the actor ends after this call (Ray's
    /// `ray.actor.exit_actor()`); queued calls fail, it is not restarted. Returns false outside
    /// an actor.
    @discardableResult
    public func exitActor() -> Bool {
        guard let actor = TaskFrames.innermost(of: ObjectIdentifier(store))?.actor else { return false }
        actor.die(reason: "it ended itself (exitActor)", restartable: false)
        return true
    }

    /// An actor died: its name and resources go; its row stays in the state API (the last 1000).
    func actorDied(_ actor: ActorCore) {
        let row = actor.info()
        logger.debug("actor died", metadata: ["actor": "\(actor.displayName)", "reason": "\(row.deathCause ?? "")"])
        deadActors.withLock { rows in
            rows.append(row)
            if rows.count > 1000 { rows.removeFirst(rows.count - 1000) }
        }
        if let name = actor.options.name {
            actorNames.withLock { names in
                if names[name] === actor { names[name] = nil }
            }
        }
        dispatcher.releaseActor(actor)
    }
}
