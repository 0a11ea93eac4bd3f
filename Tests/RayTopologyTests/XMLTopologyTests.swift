import Foundation
import Testing

@testable import RayTopology

@Suite("Topology from hwloc XML exports of real machines")
struct XMLTopologyTests {
    @Test("domains, PUs per domain and cores equal hwloc-calc's", arguments: Fixtures.names)
    func matchesHwlocCalc(name: String) throws {
        let path = try Fixtures.path(name)
        let topology = try Topology.load(.xml(path: path))
        let expected = try HwlocCalc.domains(xml: path)
        // Each domain's own PUs (without PUs lent to it) are one NUMA node's PUs per hwloc-calc.
        let actual = topology.domains
            .map { (pus: $0.pus.subtracting($0.borrowedPUs).indexes, domain: $0) }
            .sorted { $0.pus.lexicographicallyPrecedes($1.pus) }
        #expect(actual.map(\.pus) == expected.map(\.pus))
        for (mine, theirs) in zip(actual, expected) where mine.domain.borrowedPUs.isEmpty {
            #expect(mine.domain.cores == theirs.cores, "domain \(mine.domain.id)")
        }
        #expect(topology.allPUs.indexes == (try HwlocCalc.indexes(xml: path, ["-I", "pu", "--po", "all"])))
        #expect(topology.domains.map(\.cores).reduce(0, +) == Int(try HwlocCalc.run(xml: path, ["-N", "core", "all"])))
        #expect(topology.source == .xml(path: path))
        #expect(topology.isVirtual)
        #expect(topology.domains.allSatisfy { !$0.pus.isEmpty })
        #expect(topology.domains.map(\.id) == Array(topology.domains.indices))
    }

    @Test("the PCI machine's GPUs are exactly its three NVIDIA 3D controllers, on their domains")
    func gpusOfThePCIMachine() throws {
        let topology = try Topology.load(.xml(path: try Fixtures.path("24em64t-2n6c2t-pci")))
        #expect(topology.domains.count == 2)
        let gpus = topology.gpus
        #expect(gpus.map(\.pciBusID) == ["0000:06:00.0", "0000:11:00.0", "0000:14:00.0"])
        #expect(gpus.map(\.index) == [0, 1, 2])
        #expect(gpus.allSatisfy { $0.vendorID == 0x10de && $0.deviceID == 0x06d2 && $0.pciClass == 0x0302 })
        #expect(gpus.map(\.domainID) == [0, 1, 1])
        #expect(topology.domains[0].gpus.map(\.index) == [0])
        #expect(topology.domains[1].gpus.map(\.index) == [1, 2])
        // The on-board ATI ES1000 VGA at 0000:01:03.0 is not a GPU.
        #expect(!gpus.contains { $0.pciBusID == "0000:01:03.0" })
        #expect(topology.domains[0].pus.count == 12 && topology.domains[0].cores == 6)
        #expect(topology.distances == [[10, 20], [20, 10]])
    }

    @Test("fake KNL SNC4 hybrid: 4 domains, each with DDR and MCDRAM tiers")
    func knlMemoryTiers() throws {
        let topology = try Topology.load(.xml(path: try Fixtures.path("64intel64-fakeKNL-SNC4-hybrid")))
        #expect(topology.domains.count == 4)
        for domain in topology.domains {
            #expect(domain.memoryTiers.count == 2)
            #expect(domain.memoryTiers[0].kind == nil)
            #expect(domain.memoryTiers[1].kind == "MCDRAM")
            #expect(domain.memoryTiers[0].bytes == 1 << 30)
            #expect(domain.memoryTiers[1].bytes == 2 << 30)
            #expect(domain.memoryBytes == 3 << 30)
            #expect(domain.pus.count == 16 && domain.cores == 4)
        }
        #expect(topology.domains.map(\.numaOSIndexes) == [[0, 7], [1, 4], [2, 5], [3, 6]])
    }

    @Test("a cpuset-restricted process sees only its allowed PUs and NUMA nodes")
    func cpusetRestricted() throws {
        let topology = try Topology.load(.xml(path: try Fixtures.path("16amd64-8n2c-cpusets")))
        #expect(topology.allPUs == [0, 1, 2, 3, 5, 6, 12, 13, 14, 15])
        for disallowed in [4, 7, 8, 9, 10, 11] { #expect(!topology.allPUs.contains(pu: disallowed)) }
        let nodes = topology.domains.flatMap(\.numaOSIndexes).sorted()
        #expect(nodes == [1, 2, 3, 4, 5])  // 0, 6 and 7 are not allowed
        // CPU-less nodes 4 and 5 are memory tiers, never domains of their own.
        #expect(topology.domains.count == 3)
        let memoryOnly = topology.domains.flatMap(\.memoryTiers).filter { !$0.hasCPUs }.map(\.numaOSIndex)
        #expect(memoryOnly.sorted() == [4, 5])
        #expect(topology.domains.allSatisfy { $0.memoryTiers[0].hasCPUs })
        // PUs 0-1 and 12-15 have no allowed local node: lent whole packages, still allowed.
        #expect(topology.domains.reduce(CPUSet()) { $0.union($1.borrowedPUs) } == [0, 1, 12, 13, 14, 15])
    }

    @Test("one NUMA node over four packages is one domain with every PU")
    func oneNodeManyPackages() throws {
        let topology = try Topology.load(.xml(path: try Fixtures.path("16em64t-4s2c2t")))
        #expect(topology.domains.count == 1)
        #expect(topology.domains[0].pus.count == 16)
        #expect(topology.domains[0].cores == 8)
        #expect(topology.domains[0].packages == [0, 1, 2, 3])
    }

    @Test("the NUMA distance matrix is read per domain")
    func distances() throws {
        let topology = try Topology.load(.xml(path: try Fixtures.path("16amd64-4distances")))
        let matrix = try #require(topology.distances)
        #expect(matrix.count == 8 && matrix.allSatisfy { $0.count == 8 })
        for i in 0..<8 {
            #expect(matrix[i][i] == 10)
            for j in 0..<8 where j != i { #expect(matrix[i][j] == 20) }
        }
        #expect(topology.domainsByDistance(from: 3) == [0, 1, 2, 4, 5, 6, 7])
        // Domains are numbered by NUMA OS index: node 0 sits on package 1 (PUs 2-3).
        #expect(topology.domains[0].numaOSIndexes == [0] && topology.domains[0].pus == [2, 3])
    }

    @Test("a virtual topology is dealt onto this machine's PUs round robin")
    func virtualMapping() throws {
        let topology = try Topology.load(.xml(path: try Fixtures.path("16amd64-4distances")))
        let host = try Topology.load(.machine).allPUs
        for domain in topology.domains {
            #expect(domain.hostPUs.isSubset(of: host))
            #expect(!domain.hostPUs.isEmpty)
        }
        // 16 virtual PUs cover every real PU when the machine has at most 16.
        if host.count <= 16 {
            #expect(topology.domains.reduce(CPUSet()) { $0.union($1.hostPUs) } == host)
        }
    }
}
