/// The machine as swift-ray sees it: its compute domains (one logical Ray node each), the GPUs
/// attached to them, and the NUMA distances between them.
///
/// A plain value, built once by ``Topology/load(_:)`` from the running machine, an hwloc XML export
/// or an hwloc synthetic description; thread-safe as any immutable value. A topology that is not the
/// running machine is *virtual*: its domains are mapped onto the real PUs (``ComputeDomain/hostPUs``)
/// and thread binding is skipped.
public struct Topology: Sendable, Hashable {
    /// Where the description came from.
    public var source: TopologySource
    /// The compute domains, `id` 0..<count, ordered by their lowest CPU-bearing NUMA node's OS index.
    public var domains: [ComputeDomain]
    /// `distances[a][b]`: hwloc's NUMA latency between domain a's and domain b's local memory
    /// (10 = local by the ACPI SLIT convention), or nil when hwloc has no distance matrix.
    public var distances: [[Int]]?

    public init(source: TopologySource, domains: [ComputeDomain], distances: [[Int]]?) {
        self.source = source
        self.domains = domains
        self.distances = distances
    }

    /// Whether this describes another machine than the one running (an XML file or synthetic text).
    public var isVirtual: Bool { source.isVirtual }

    /// Every GPU of the machine, in machine-wide index order (PCI bus order).
    public var gpus: [GPU] { domains.flatMap(\.gpus).sorted { $0.index < $1.index } }

    /// Every PU of every domain.
    public var allPUs: CPUSet { domains.reduce(CPUSet()) { $0.union($1.pus) } }

    /// The domain with this id, or a typed error naming the id.
    public func domain(_ id: Int) throws(TopologyError) -> ComputeDomain {
        guard domains.indices.contains(id) else {
            throw .unknownDomain(id: id, domainCount: domains.count)
        }
        return domains[id]
    }

    /// The domain whose memory includes the NUMA node with this OS index, if any.
    public func domainID(ofNUMANode osIndex: Int) -> Int? {
        domains.first { $0.numaOSIndexes.contains(osIndex) }?.id
    }

    /// Domain ids other than `id`, nearest first (by ``distances``; by id where there is no
    /// matrix or on ties). The order in which a worker of `id` looks for work elsewhere.
    public func domainsByDistance(from id: Int) -> [Int] {
        let others = domains.indices.filter { $0 != id }
        guard let distances, distances.indices.contains(id) else { return others }
        return others.sorted { (distances[id][$0], $0) < (distances[id][$1], $1) }
    }
}

/// One compute domain: the PUs that share one local memory, and that memory. swift-ray runs one
/// logical Ray node per domain. Never without PUs.
///
/// A plain value; thread-safe.
public struct ComputeDomain: Sendable, Hashable, Identifiable {
    /// 0..<domain count, the Ray node index of this domain.
    public var id: Int
    /// The PUs (OS indexes) of the domain that this process may use.
    public var pus: CPUSet
    /// PUs that no allowed NUMA node is local to (their own node is outside this process's
    /// cpuset), lent to this domain so that no allowed PU goes unused. A subset of ``pus``.
    public var borrowedPUs: CPUSet
    /// The physical cores ``pus`` belong to (a PU without a core counts as one).
    public var cores: Int
    /// OS indexes of the packages (sockets) that ``pus`` belong to.
    public var packages: [Int]
    /// The memory local to the domain: its CPU-bearing NUMA node(s) first, then memory-only tiers
    /// (MCDRAM, HBM, CXL) that share its CPUs or have no CPUs and are nearest to it.
    public var memoryTiers: [MemoryTier]
    /// The GPUs attached to the domain.
    public var gpus: [GPU]
    /// The real PUs this domain's workers run on: ``pus`` on the running machine; for a virtual
    /// topology the running machine's allowed PUs dealt round robin across the virtual PUs.
    public var hostPUs: CPUSet

    public init(
        id: Int, pus: CPUSet, borrowedPUs: CPUSet = [], cores: Int, packages: [Int],
        memoryTiers: [MemoryTier], gpus: [GPU], hostPUs: CPUSet
    ) {
        self.id = id
        self.pus = pus
        self.borrowedPUs = borrowedPUs
        self.cores = cores
        self.packages = packages
        self.memoryTiers = memoryTiers
        self.gpus = gpus
        self.hostPUs = hostPUs
    }

    /// OS indexes of the NUMA nodes whose memory belongs to this domain, primary node first.
    public var numaOSIndexes: [Int] { memoryTiers.map(\.numaOSIndex) }

    /// The NUMA node that memory for this domain is allocated on: its first CPU-local node, or
    /// nil when the machine reports no NUMA node at all.
    public var primaryNUMANode: Int? { memoryTiers.first?.numaOSIndex }

    /// Bytes of memory over all tiers.
    public var memoryBytes: UInt64 { memoryTiers.reduce(0) { $0 + $1.bytes } }
}

/// One NUMA node's memory, as a tier of a compute domain. A plain value; thread-safe.
public struct MemoryTier: Sendable, Hashable, Codable {
    /// The NUMA node's OS index (what `numactl --membind` takes).
    public var numaOSIndex: Int
    /// Its local memory in bytes.
    public var bytes: UInt64
    /// hwloc's subtype for special memory ("MCDRAM", "HBM", "NVM", "SPM", "GPUMemory"...), nil for
    /// ordinary DRAM.
    public var kind: String?
    /// Whether some of the domain's PUs are local to this node (false for a memory-only node).
    public var hasCPUs: Bool

    public init(numaOSIndex: Int, bytes: UInt64, kind: String?, hasCPUs: Bool) {
        self.numaOSIndex = numaOSIndex
        self.bytes = bytes
        self.kind = kind
        self.hasCPUs = hasCPUs
    }
}

/// One GPU (or co-processor): one PCI device, however many OS devices drivers expose for it.
/// A plain value; thread-safe.
public struct GPU: Sendable, Hashable {
    /// 0..<n across the machine in PCI bus order: the id a task sees among its GPU ids.
    public var index: Int
    /// `dddd:bb:dd.f`, lowercase hex, as `lspci -D` and `nvidia-smi` print it.
    public var pciBusID: String
    public var vendorID: UInt16
    public var deviceID: UInt16
    /// The PCI class (0x0302 3D controller, 0x0300 VGA, 0x1200 accelerator...).
    public var pciClass: UInt16
    /// Model name when hwloc knows it.
    public var name: String?
    /// The OS devices found on it (`cuda0`, `nvml0`, `rsmi0`, `card1`...).
    public var osDevices: [String]
    /// The compute domain it is attached to.
    public var domainID: Int

    public init(
        index: Int, pciBusID: String, vendorID: UInt16, deviceID: UInt16, pciClass: UInt16,
        name: String?, osDevices: [String], domainID: Int
    ) {
        self.index = index
        self.pciBusID = pciBusID
        self.vendorID = vendorID
        self.deviceID = deviceID
        self.pciClass = pciClass
        self.name = name
        self.osDevices = osDevices
        self.domainID = domainID
    }
}
