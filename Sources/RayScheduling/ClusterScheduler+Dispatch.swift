/// Retrying queued work when resources free up, and tasks blocked in get/wait.
extension ClusterScheduler {
    /// Places what can be placed now, in this order: pending placement groups (creation order),
    /// then each scheduling class's queue (the order classes started waiting; within a class,
    /// submission order). A class whose head cannot run is left for later without blocking other
    /// classes; classes and groups are retried only when something was freed since their last
    /// attempt, infeasible classes only when nodes were added. Call it after ``release(_:)``,
    /// ``removePlacementGroup(_:)``, ``releaseForBlockedWait(_:)`` or ``addNode(_:)``.
    public mutating func schedulePending() -> SchedulingUpdate {
        defer { checkBooksIfAsked(after: "schedulePending") }
        var update = SchedulingUpdate()
        placePendingGroups(into: &update)
        dispatchQueues(into: &update)
        return update
    }

    /// A task blocked in `get`/`wait` gives its CPUs back to where they came from (its node or
    /// bundle) so that the tasks it waits for can run. Returns the CPUs given back (0 when it was
    /// already blocked or holds none). Throws ``SchedulingError/unknownTask(_:)`` when it is not
    /// running.
    @discardableResult
    public mutating func releaseForBlockedWait(_ task: TaskID) throws(SchedulingError) -> FixedPoint {
        defer { checkBooksIfAsked(after: "releaseForBlockedWait") }
        guard resources.tasks[task] != nil else { throw .unknownTask(task) }
        guard let cpus = resources.releaseCPUForWait(task) else { return .zero }
        if cpus != .zero { freeEpoch += 1 }
        return cpus
    }

    /// A blocked task takes its CPUs back and resumes at once, as in Ray: free CPUs of its node or
    /// bundle when there are enough (a pinned task may get other PUs), else its own, leaving the
    /// pool overcommitted (CPU availability below zero) until enough tasks end; no new work
    /// starts there meanwhile. Never waiting is what keeps nested work from deadlocking: a
    /// resumed task that had to wait for CPUs could be stuck behind work running on its own
    /// thread while holding what that work waits for. Returns where the task runs and what it
    /// holds (a no-op when it is not blocked). Throws ``SchedulingError/unknownTask(_:)`` when it
    /// is not running.
    public mutating func reacquireAfterWait(_ task: TaskID) throws(SchedulingError) -> TaskPlacement {
        defer { checkBooksIfAsked(after: "reacquireAfterWait") }
        guard resources.tasks[task] != nil else { throw .unknownTask(task) }
        resources.reacquireCPU(task)
        guard let placement = placement(of: task) else { throw .unknownTask(task) }
        return placement
    }

    private mutating func placePendingGroups(into update: inout SchedulingUpdate) {
        guard !groups.pending.isEmpty else { return }
        for id in groups.pending where groups[id]?.lastAttemptEpoch != freeEpoch {
            if tryToPlace(id) { update.createdPlacementGroups.append(id) }
        }
    }

    private mutating func dispatchQueues(into update: inout SchedulingUpdate) {
        guard queues.count > 0 else { return }
        for slot in queues.order {
            guard let queue = queues[slot] else { continue }
            if queue.isInfeasible {
                guard queue.infeasibleAtEpoch != totalsEpoch else { continue }
            } else if queue.blockedAtEpoch == freeEpoch {
                continue
            }
            let request = queue.request
            while let head = queues[slot]?.tasks.first {
                let selection = choose(request, hints: head.hints)
                switch selection {
                case let .available(node, bundleIndex):
                    if let placement = place(head.id, request, node: node, bundleIndex: bundleIndex) {
                        _ = queues.popFirst(slot)
                        update.scheduled.append(placement)
                        continue
                    }
                    block(slot, .busy(node: node))
                case let .busy(node):
                    block(slot, .busy(node: node))
                case let .placementGroupPending(group):
                    block(slot, .placementGroupPending(group))
                case .infeasible:
                    queues[slot]?.isInfeasible = true
                    queues[slot]?.infeasibleAtEpoch = totalsEpoch
                case let .unschedulable(error):
                    _ = queues.popFirst(slot)
                    update.failed.append(FailedTask(task: head.id, error: error))
                    continue
                }
                break
            }
        }
    }

    private mutating func block(_ slot: Int, _ reason: WaitReason) {
        queues[slot]?.isInfeasible = false
        queues[slot]?.waitReason = reason
        queues[slot]?.blockedAtEpoch = freeEpoch
    }
}
