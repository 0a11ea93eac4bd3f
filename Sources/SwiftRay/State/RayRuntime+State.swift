/// The state API (Ray's `ray.util.state`: `list_tasks`, `summarize_tasks`, `list_actors`,
/// `list_objects`, `list_placement_groups`), read from the task event log, the actor table,
/// the object store and the scheduler. Each call takes a snapshot; none blocks the runtime for
/// longer than copying a shard of events or a table.
extension RayRuntime {
    /// Tasks and actor calls in the recent past (the event log's capacity), with their current
    /// state, in submission order. Filters by `task_id`, `name`, `state`, `actor_id`, `node_id`,
    /// `type` (`NORMAL_TASK`, `ACTOR_TASK`). Empty when events are off.
    public func listTasks(filters: [StateFilter] = [], limit: Int? = nil) throws(StateError) -> [TaskInfo] {
        try filtered(foldedTasks(), filters, limit: limit)
    }

    /// Tasks counted by name and state (Ray's `summarize_tasks`), names sorted.
    public func summarizeTasks() -> [(name: String, counts: [TaskInfo.State: Int])] {
        var byName: [String: [TaskInfo.State: Int]] = [:]
        for task in foldedTasks() { byName[task.name ?? "?", default: [:]][task.state, default: 0] += 1 }
        return byName.keys.sorted().map { ($0, byName[$0] ?? [:]) }
    }

    /// Actors alive, pending or restarting, then the most recent dead ones. Filters by
    /// `actor_id`, `class_name`, `name`, `state`, `node_id`.
    public func listActors(filters: [StateFilter] = [], limit: Int? = nil) throws(StateError) -> [ActorInfo] {
        let live = dispatcher.state.withLock { Array($0.actors.values) + Array($0.pendingActors.values) }
        var rows = live.map { $0.info() }.sorted { $0.actorID < $1.actorID }
        rows += deadActors.withLock { $0 }
        return try filtered(rows, filters, limit: limit)
    }

    /// Objects alive in the store, by id. Filters by `object_id`, `state`, `node_id`,
    /// `reference_type`.
    public func listObjects(filters: [StateFilter] = [], limit: Int? = nil) throws(StateError) -> [ObjectInfo] {
        let rows = store.table.retainedEntries.map { entry, references -> ObjectInfo in
            let state: ObjectInfo.State = switch entry.state.load(ordering: .acquiring) {
            case .pending: .pending
            case .ready: .ready
            case .failed: .failed
            }
            return ObjectInfo(
                objectID: entry.id, sizeBytes: entry.isComplete ? entry.size : 0, nodeID: entry.domain, state: state,
                referenceCount: references)
        }
        return try filtered(rows.sorted { "\($0.objectID)" < "\($1.objectID)" }, filters, limit: limit)
    }

    /// Placement groups (Ray's `list_placement_groups`): the scheduler's table.
    public func listPlacementGroups() -> [PlacementGroupInfo] { placementGroupTable }

    /// Events overwritten because the log was full (the state API then misses the oldest).
    public var droppedTaskEvents: Int { events?.droppedCount ?? 0 }

    /// Folds the event log into one row per task, in submission order.
    func foldedTasks() -> [TaskInfo] {
        guard let events else { return [] }
        struct Row {
            var name: String?
            var actor: TaskID?
            var state = TaskInfo.State.pendingArgsAvail
            var node: Int?
            var worker: Int?
            var attempts = 0
            var error: String?
            var order: Int
        }
        var rows: [TaskID: Row] = [:]
        for event in events.snapshot() {
            var row = rows[event.task] ?? Row(order: rows.count)
            switch event.kind {
            case .submitted:
                row.name = event.name
                row.actor = event.actor
                row.state = .pendingArgsAvail
            case .queued:
                if let name = event.name {
                    row.name = name
                    row.actor = event.actor
                }
                row.state = .pendingNodeAssignment
            case .started:
                row.state = .running
                row.attempts += 1
                row.node = event.domain >= 0 ? Int(event.domain) : nil
                row.worker = event.worker >= 0 ? Int(event.worker) : nil
            case .resumed:
                row.state = .running
            case .blocked:
                row.state = .runningInRayGet
            case .finished:
                row.state = .finished
            case .failed:
                row.state = .failed
                row.error = event.error
            }
            rows[event.task] = row
        }
        return rows.sorted { $0.value.order < $1.value.order }.map { id, row in
            TaskInfo(
                taskID: id, name: row.name, state: row.state, actorID: row.actor, nodeID: row.node,
                workerIndex: row.worker, attempts: row.attempts, errorMessage: row.error)
        }
    }
}

extension ActorCore {
    /// The actor's row now.
    func info() -> ActorInfo {
        withMailboxes { state in
            let (phase, cause): (ActorInfo.State, String?) = switch state.phase {
            case .pending: (.pendingCreation, nil)
            case .alive: (.alive, nil)
            case .restarting: (.restarting, nil)
            case let .dead(reason): (.dead, reason)
            }
            // Taken but not started: held by an ordered lane's runner, or claimable on a shared lane.
            let taken = heldCalls.reduce(0) { $0 + $1.value } + (claimable?.count ?? 0)
            return ActorInfo(
                actorID: id, className: displayName, name: options.name, state: phase, nodeID: state.placement?.node,
                deathCause: cause, restarts: state.restarts, pendingCalls: state.pendingCalls + taken)
        }
    }
}
