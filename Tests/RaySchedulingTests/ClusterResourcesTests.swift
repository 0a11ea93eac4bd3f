import RayTopology
import Testing

@testable import RayScheduling

@Suite("The node view built from the topology")
struct ClusterResourcesTests {
    @Test("one node per domain: CPU = PUs, GPU = its GPUs by machine-wide index, memory 70% / 30%")
    func defaults() throws {
        let topology = try Fixtures.pciMachine()
        let cluster = try ClusterResources(topology: topology)
        #expect(cluster.nodeCount == 2)
        let node0 = try cluster.node(0)
        let node1 = try cluster.node(1)
        #expect(node0.pool.total(of: .cpu) == FixedPoint(exactly: 12))
        #expect(node0.spec.gpuIDs == [0])
        #expect(node1.spec.gpuIDs == [1, 2])
        #expect(node1.pool.total(of: .gpu) == FixedPoint(exactly: 2))
        #expect(node1.pool.units.first?.labels == [1, 2])
        let bytes = topology.domains[0].memoryBytes
        #expect(node0.spec.memory.wholeUnits == Int64(bytes * 7 / 10))
        #expect(node0.spec.objectStoreMemory.wholeUnits == Int64(bytes * 3 / 10))
        #expect(node0.spec.pus == topology.domains[0].pus.indexes)
        #expect(node0.hasGPU && node1.hasGPU)
        #expect(cluster.auditBooks().isEmpty)

        let synthetic = try ClusterResources(topology: try Fixtures.fourByFour())
        #expect(synthetic.nodes.map { $0.pool.total(of: .cpu) } == Array(repeating: FixedPoint(exactly: 4)!, count: 4))
        #expect(synthetic.nodes.allSatisfy { !$0.hasGPU })
    }

    @Test("everything is overridable, for all nodes and per node; custom resources are declared per node")
    func overrides() throws {
        let cluster = try ClusterResources(
            topology: try Fixtures.pciMachine(),
            allNodes: NodeOverrides(cpus: 6, memoryBytes: 1000, customResources: ["disk": 2]),
            perNode: [1: NodeOverrides(gpuIDs: [2], objectStoreMemoryBytes: 300, customResources: ["accel": 1], pinCPUs: true)])
        let node0 = try cluster.node(0)
        let node1 = try cluster.node(1)
        #expect(node0.pool.total(of: .cpu) == FixedPoint(exactly: 6))
        #expect(node0.pool.total(of: .memory) == FixedPoint(exactly: 1000))
        #expect(node1.spec.gpuIDs == [2])
        #expect(node1.pool.total(of: .objectStoreMemory) == FixedPoint(exactly: 300))
        #expect(node1.spec.customResources == (try ResourceSet(["disk": 2, "accel": 1])))
        let accel = try #require(cluster.names.id(of: "accel"))
        #expect(node0.pool.total(of: accel) == .zero)
        #expect(node1.pool.total(of: accel) == .one)
        #expect(node1.pool.units.map(\.resource) == [.gpu, .cpu, .exclusiveCPU])
        #expect(node1.pool.units[1].labels == Array(node1.spec.pus.prefix(6)))
    }

    @Test("unknown node ids are typed errors naming the id")
    func unknownNode() throws {
        #expect(throws: SchedulingError.unknownNode(id: 7, nodeCount: 4)) {
            try ClusterResources(topology: try Fixtures.fourByFour(), perNode: [7: NodeOverrides(cpus: 1)])
        }
        let cluster = try ClusterResources(topology: try Fixtures.fourByFour())
        #expect(throws: SchedulingError.unknownNode(id: 4, nodeCount: 4)) { try cluster.node(4) }
        #expect(throws: SchedulingError.unknownNode(id: -1, nodeCount: 4)) { try cluster.resourceTable(ofNode: -1) }
        #expect(SchedulingError.unknownNode(id: 4, nodeCount: 4).description == "unknown node 4: the cluster has nodes 0..<4")
    }

    @Test("bad overrides are typed errors naming the value")
    func badOverrides() throws {
        let topology = try Fixtures.fourByFour()
        #expect(throws: SchedulingError.invalidResource(.invalidQuantity(name: "CPU", value: -2))) {
            try ClusterResources(topology: topology, allNodes: NodeOverrides(cpus: -2))
        }
        #expect(throws: SchedulingError.invalidResource(.predefinedResourceInCustom(name: "GPU"))) {
            try ClusterResources(topology: topology, allNodes: NodeOverrides(customResources: ["GPU": 1]))
        }
        #expect(throws: SchedulingError.invalidNode(id: 0, reason: "GPU index -1 is negative")) {
            try ClusterResources(topology: topology, perNode: [0: NodeOverrides(gpuIDs: [-1])])
        }
        #expect(throws: SchedulingError.invalidNode(id: 1, reason: "GPU index 3 already belongs to node 0")) {
            try ClusterResources(topology: topology, perNode: [0: NodeOverrides(gpuIDs: [3]), 1: NodeOverrides(gpuIDs: [3])])
        }
        let error = #expect(throws: SchedulingError.self) {
            try ClusterResources(topology: topology, allNodes: NodeOverrides(cpus: 2.5, pinCPUs: true))
        }
        #expect(error?.description.contains("not 2.5") == true)
    }
}
