/// The options of ``RayRuntime/init(_:)``, as `ray.init(...)` takes them: the machine, each
/// domain's CPUs, GPUs and custom resources, and the object store's capacity. Every domain is a
/// node, so per-node quantities apply to each domain; `perDomain` changes single domains.
/// A plain value; thread-safe.
public struct RuntimeOptions: Sendable {
    /// The machine to run on; nil: the one `SWIFTRAY_TOPOLOGY` names, else the running machine.
    public var topology: Topology?
    /// `CPU` of each domain (Ray's `num_cpus`); nil: its allowed PUs. Each domain gets
    /// `max(1, ceil(numCPUs))` workers then, so that many 1-CPU tasks can run at once.
    public var numCPUs: Double?
    /// `GPU` of each domain (Ray's `num_gpus`); nil: the GPUs hwloc found there. Fewer keep the
    /// domain's first GPUs; more add GPU ids past the machine's.
    public var numGPUs: Int?
    /// Custom resources each domain declares (Ray's `resources={...}`).
    public var resources: [String: Double]
    /// Per-domain changes, applied after the options above.
    public var perDomain: [Int: NodeOverrides]
    /// Bytes the object store holds; nil: 30% of the machine's memory.
    public var objectStoreMemory: Int?
    /// Seconds a put waits for room in a full store before it throws ``ObjectStoreFull``.
    public var objectStoreFullGracePeriod: Double
    /// Workers per domain; nil: as `numCPUs` says, else one per allowed PU.
    public var workersPerDomain: Int?
    /// Whether workers are bound to their domain's CPUs (virtual topologies never bind).
    public var bindWorkers: Bool
    /// Seeds the scheduler's random choices (DEFAULT's top-k draw), for reproducible placement.
    public var schedulerSeed: UInt64
    /// Whether tasks and actor calls record events for the state API and the timeline (a
    /// function can opt out with `TaskOptions.enableTaskEvents`).
    public var recordTaskEvents: Bool = true
    /// How many recent events are kept (older ones are overwritten).
    public var taskEventCapacity: Int = 1 << 18
    /// Seconds between samples published through swift-metrics; nil: no metrics (nothing runs).
    public var metricsInterval: Double? = nil

    /// Options with Ray's defaults unless given.
    public init(
        topology: Topology? = nil, numCPUs: Double? = nil, numGPUs: Int? = nil, resources: [String: Double] = [:],
        perDomain: [Int: NodeOverrides] = [:], objectStoreMemory: Int? = nil, objectStoreFullGracePeriod: Double = 1,
        workersPerDomain: Int? = nil, bindWorkers: Bool = true, schedulerSeed: UInt64 = 0x5EED
    ) {
        self.topology = topology
        self.numCPUs = numCPUs
        self.numGPUs = numGPUs
        self.resources = resources
        self.perDomain = perDomain
        self.objectStoreMemory = objectStoreMemory
        self.objectStoreFullGracePeriod = objectStoreFullGracePeriod
        self.workersPerDomain = workersPerDomain
        self.bindWorkers = bindWorkers
        self.schedulerSeed = schedulerSeed
    }

    /// The overrides for every domain, from `numCPUs`, `numGPUs` and `resources`.
    func allDomainOverrides() -> NodeOverrides {
        NodeOverrides(cpus: numCPUs, customResources: resources)
    }

    /// Per-domain overrides: `numGPUs` per domain, then `perDomain`.
    func domainOverrides(for topology: Topology) -> [Int: NodeOverrides] {
        var result = perDomain
        guard let numGPUs else { return result }
        var nextExtraID = (topology.gpus.map(\.index).max() ?? -1) + 1
        for domain in topology.domains {
            var ids = Array(domain.gpus.map(\.index).prefix(max(0, numGPUs)))
            while ids.count < numGPUs {
                ids.append(nextExtraID)
                nextExtraID += 1
            }
            var overrides = result[domain.id] ?? NodeOverrides()
            if overrides.gpuIDs == nil { overrides.gpuIDs = ids }
            result[domain.id] = overrides
        }
        return result
    }

    /// Checks what the scheduler does not: counts and durations.
    func validate() throws(RuntimeError) {
        if let numGPUs, numGPUs < 0 {
            throw .invalidOption(name: "numGPUs", value: "\(numGPUs)", reason: "must be >= 0")
        }
        if let workersPerDomain, workersPerDomain < 1 {
            throw .invalidOption(name: "workersPerDomain", value: "\(workersPerDomain)", reason: "must be >= 1")
        }
        if let objectStoreMemory, objectStoreMemory < 1 {
            throw .invalidOption(name: "objectStoreMemory", value: "\(objectStoreMemory)", reason: "must be >= 1 byte")
        }
        if let metricsInterval, !(metricsInterval > 0) {
            throw .invalidOption(name: "metricsInterval", value: "\(metricsInterval)", reason: "must be > 0 seconds")
        }
        if taskEventCapacity < 1 {
            throw .invalidOption(name: "taskEventCapacity", value: "\(taskEventCapacity)", reason: "must be >= 1")
        }
        if objectStoreFullGracePeriod.isNaN || objectStoreFullGracePeriod < 0 {
            throw .invalidOption(
                name: "objectStoreFullGracePeriod", value: "\(objectStoreFullGracePeriod)", reason: "must be >= 0 seconds")
        }
    }
}
