/// Allocating and releasing what running tasks hold, on a node or inside a bundle.
extension ClusterResources {
    /// Allocates `request` for `task` on `node` (from the node's free pool) or, with `bundle`, from
    /// that committed bundle's reservation (`request` then includes the `bundle` token). Returns
    /// what was taken, or nil (changing nothing) when it does not fit now.
    mutating func allocate(
        _ task: TaskID, node: Int, bundle: BundleID?, request: ResourceRequest
    ) -> ResourceAllocation? {
        guard tasks[task] == nil, pools.indices.contains(node) else { return nil }
        let allocation: ResourceAllocation
        if let bundle {
            guard var reservation = bundles[bundle], reservation.committed, reservation.node == node else {
                return nil
            }
            guard let taken = reservation.pool.allocate(request) else {
                return nil
            }
            reservation.tasks.insert(task)
            bundles[bundle] = reservation
            allocation = taken
        } else {
            guard let taken = pools[node].allocate(request) else { return nil }
            allocation = taken
        }
        tasks[task] = TaskHolding(node: node, bundle: bundle, held: allocation, releasedCPU: nil)
        return allocation
    }

    /// Gives back everything `task` holds. Returns false when it held nothing.
    @discardableResult
    mutating func release(_ task: TaskID) -> Bool {
        guard let holding = tasks.removeValue(forKey: task) else { return false }
        give(holding.held, node: holding.node, bundle: holding.bundle)
        if let bundle = holding.bundle { bundles[bundle]?.tasks.remove(task) }
        return true
    }

    /// Gives `task`'s CPUs back to where they came from while it is blocked in get/wait. Returns
    /// the CPUs given back (0 when it holds none), or nil when it is not running or already blocked.
    mutating func releaseCPUForWait(_ task: TaskID) -> FixedPoint? {
        guard var holding = tasks[task], holding.releasedCPU == nil else { return nil }
        let (cpu, rest) = holding.held.split(.cpu)
        give(cpu, node: holding.node, bundle: holding.bundle)
        holding.held = rest
        holding.releasedCPU = cpu
        tasks[task] = holding
        return cpu.amounts.amount(of: .cpu)
    }

    /// Takes back the CPUs `task` gave while blocked, from the same node or bundle, at once:
    /// free CPUs when there are enough (a pinned task may then get other PUs), else its own CPUs
    /// again with the pool overcommitted (its CPU availability below zero until tasks end).
    /// This is Ray's rule (`ReturnCpuResourcesToUnblockedWorker` allows going negative): a task
    /// that waited to resume could be stuck behind work that runs on its own thread, and at most
    /// one task at a time borrows a blocked task's CPUs. Returns what it holds now, or nil when
    /// it is not running or not blocked.
    @discardableResult
    mutating func reacquireCPU(_ task: TaskID) -> ResourceAllocation? {
        guard var holding = tasks[task], let released = holding.releasedCPU else { return nil }
        let request = released.amounts
        let taken: ResourceAllocation
        if let bundle = holding.bundle {
            // A task's holding goes with its bundle (`returnBundle`), so the bundle is there.
            guard var reservation = bundles[bundle] else { return nil }
            taken = reservation.pool.allocate(request) ?? reservation.pool.overcommit(released)
            bundles[bundle] = reservation
        } else {
            taken = pools[holding.node].allocate(request) ?? pools[holding.node].overcommit(released)
        }
        holding.held = holding.held.merged(with: taken)
        holding.releasedCPU = nil
        tasks[task] = holding
        return holding.held
    }

    /// Whether `task` is blocked in get/wait (its CPUs given back).
    func isBlocked(_ task: TaskID) -> Bool { tasks[task]?.releasedCPU != nil }

    /// The bundle `task` runs in.
    func bundle(of task: TaskID) -> BundleID? { tasks[task]?.bundle }

    private mutating func give(_ allocation: ResourceAllocation, node: Int, bundle: BundleID?) {
        if let bundle {
            bundles[bundle]?.pool.free(allocation)
        } else {
            pools[node].free(allocation)
        }
    }
}
