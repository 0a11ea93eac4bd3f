/// Placement groups on the dispatcher: creation with a readiness ref, removal (revoking the
/// leases that ran in the group), lookup.
extension TaskDispatcher {
    func createPlacementGroup(
        _ bundles: [ResourceSet], strategy: PlacementStrategy, name: String?, ready: ObjectRef<Bool>
    ) throws(RuntimeError) -> PlacementGroupID {
        let result: Swift.Result<(PlacementGroupID, Bool), RuntimeError> = state.withLock { state in
            if state.closed { return .failure(.shutDown) }
            do {
                let id = try state.scheduler.createPlacementGroup(bundles, strategy: strategy, name: name)
                let created = (try? state.scheduler.placementGroup(id).state) == .created
                if !created { state.groupReadyRefs[id] = ready }
                state.groupRefs[id] = ready
                return .success((id, created))
            } catch let error as SchedulingError {
                return .failure(.scheduling(error))
            } catch {
                return .failure(.startFailed("\(error)"))
            }
        }
        let (id, created) = try result.get()
        if created { try? ready.store.fulfil(ready, with: true) }
        return id
    }

    func removePlacementGroup(_ id: PlacementGroupID) throws(RuntimeError) {
        var actions = Actions()
        var unreadied: ObjectRef<Bool>?
        var revoked: [Lease] = []
        let result: Swift.Result<Void, RuntimeError> = state.withLock { state in
            let removal: PlacementGroupRemoval
            do {
                removal = try state.scheduler.removePlacementGroup(id)
            } catch let error as SchedulingError {
                return .failure(.scheduling(error))
            } catch {
                return .failure(.startFailed("\(error)"))
            }
            unreadied = state.groupReadyRefs.removeValue(forKey: id)
            state.groupRefs[id] = nil
            for killed in removal.killedTasks {
                if let actor = state.actors[killed] { actions.deadActors.append((actor, "its placement group \(id) was removed")) }
            }
            for lease in removal.killedTasks.compactMap({ state.leases[$0] }) {
                revoked.append(lease)
            }
            for task in removal.failedQueuedTasks {
                if let queue = state.pendingRequests.removeValue(forKey: task) {
                    actions.failed.append((queue, .placementGroupRemoved(id)))
                }
            }
            collect(state.scheduler.schedulePending(), into: &actions, state: &state)
            return .success(())
        }
        try result.get()
        for lease in revoked { lease.revoke() }
        if let unreadied {
            try? unreadied.store.fail(
                unreadied, with: TaskUnschedulable(taskName: "placement group \(id)", reason: .placementGroupRemoved(id)))
        }
        perform(actions)
    }

    func placementGroup(named name: String) throws(RuntimeError) -> (PlacementGroupID, ObjectRef<Bool>) {
        let result: Swift.Result<(PlacementGroupID, ObjectRef<Bool>), RuntimeError> = state.withLock { state in
            do {
                let info = try state.scheduler.placementGroup(named: name)
                guard let ref = state.groupRefs[info.id] else { return .failure(.scheduling(.unknownPlacementGroupName(name))) }
                return .success((info.id, ref))
            } catch let error as SchedulingError {
                return .failure(.scheduling(error))
            } catch {
                return .failure(.startFailed("\(error)"))
            }
        }
        return try result.get()
    }
}
