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
        if holding.claimsCPU, let cpu = holding.releasedCPU { adjustClaim(by: .zero - cpu, of: holding) }
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
        holding.releasedCPU = cpu.amounts.amount(of: .cpu)
        tasks[task] = holding
        return holding.releasedCPU
    }

    /// Takes back the CPUs `task` gave while blocked, from the same node or bundle. Returns the new
    /// allocation, or nil when they are not free now: the task stays blocked and, with
    /// `claimIfBusy`, claims them, so that new work does not take them first.
    mutating func reacquireCPU(_ task: TaskID, claimIfBusy: Bool) -> ResourceAllocation? {
        guard var holding = tasks[task], let cpu = holding.releasedCPU else { return nil }
        if holding.claimsCPU { adjustClaim(by: .zero - cpu, of: holding) }
        let request = ResourceRequest(cpu: cpu)
        let taken: ResourceAllocation?
        if let bundle = holding.bundle {
            taken = bundles[bundle]?.pool.allocate(request)
        } else {
            taken = pools[holding.node].allocate(request)
        }
        guard let taken else {
            holding.claimsCPU = holding.claimsCPU || claimIfBusy
            if holding.claimsCPU { adjustClaim(by: cpu, of: holding) }
            tasks[task] = holding
            return nil
        }
        holding.held = holding.held.merged(with: taken)
        holding.releasedCPU = nil
        holding.claimsCPU = false
        tasks[task] = holding
        return holding.held
    }

    /// Changes the CPU claim on the pool `holding` allocates from.
    private mutating func adjustClaim(by amount: FixedPoint, of holding: TaskHolding) {
        if let bundle = holding.bundle {
            bundles[bundle]?.pool.claimedCPU += amount
        } else {
            pools[holding.node].claimedCPU += amount
        }
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
