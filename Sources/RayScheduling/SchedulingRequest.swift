/// Everything the scheduler needs to place one task or actor: the resources it holds while it
/// runs, the resources that must be free to place it, and its strategy. Requests that are equal
/// form one *scheduling class* and share one queue. A plain value; thread-safe.
public struct SchedulingRequest: Sendable, Hashable {
    /// What the task holds while it runs (an actor with default resources holds nothing).
    public let resources: ResourceRequest
    /// What must be free on a node to place it (Ray's placement resources: an actor with default
    /// resources needs 1 CPU free to be placed). Equal to ``resources`` unless given.
    public let placementResources: ResourceRequest
    /// Where it may run.
    public let strategy: SchedulingStrategy
    /// Whether this places an actor (a zero-resource actor with DEFAULT strategy goes to a random
    /// node, so such actors spread).
    public let isActorCreation: Bool
    /// Whether the CPUs it holds are exclusive cores: as many `exclusive_CPU` instances (named
    /// PUs of the node, see ``ResourceID/exclusiveCPU``) as whole CPUs, on top of the CPUs.
    public let exclusiveCPUs: Bool
    /// ``resources`` plus the `bundle` token, what a task takes inside a bundle.
    let resourcesInBundle: ResourceRequest
    /// ``placementResources`` plus the `bundle` token.
    let placementInBundle: ResourceRequest

    /// A request holding `resources` while it runs and needing `placementResources` (default:
    /// the same) free to be placed, with `strategy`. Intern shapes with
    /// ``ClusterScheduler/resourceRequest(for:)``.
    ///
    /// With `exclusiveCPUs` the request also takes one `exclusive_CPU` instance per whole CPU
    /// it holds: only nodes with that many PUs to lend can place it (others are infeasible),
    /// and while it holds them no other exclusive request gets those PUs. (A fractional CPU
    /// part is held as a plain CPU share.)
    public init(
        resources: ResourceRequest, placementResources: ResourceRequest? = nil,
        strategy: SchedulingStrategy = .default, isActorCreation: Bool = false, exclusiveCPUs: Bool = false
    ) {
        var resources = resources
        var placementResources = placementResources ?? resources
        let cores = FixedPoint(rawValue: resources.amount(of: .cpu).wholeUnits * FixedPoint.scale)
        if exclusiveCPUs, cores != .zero {
            resources = resources.adding(.exclusiveCPU, cores)
            placementResources = placementResources.adding(.exclusiveCPU, cores)
        }
        self.resources = resources
        self.placementResources = placementResources
        self.strategy = strategy
        self.isActorCreation = isActorCreation
        self.exclusiveCPUs = exclusiveCPUs
        if case .placementGroup = strategy {
            resourcesInBundle = resources.adding(.bundle, .bundleTokenPerTask)
            placementInBundle = placementResources.adding(.bundle, .bundleTokenPerTask)
        } else {
            resourcesInBundle = resources
            placementInBundle = self.placementResources
        }
    }

    /// Whether the request can be placed in `pool` now.
    func isAvailable(in pool: ResourcePool) -> Bool {
        pool.canAllocate(placementResources)
            && (placementResources == resources || pool.canAllocate(resources))
    }

    /// Whether `pool` could ever fit the request.
    func isFeasible(in pool: ResourcePool) -> Bool {
        pool.isFeasible(placementResources)
            && (placementResources == resources || pool.isFeasible(resources))
    }

    /// Whether the request can be placed in a bundle's `pool` now (with its token).
    func isAvailable(inBundle pool: ResourcePool) -> Bool {
        pool.canAllocate(placementInBundle) && (placementInBundle == resourcesInBundle || pool.canAllocate(resourcesInBundle))
    }

    /// Whether a bundle's `pool` could ever fit the request.
    func isFeasible(inBundle pool: ResourcePool) -> Bool {
        pool.isFeasible(placementInBundle) && (placementInBundle == resourcesInBundle || pool.isFeasible(resourcesInBundle))
    }

    /// Whether the request asks for a GPU.
    var requestsGPU: Bool { resources.requestsGPU || placementResources.requestsGPU }
}

/// What the caller knows about where a task would best run: the node it is called from and how
/// many bytes of its ObjectRef arguments each node holds. Used by DEFAULT only (explicit
/// strategies take precedence; the runtime passes none for actors). A plain value; thread-safe.
public struct SchedulingHints: Sendable, Hashable {
    /// The node of the worker that submits the task (nil for the driver).
    public var callerNode: Int?
    /// Bytes of the task's arguments held by each node.
    public var argumentBytesByNode: [Int: UInt64]

    /// Hints from the caller's node and the argument bytes per node (both optional).
    public init(callerNode: Int? = nil, argumentBytesByNode: [Int: UInt64] = [:]) {
        self.callerNode = callerNode
        self.argumentBytesByNode = argumentBytesByNode
    }

    /// The node DEFAULT prefers: the one holding the most argument bytes (ties: the lowest id),
    /// else the caller's node.
    public var preferredNode: Int? {
        var best: (node: Int, bytes: UInt64)?
        for (node, bytes) in argumentBytesByNode where bytes > 0 {
            if let current = best, current.bytes > bytes || (current.bytes == bytes && current.node < node) { continue }
            best = (node, bytes)
        }
        return best?.node ?? callerNode
    }
}
