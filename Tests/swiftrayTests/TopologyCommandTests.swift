import Foundation
import Testing

/// Runs the built `swiftray` binary, as a user would, and checks its output and exit code.
@Suite("swiftray topology")
struct TopologyCommandTests {
    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static let topologies = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("RayTopologyTests/Resources")

    /// The `swiftray` product beside the test bundle.
    static func binary() throws -> URL {
        var directory = Bundle.main.bundleURL
        for _ in 0..<3 {
            let candidate = directory.appendingPathComponent("swiftray")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory.deleteLastPathComponent()
        }
        throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: "swiftray"])
    }

    func swiftray(_ arguments: [String], environment: [String: String] = [:]) throws -> Run {
        let process = Process()
        process.executableURL = try Self.binary()
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment
            .filter { $0.key != "SWIFTRAY_TOPOLOGY" }
            .merging(environment) { $1 }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(
            status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self))
    }

    func json(_ run: Run) throws -> [String: Any] {
        try #require(run.status == 0, "\(run.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
    }

    @Test("--json for the running machine has the fixed fields")
    func machineJSON() throws {
        let object = try json(try swiftray(["topology", "--json"]))
        #expect(object["source"] as? String == "machine")
        let domains = try #require(object["domains"] as? [[String: Any]])
        #expect(!domains.isEmpty)
        for (index, domain) in domains.enumerated() {
            #expect(domain["id"] as? Int == index)
            #expect((domain["numa_os_indexes"] as? [Int]) != nil)
            #expect((domain["memory_bytes"] as? Int ?? 0) > 0)
            #expect(!(domain["pus"] as? [Int] ?? []).isEmpty)
            #expect((domain["cores"] as? Int ?? 0) > 0)
            #expect((domain["gpus"] as? [Any]) != nil)
        }
        #expect(object.keys.contains("distances"))
    }

    @Test("--json for the PCI machine lists its GPUs with bus, vendor and device ids")
    func xmlJSON() throws {
        let path = Self.topologies.appendingPathComponent("24em64t-2n6c2t-pci.xml").path
        let object = try json(try swiftray(["topology", "--xml", path, "--json"]))
        #expect(object["source"] as? String == "xml")
        let domains = try #require(object["domains"] as? [[String: Any]])
        #expect(domains.count == 2)
        let gpus = domains.flatMap { $0["gpus"] as? [[String: Any]] ?? [] }
        #expect(gpus.map { $0["index"] as? Int } == [0, 1, 2])
        #expect(gpus.map { $0["pci_bus_id"] as? String } == ["0000:06:00.0", "0000:11:00.0", "0000:14:00.0"])
        #expect(gpus.allSatisfy { $0["vendor_id"] as? String == "10de" && $0["device_id"] as? String == "06d2" })
        #expect(domains[0]["numa_os_indexes"] as? [Int] == [0])
        #expect(domains[0]["cores"] as? Int == 6)
        #expect(domains[0]["memory_bytes"] as? Int == 18_863_900 * 1024)
        #expect(object["distances"] as? [[Int]] == [[10, 20], [20, 10]])
    }

    @Test("every shared XML export and a synthetic description answer in JSON")
    func everySource() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.topologies.path)
            .filter { $0.hasSuffix(".xml") }
        #expect(files.count == 5)
        for file in files {
            let object = try json(try swiftray(["topology", "--xml", Self.topologies.appendingPathComponent(file).path, "--json"]))
            #expect(!(object["domains"] as? [Any] ?? []).isEmpty, "\(file)")
        }
        let synthetic = try json(try swiftray(["topology", "--synthetic", "pack:2 numa:2 core:4 pu:2", "--json"]))
        #expect(synthetic["source"] as? String == "synthetic")
        #expect((synthetic["domains"] as? [Any])?.count == 4)
        let fromEnvironment = try json(
            try swiftray(["topology", "--json"], environment: ["SWIFTRAY_TOPOLOGY": "synthetic:numa:8 pu:1"]))
        #expect((fromEnvironment["domains"] as? [Any])?.count == 8)
    }

    @Test("the text view names domains, PUs and GPUs")
    func textView() throws {
        let path = Self.topologies.appendingPathComponent("24em64t-2n6c2t-pci.xml").path
        let run = try swiftray(["topology", "--xml", path])
        #expect(run.status == 0)
        #expect(run.stdout.contains("2 domains, 24 PUs, 12 cores, 3 GPUs"))
        #expect(run.stdout.contains("GPU 2  0000:14:00.0  10de:06d2"))
    }

    @Test("bad input exits with code 2 and names the input", arguments: [
        (["topology", "--xml", "/nonexistent.xml"], [String: String](), "/nonexistent.xml"),
        (["topology", "--synthetic", "pack:2 bogus:3"], [:], "pack:2 bogus:3"),
        (["topology"], ["SWIFTRAY_TOPOLOGY": "ftp:host"], "ftp:host"),
        (["topology", "--xml", "a.xml", "--synthetic", "pu:2"], [:], "--synthetic"),
        (["topology", "--bogus"], [:], "--bogus"),
    ])
    func badInput(arguments: [String], environment: [String: String], named: String) throws {
        let run = try swiftray(arguments, environment: environment)
        #expect(run.status == 2)
        #expect(run.stderr.contains(named), "\(run.stderr)")
        #expect(run.stdout.isEmpty)
    }

    @Test("malformed XML exits with code 2")
    func malformed() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("swiftray-bad-\(getpid()).xml").path
        try Data("not xml at all".utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let run = try swiftray(["topology", "--xml", path])
        #expect(run.status == 2)
        #expect(run.stderr.contains("is not a valid hwloc topology export"))
    }
}
