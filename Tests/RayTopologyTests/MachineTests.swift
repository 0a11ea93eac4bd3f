import Foundation
import Testing

@testable import RayTopology

@Suite("The running machine: discovery, thread binding and NUMA memory", .serialized)
struct MachineTests {
    @Test("the running machine's domains and PUs are hwloc-calc's")
    func runningMachine() throws {
        let topology = try Topology.load(.machine)
        #expect(!topology.isVirtual)
        let expected = try HwlocCalc.domains(xml: nil)
        if expected.isEmpty {
            #expect(topology.domains.count == 1)  // no NUMA node at all: one domain
        } else {
            #expect(topology.domains.map { $0.pus.subtracting($0.borrowedPUs).indexes }.sorted {
                $0.lexicographicallyPrecedes($1)
            } == expected.map(\.pus))
        }
        #expect(topology.allPUs.indexes == (try HwlocCalc.indexes(xml: nil, ["-I", "pu", "--po", "all"])))
        #expect(topology.domains.allSatisfy { $0.hostPUs == $0.pus })
        #expect(topology.domains.allSatisfy { $0.memoryBytes > 0 })
        if topology.domains.count == 1, topology.domains[0].memoryTiers.count == 1 {
            // All of a one-node machine's memory is its node's, whatever the node's meminfo says.
            let machine = UInt64(sysconf(Int32(_SC_PHYS_PAGES))) * UInt64(sysconf(Int32(_SC_PAGESIZE)))
            #expect(topology.domains[0].memoryBytes >= machine - machine / 100)
        }
    }

    @Test("memory that no NUMA node counts is the node's only on a one-node machine")
    func unplacedMemory() throws {
        let oneNode = try Topology.load(.synthetic("node:1 core:2 pu:1")).domains
        let counted = oneNode[0].memoryBytes
        #expect(oneNode[0].memoryTiers.count == 1 && counted > 0)

        var domains = oneNode
        Topology.attributeUnplacedMemory(&domains, machineBytes: counted * 4)
        #expect(domains[0].memoryBytes == counted * 4)
        #expect(domains[0].memoryTiers[0].numaOSIndex == oneNode[0].memoryTiers[0].numaOSIndex)

        domains = oneNode  // a gap under 1% stays, and a smaller machine figure changes nothing
        Topology.attributeUnplacedMemory(&domains, machineBytes: counted + counted / 200)
        #expect(domains == oneNode)
        Topology.attributeUnplacedMemory(&domains, machineBytes: counted / 2)
        #expect(domains == oneNode)
        Topology.attributeUnplacedMemory(&domains, machineBytes: 0)
        #expect(domains == oneNode)

        let twoNodes = try Topology.load(.synthetic("node:2 core:2 pu:1")).domains
        domains = twoNodes  // which node holds the rest is unknown: hwloc's figures stand
        Topology.attributeUnplacedMemory(&domains, machineBytes: twoNodes[0].memoryBytes * 10)
        #expect(domains == twoNodes)

        var tiered = oneNode  // a second tier (MCDRAM beside DRAM): left alone too
        tiered[0].memoryTiers.append(MemoryTier(numaOSIndex: 1, bytes: 1 << 30, kind: "MCDRAM", hasCPUs: false))
        domains = tiered
        Topology.attributeUnplacedMemory(&domains, machineBytes: 1 << 50)
        #expect(domains == tiered)
    }

    @Test("binding a thread to a PU and to a domain reads back as bound")
    func binding() async throws {
        let topology = try Topology.load(.machine)
        let results = await onFreshThread { () -> Result<[CPUSet], TopologyError> in
            Result { () throws(TopologyError) in
                var seen: [CPUSet] = []
                for pu in topology.allPUs {
                    guard case .bound(let set) = try topology.bindCurrentThread(toPU: pu) else { return [] }
                    seen.append(set)
                    seen.append(try ThreadBinding.currentThreadCPUs())
                    seen.append([try ThreadBinding.lastPU()])
                }
                for domain in topology.domains {
                    guard case .bound(let set) = try topology.bindCurrentThread(toDomain: domain.id) else { return [] }
                    seen.append(set)
                }
                return seen
            }
        }
        let seen = try results.get()
        var expected: [CPUSet] = []
        for pu in topology.allPUs { expected += [[pu], [pu], [pu]] }
        expected += topology.domains.map(\.pus)
        #expect(seen == expected)
    }

    @Test("virtual topologies skip binding")
    func virtualBindingSkipped() throws {
        let topology = try Topology.load(.synthetic("numa:4 core:2 pu:1"))
        #expect(try topology.bindCurrentThread(toDomain: 3) == .skippedVirtualTopology)
        #expect(try topology.bindCurrentThread(toPU: 7) == .skippedVirtualTopology)
        #expect(try topology.preferMemory(ofDomain: 0) == .skippedVirtualTopology)
    }

    @Test("memory allocated on a domain lives on that domain's NUMA node")
    func numaPlacement() throws {
        let topology = try Topology.load(.machine)
        for domain in topology.domains {
            let buffer = try topology.allocate(count: 1 << 20, onDomain: domain.id)
            // Touch every page so that the kernel places it.
            for offset in stride(from: 0, to: buffer.bytes.count, by: 4096) { buffer.bytes[offset] = 1 }
            let base = UnsafeRawPointer(try #require(buffer.bytes.baseAddress))
            #expect(try NUMABuffer.numaNode(ofPageAt: base) == domain.primaryNUMANode)
            #expect(try topology.domainID(ofPageAt: base + (1 << 19)) == domain.id)
        }
        #expect(throws: TopologyError.invalidAllocationSize(0)) { try topology.allocate(count: 0, onDomain: 0) }
        #expect(throws: TopologyError.unknownDomain(id: 9, domainCount: topology.domains.count)) {
            try topology.allocate(count: 64, onDomain: 9)
        }
    }

    @Test("a virtual domain's memory is placed on the real node of its host PUs")
    func virtualAllocation() throws {
        let topology = try Topology.load(.synthetic("numa:4 core:2 pu:1"))
        let buffer = try topology.allocate(count: 4096, onDomain: 3)
        buffer.bytes[0] = 1
        let real = try Topology.load(.machine)
        let node = try NUMABuffer.numaNode(ofPageAt: UnsafeRawPointer(try #require(buffer.bytes.baseAddress)))
        #expect(real.domainID(ofNUMANode: node) != nil)
    }

    /// Runs `body` on a new thread (so that binding does not leak into the test runner's threads).
    private func onFreshThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            let thread = Thread { continuation.resume(returning: body()) }
            thread.start()
        }
    }
}
