import Foundation
import Testing

/// Runs hwloc's own `hwloc-calc` (Debian package hwloc-nox), the independent reference the
/// discovery tests compare against.
enum HwlocCalc {
    /// `hwloc-calc [--if xml --input FILE] ARGS`, its standard output trimmed.
    static func run(xml: String?, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["hwloc-calc"] + (xml.map { ["--if", "xml", "--input", $0] } ?? []) + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "hwloc-calc \(arguments) failed: is hwloc-nox installed?")
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A comma-separated list of OS indexes, sorted.
    static func indexes(xml: String?, _ arguments: [String]) throws -> [Int] {
        let text = try run(xml: xml, arguments)
        return text.isEmpty ? [] : text.split(separator: ",").compactMap { Int($0) }.sorted()
    }

    /// What hwloc-calc says the compute domains are: for every NUMA node local to some allowed
    /// PU, its PUs and core count; nodes with the same PUs make one domain.
    static func domains(xml: String?) throws -> [(pus: [Int], cores: Int)] {
        var seen: [[Int]: Int] = [:]
        for node in try indexes(xml: xml, ["-I", "numa", "--po", "all"]) {
            let pus = try indexes(xml: xml, ["--pi", "numa:\(node)", "-I", "pu", "--po"])
            guard !pus.isEmpty, seen[pus] == nil else { continue }
            seen[pus] = Int(try run(xml: xml, ["--pi", "numa:\(node)", "-N", "core"])) ?? -1
        }
        return seen.map { ($0.key, $0.value) }.sorted { $0.pus.lexicographicallyPrecedes($1.pus) }
    }
}

/// The hwloc XML exports in the test bundle (copied from shared/topologies).
enum Fixtures {
    static let names = [
        "16amd64-4distances", "16amd64-8n2c-cpusets", "16em64t-4s2c2t", "24em64t-2n6c2t-pci",
        "64intel64-fakeKNL-SNC4-hybrid",
    ]

    static func path(_ name: String) throws -> String {
        try #require(Bundle.module.path(forResource: name, ofType: "xml", inDirectory: "Resources"))
    }
}
