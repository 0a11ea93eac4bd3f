import Foundation
import RayTopology
import Testing

@testable import RayScheduling

/// Topologies and helpers shared by the scheduling tests.
enum Fixtures {
    /// 4 domains of 4 CPUs each (one PU per core).
    static func fourByFour() throws -> Topology { try Topology.load(.synthetic("numa:4 core:4 pu:1")) }

    /// A shared hwloc XML export of a real machine (Tests/RayTopologyTests/Resources).
    static func xml(_ name: String) throws -> Topology {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("RayTopologyTests/Resources/\(name).xml").path
        return try Topology.load(.xml(path: path))
    }

    /// The PCI machine: domain 0 has GPU 0, domain 1 GPUs 1 and 2; 12 PUs each.
    static func pciMachine() throws -> Topology { try xml("24em64t-2n6c2t-pci") }

    static func scheduler(
        _ topology: Topology, seed: UInt64 = 42, allNodes: NodeOverrides = NodeOverrides(),
        perNode: [Int: NodeOverrides] = [:], options: SchedulerOptions = SchedulerOptions()
    ) throws -> ClusterScheduler {
        // Every operation audits the books; expectBalanced() reports what any of them found.
        var options = options
        options.checkBooksAfterEveryOperation = true
        return try ClusterScheduler(
            topology: topology, allNodes: allNodes, perNode: perNode, options: options,
            random: SplitMix64(seed: seed))
    }
}

extension ClusterScheduler {
    /// A request for `set` (interned in this scheduler).
    mutating func request(
        _ set: ResourceSet, strategy: SchedulingStrategy = .default, placement: ResourceSet? = nil,
        actor: Bool = false
    ) -> SchedulingRequest {
        SchedulingRequest(
            resources: resourceRequest(for: set), placementResources: placement.map { resourceRequest(for: $0) },
            strategy: strategy, isActorCreation: actor)
    }

    /// The placement of a `.scheduled` outcome, or nil.
    static func placed(_ outcome: SubmitOutcome) -> TaskPlacement? {
        if case let .scheduled(placement) = outcome { return placement }
        return nil
    }

    /// Expects the books to balance now and to have balanced after every operation so far.
    func expectBalanced(sourceLocation: SourceLocation = #_sourceLocation) {
        let problems = auditBooks()
        #expect(problems.isEmpty, "\(problems)", sourceLocation: sourceLocation)
        #expect(discrepanciesFound.isEmpty, "\(discrepanciesFound)", sourceLocation: sourceLocation)
    }

    /// A node's available quantity of `name`.
    func available(_ name: String, on node: Int) -> Double {
        guard let id = resources.names.id(of: name) else { return 0 }
        return resources.pools[node].available(of: id).doubleValue
    }
}

/// `ResourceSet(...)` that fails the test instead of throwing.
func resources(_ quantities: [String: Double]) throws -> ResourceSet { try ResourceSet(quantities) }
func cpus(_ count: Double) throws -> ResourceSet { try ResourceSet(cpus: count) }
