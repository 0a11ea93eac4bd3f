import CHwloc
import Foundation

extension Topology {
    /// Loads the topology that `SWIFTRAY_TOPOLOGY` names, or the running machine's.
    public static func load() throws(TopologyError) -> Topology {
        try load(try TopologySource.fromEnvironment())
    }

    /// Loads the topology of `source`.
    ///
    /// Compute domains are the distinct CPU sets that NUMA nodes are local to (smallest sets win
    /// when one contains another). NUMA nodes that share a domain's CPUs, or have no CPUs at all,
    /// become further memory tiers of it (the nearest domain by NUMA distance, else by the hwloc
    /// tree). Allowed PUs that no allowed NUMA node is local to are lent to the nearest domain.
    /// A machine without any NUMA node gives one domain with every allowed PU.
    public static func load(_ source: TopologySource) throws(TopologyError) -> Topology {
        let hwloc = try HwlocTopology(source)
        var builder = DomainBuilder(hwloc)
        builder.formDomains()
        builder.attachMemoryOnlyNodes()
        builder.lendOrphanPUs()
        var domains = builder.domains()
        let gpus = GPUDiscovery.gpus(in: hwloc, domainPUs: domains.map(\.pus))
        for gpu in gpus { domains[gpu.domainID].gpus.append(gpu) }
        if source.isVirtual {
            mapOntoHost(&domains, hostPUs: CPUSet(HwlocTopology.loadedHostPUs()))
        } else {
            attributeUnplacedMemory(&domains, machineBytes: ProcessInfo.processInfo.physicalMemory)
        }
        return Topology(
            source: source, domains: domains, distances: builder.domainDistances())
    }

    /// On a machine with one domain and one ordinary NUMA node, all of the machine's memory is
    /// that node's: where the kernel's own count for the node is smaller than the machine's
    /// (virtual machines whose hot-plugged memory no node's `meminfo` counts: 6.9 of 24.7 GB on
    /// one), the node's bytes become the machine's, so the domain's `memory` and
    /// `object_store_memory` defaults are taken from the memory the process can use. With
    /// several domains, or memory tiers of other kinds, which node holds the rest is unknown
    /// and hwloc's figures stand. A gap under 1% (firmware reservations) is left as it is.
    static func attributeUnplacedMemory(_ domains: inout [ComputeDomain], machineBytes: UInt64) {
        guard domains.count == 1, domains[0].memoryTiers.count == 1, domains[0].memoryTiers[0].kind == nil else {
            return
        }
        let counted = domains[0].memoryTiers[0].bytes
        guard machineBytes > counted, machineBytes - counted > machineBytes / 100 else { return }
        domains[0].memoryTiers[0].bytes = machineBytes
    }

    /// For a virtual topology, deals the running machine's allowed PUs round robin over the
    /// virtual PUs, domain by domain. On the running machine every domain runs on its own PUs.
    private static func mapOntoHost(_ domains: inout [ComputeDomain], hostPUs: CPUSet) {
        guard !hostPUs.isEmpty else { return }
        var next = 0
        for id in domains.indices {
            var mapped: [Int] = []
            for _ in domains[id].pus {
                mapped.append(hostPUs[next % hostPUs.count])
                next += 1
            }
            domains[id].hostPUs = CPUSet(mapped)
        }
    }
}

extension HwlocTopology {
    /// The running machine's allowed PUs (empty if it cannot be read).
    static func loadedHostPUs() -> [Int] {
        guard case .success(let host) = host else { return [] }
        return host.objects(of: HWLOC_OBJ_PU).map(\.osIndex)
    }
}

/// Turns a loaded hwloc tree into compute domains; internal, used once per ``Topology/load(_:)``.
struct DomainBuilder {
    struct Candidate {
        var nodes: [hwloc_obj_t]
        var memoryOnly: [hwloc_obj_t] = []
        var pus: CPUSet
        var borrowed: CPUSet = []
    }

    let hwloc: HwlocTopology
    let allowedPUs: [hwloc_obj_t]
    let numaNodes: [hwloc_obj_t]
    private(set) var candidates: [Candidate] = []
    private var unattachedNodes: [hwloc_obj_t] = []
    private let distanceMatrix: NUMADistances?

    init(_ hwloc: HwlocTopology) {
        self.hwloc = hwloc
        allowedPUs = hwloc.objects(of: HWLOC_OBJ_PU)
        numaNodes = hwloc.objects(of: HWLOC_OBJ_NUMANODE)
        distanceMatrix = NUMADistances(hwloc)
    }

    /// Groups CPU-bearing NUMA nodes by their (allowed) CPU set.
    mutating func formDomains() {
        let allowed = CPUSet(allowedPUs.map(\.osIndex))
        var groups: [CPUSet: [hwloc_obj_t]] = [:]
        for node in numaNodes {
            let cpus = CPUSet(node.cpus).intersection(allowed)
            if cpus.isEmpty { unattachedNodes.append(node) } else { groups[cpus, default: []].append(node) }
        }
        // A node local to the union of other domains (a package-wide CXL node over sub-NUMA
        // clusters) is memory of those domains, not a domain of its own.
        let sets = Array(groups.keys)
        for set in sets where sets.contains(where: { $0 != set && $0.isSubset(of: set) }) {
            unattachedNodes.append(contentsOf: groups.removeValue(forKey: set) ?? [])
        }
        candidates = groups.map { Candidate(nodes: $0.value.sorted { $0.osIndex < $1.osIndex }, pus: $0.key) }
        candidates.sort { $0.nodes[0].osIndex < $1.nodes[0].osIndex }
        // Partial overlaps (no hwloc export seen has them): a PU belongs to the first domain.
        var taken = CPUSet()
        for index in candidates.indices {
            candidates[index].pus = candidates[index].pus.subtracting(taken)
            taken = taken.union(candidates[index].pus)
        }
        candidates.removeAll { $0.pus.isEmpty }
        if candidates.isEmpty {
            candidates = [Candidate(nodes: [], pus: allowed)]
            unattachedNodes = numaNodes
        }
        unattachedNodes.sort { $0.osIndex < $1.osIndex }
    }

