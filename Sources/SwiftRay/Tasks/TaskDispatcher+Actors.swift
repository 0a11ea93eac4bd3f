/// Actors on the dispatcher: placement through the scheduler (an actor is a task that holds its
/// resources for life), and giving them back when it dies.
extension TaskDispatcher {
    /// Asks the scheduler to place `actor`; it is created at once when placed, else when a later
    /// pass places it; it dies when it can never be placed.
    func placeActor(_ actor: ActorCore) {
        enum Outcome { case placed(TaskPlacement), waiting, failed(String) }
        let outcome: Outcome = state.withLock { state in
            if state.closed { return .failed("the runtime is shut down") }
            do {
                switch try state.scheduler.submit(actor.id, actor.request) {
                case let .scheduled(placement):
                    state.actors[actor.id] = actor
                    return .placed(placement)
                case .waiting, .infeasible:
                    state.pendingActors[actor.id] = actor
                    return .waiting
                case let .unschedulable(error):
                    return .failed("it cannot be placed: \(error)")
                }
            } catch {
                return .failed("it cannot be placed: \(error)")
            }
        }
        switch outcome {
        case let .placed(placement): actor.placed(placement)
        case .waiting: break
        case let .failed(reason): actor.die(reason: reason, restartable: false)
        }
    }

    /// The actor died: what it holds goes back, and waiting work may run.
    func releaseActor(_ actor: ActorCore) {
        var actions = Actions()
        state.withLock { state in
            state.actors[actor.id] = nil
            if state.pendingActors.removeValue(forKey: actor.id) != nil {
                state.scheduler.cancel(actor.id)
            } else {
                state.scheduler.release(actor.id)
            }
            collect(state.scheduler.schedulePending(), into: &actions, state: &state)
        }
        perform(actions)
    }
}
