import Foundation
import Testing

@testable import RayTopology

@Suite("Topology sources, synthetic descriptions and bad input")
struct SourceAndErrorTests {
    @Test("SWIFTRAY_TOPOLOGY picks the source")
    func environment() throws {
        #expect(try TopologySource.fromEnvironment([:]) == .machine)
        #expect(try TopologySource.fromEnvironment(["SWIFTRAY_TOPOLOGY": ""]) == .machine)
        #expect(try TopologySource.fromEnvironment(["SWIFTRAY_TOPOLOGY": "machine"]) == .machine)
        #expect(try TopologySource.fromEnvironment(["SWIFTRAY_TOPOLOGY": "xml:/tmp/a.xml"]) == .xml(path: "/tmp/a.xml"))
        #expect(
            try TopologySource.fromEnvironment(["SWIFTRAY_TOPOLOGY": "synthetic:pack:2 pu:2"])
                == .synthetic("pack:2 pu:2"))
        #expect(throws: TopologyError.unknownTopologySource("http://x")) {
            try TopologySource.fromEnvironment(["SWIFTRAY_TOPOLOGY": "http://x"])
        }
        #expect(throws: TopologyError.unknownTopologySource("xml:")) { try TopologySource(parsing: "xml:") }
        for source: TopologySource in [.machine, .xml(path: "/a b.xml"), .synthetic("pack:2 pu:2")] {
            #expect(try TopologySource(parsing: source.description) == source)
        }
    }

    @Test("synthetic descriptions give the stated shape")
    func synthetic() throws {
        let topology = try Topology.load(.synthetic("pack:2 numa:2 core:4 pu:2"))
        #expect(topology.source.kind == "synthetic")
        #expect(topology.domains.count == 4)
        #expect(topology.domains.allSatisfy { $0.pus.count == 8 && $0.cores == 4 && $0.memoryTiers.count == 1 })
        #expect(topology.domains.map(\.packages) == [[0], [0], [1], [1]])
        #expect(topology.allPUs == CPUSet(0..<32))
        #expect(topology.domains[1].pus == CPUSet(8..<16))

        let flat = try Topology.load(.synthetic("pack:2 core:2 pu:2"))
        #expect(flat.domains.count == 1 && flat.domains[0].pus.count == 8 && flat.domains[0].cores == 4)

        let eight = try Topology.load(.synthetic("numa:8 core:2 pu:1"))
        #expect(eight.domains.count == 8 && eight.domains.allSatisfy { $0.pus.count == 2 })
    }

    @Test("an invalid synthetic description is a typed error naming it")
    func invalidSynthetic() {
        #expect(throws: TopologyError.invalidSyntheticDescription("pack:2 foo:2")) {
            try Topology.load(.synthetic("pack:2 foo:2"))
        }
        #expect(throws: TopologyError.invalidSyntheticDescription("")) { try Topology.load(.synthetic("")) }
    }

    @Test("missing, unreadable and malformed XML files are typed errors naming the file")
    func badXML() throws {
        #expect(throws: TopologyError.xmlFileNotFound(path: "/nonexistent/machine.xml")) {
            try Topology.load(.xml(path: "/nonexistent/machine.xml"))
        }
        let directory = FileManager.default.temporaryDirectory.path
        #expect(throws: TopologyError.xmlFileUnreadable(path: directory)) {
            try Topology.load(.xml(path: directory))
        }
        let garbage = FileManager.default.temporaryDirectory
            .appendingPathComponent("swiftray-garbage-\(getpid()).xml").path
        try Data("<topology><object type=\"Machine\"".utf8).write(to: URL(fileURLWithPath: garbage))
        defer { try? FileManager.default.removeItem(atPath: garbage) }
        #expect(throws: TopologyError.malformedXML(path: garbage)) { try Topology.load(.xml(path: garbage)) }
        let error = TopologyError.malformedXML(path: garbage)
        #expect(error.description.contains(garbage))
    }

    @Test("unknown domain ids and PUs are typed errors")
    func unknownIDs() throws {
        let topology = try Topology.load(.synthetic("numa:2 core:2 pu:1"))
        #expect(throws: TopologyError.unknownDomain(id: 2, domainCount: 2)) { try topology.domain(2) }
        #expect(throws: TopologyError.unknownDomain(id: -1, domainCount: 2)) { try topology.bindCurrentThread(toDomain: -1) }
        #expect(throws: TopologyError.unknownPU(osIndex: 99)) { try topology.bindCurrentThread(toPU: 99) }
    }

    @Test("the hwloc API check passes against the installed library")
    func apiVersion() throws {
        try HwlocTopology.checkAPIVersion()
        let error = TopologyError.hwlocAPIMismatch(compiled: 0x20800, runtime: 0x30000)
        #expect(error.description.contains("0x20800") && error.description.contains("0x30000"))
    }

    @Test("CPU sets print as ranges")
    func cpuSetDescription() {
        #expect(CPUSet([3, 0, 1, 2, 8, 10, 11]).description == "0-3,8,10-11")
        #expect(CPUSet([5]).description == "5")
        #expect(CPUSet().description == "none")
        #expect(CPUSet([1, 1, 2]).count == 2)
    }
}