    /// Makes every NUMA node that is not a domain's own a memory tier of the nearest domain.
    mutating func attachMemoryOnlyNodes() {
        for node in unattachedNodes {
            let target = nearestCandidate(to: node)
            if candidates[target].nodes.isEmpty {
                candidates[target].nodes.append(node)
            } else {
                candidates[target].memoryOnly.append(node)
            }
        }
        unattachedNodes = []
    }

    /// Lends PUs that no allowed NUMA node is local to, one package (or core) at a time, to the
    /// nearest domain in the tree; ties go to the domain with the fewest PUs, then the lowest id.
    mutating func lendOrphanPUs() {
        let placed = candidates.reduce(CPUSet()) { $0.union($1.pus) }
        let orphans = allowedPUs.filter { !placed.contains(pu: $0.osIndex) }
        var groups: [(key: UnsafeMutableRawPointer, pus: [hwloc_obj_t])] = []
        for pu in orphans {
            let owner = pu.ancestor(ofType: HWLOC_OBJ_PACKAGE) ?? pu.ancestor(ofType: HWLOC_OBJ_CORE) ?? pu
            let key = UnsafeMutableRawPointer(owner)
            if let index = groups.firstIndex(where: { $0.key == key }) {
                groups[index].pus.append(pu)
            } else {
                groups.append((key, [pu]))
            }
        }
        for group in groups {
            let depths = candidates.map { candidate in
                candidate.nodes.map { group.pus[0].sharedDepth(with: $0) }.max() ?? 0
            }
            let best = candidates.indices.min {
                (-depths[$0], candidates[$0].pus.count, $0) < (-depths[$1], candidates[$1].pus.count, $1)
            } ?? 0
            let lent = CPUSet(group.pus.map(\.osIndex))
            candidates[best].pus = candidates[best].pus.union(lent)
            candidates[best].borrowed = candidates[best].borrowed.union(lent)
        }
    }

    /// The finished domains, without GPUs and with `hostPUs` equal to `pus`.
    func domains() -> [ComputeDomain] {
        candidates.enumerated().map { id, candidate in
            var cores = Set<UnsafeMutableRawPointer>()
            var packages = Set<Int>()
            for pu in allowedPUs where candidate.pus.contains(pu: pu.osIndex) {
                cores.insert(UnsafeMutableRawPointer(pu.ancestor(ofType: HWLOC_OBJ_CORE) ?? pu))
                if let package = pu.ancestor(ofType: HWLOC_OBJ_PACKAGE) {
                    packages.insert(package.osIndex)
                }
            }
            let tiers = (candidate.nodes + candidate.memoryOnly).map(tier)
            return ComputeDomain(
                id: id, pus: candidate.pus, borrowedPUs: candidate.borrowed, cores: cores.count,
                packages: packages.sorted(), memoryTiers: tiers.isEmpty ? machineMemoryTier() : tiers,
                gpus: [], hostPUs: candidate.pus)
        }
    }

    /// Domain-to-domain distances between each domain's primary NUMA node, if hwloc has a matrix
    /// covering all of them.
    func domainDistances() -> [[Int]]? {
        guard let matrix = distanceMatrix else { return nil }
        let primaries = candidates.map { $0.nodes.first }
        var result: [[Int]] = []
        for a in primaries {
            var row: [Int] = []
            for b in primaries {
                guard let a, let b, let value = matrix.distance(a, b) else { return nil }
                row.append(value)
            }
            result.append(row)
        }
        return result
    }

    private func tier(_ node: hwloc_obj_t) -> MemoryTier {
        MemoryTier(
            numaOSIndex: node.osIndex, bytes: node.pointee.attr.pointee.numanode.local_memory,
            kind: node.subtype, hasCPUs: !node.cpus.isEmpty)
    }

    /// Without NUMA nodes, the machine's memory as one tier of node 0.
    private func machineMemoryTier() -> [MemoryTier] {
        let total = hwloc.root.pointee.total_memory
        return total > 0 ? [MemoryTier(numaOSIndex: 0, bytes: total, kind: nil, hasCPUs: true)] : []
    }

    /// The candidate nearest to a NUMA node: the least NUMA distance to one of its nodes where
    /// hwloc has a matrix, else the deepest shared ancestor; ties to the lowest id.
    private func nearestCandidate(to node: hwloc_obj_t) -> Int {
        func key(_ index: Int) -> (Int, Int, Int) {
            let own = candidates[index].nodes
            let distance = own.compactMap { distanceMatrix?.distance(node, $0) }.min() ?? Int.max
            let depth = own.map { node.sharedDepth(with: $0) }.max() ?? 0
            return (distance, -depth, index)
        }
        return candidates.indices.min { key($0) < key($1) } ?? 0
    }
}
