import Foundation
import Testing

/// `swiftray microbenchmark`, `status` and `timeline`, run as a user would.
@Suite("swiftray microbenchmark, status, timeline")
struct InstrumentCommandTests {
    let cli = TopologyCommandTests()

    @Test("microbenchmark --json prints Ray's keys with [mean, sd]; lines print as Ray prints them")
    func microbenchmark() throws {
        let json = try cli.swiftray(["microbenchmark", "--quick", "--json", "--filter", "single client get calls"])
        #expect(json.status == 0)
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: [Double]]
        let figures = try #require(object?["single_client_get_calls_Plasma_Store"])
        #expect(figures.count == 2 && figures[0] > 0)
        let text = try cli.swiftray(["microbenchmark", "--quick", "--filter", "put calls"])
        #expect(text.status == 0)
        let lines = text.stdout.split(separator: "\n")
        let resultLines = lines.filter { !$0.hasPrefix("#") }
        #expect(resultLines.count == 2)
        for line in resultLines { #expect(line.contains(" per second ") && line.contains(" +- ")) }
        // Each line follows the host probe's own line on a machine with two PUs or more.
        let probes = lines.filter { $0.hasPrefix("# host core-to-core round trip just before: ") && $0.hasSuffix(" ns") }
        #expect(probes.count == (ProcessInfo.processInfo.activeProcessorCount >= 2 ? 2 : 0))
        // The suite names its malloc first (MallocProbe.swift).
        #expect(lines.first?.hasPrefix("# malloc: ") == true)
        #expect(lines.count == 1 + resultLines.count + probes.count)
        let plain = try cli.swiftray(
            ["microbenchmark", "--quick", "--no-host-probe", "--filter", "put calls"],
            environment: ["GLIBC_TUNABLES": "glibc.malloc.tcache_count=64"])
        #expect(plain.status == 0)
        let plainLines = plain.stdout.split(separator: "\n")
        #expect(plainLines.count == 3 && plainLines.filter { $0.hasPrefix("#") }.count == 1)
        #expect(plainLines.first == "# malloc: glibc (GLIBC_TUNABLES=glibc.malloc.tcache_count=64)")
    }

    @Test("comparison with a file of Ray's output prints the ratio")
    func compare() throws {
        let file = NSTemporaryDirectory() + "ray-output-\(getpid()).txt"
        try "noise line\nsingle client get calls (Plasma Store) per second 9380.86 +- 284.4\nclient: get calls per second 1483.72 +- 18.99\n".write(
            toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let run = try cli.swiftray(["microbenchmark", "--quick", "--filter", "get calls", "--compare", file])
        #expect(run.status == 0)
        #expect(run.stdout.contains("| Ray 9380.86"))
        #expect(run.stdout.contains("x"))
        // A line below Ray's figure prints its ratio with its digits, not rounded to `0x`.
        try "single client get calls (Plasma Store) per second 1000000000000 +- 1\n".write(
            toFile: file, atomically: true, encoding: .utf8)
        let below = try cli.swiftray(["microbenchmark", "--quick", "--no-host-probe", "--filter", "single client get calls", "--compare", file])
        #expect(below.status == 0)
        let line = try #require(below.stdout.split(separator: "\n").first { $0.contains("| Ray ") })
        let ratio = try #require(Double(line.split(separator: "|").last?.trimmingCharacters(in: .whitespaces).dropLast() ?? ""))
        #expect(ratio > 0 && ratio < 1)
    }

    @Test("bad input: unknown filter, unreadable or foreign comparison file, unwritable timeline path: exit 2")
    func badInput() throws {
        let nothing = try cli.swiftray(["microbenchmark", "--quick", "--filter", "no such benchmark"])
        #expect(nothing.status == 2)
        #expect(nothing.stderr.contains("no such benchmark"))
        let missing = try cli.swiftray(["microbenchmark", "--quick", "--compare", "/nonexistent/ray.txt"])
        #expect(missing.status == 2)
        let file = NSTemporaryDirectory() + "ray-unknown-\(getpid()).txt"
        try "made up line per second 1.0 +- 0.1\n".write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let unknown = try cli.swiftray(["microbenchmark", "--quick", "--compare", file])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("made up line"))
        let timeline = try cli.swiftray(["timeline", "--output", "/nonexistent/dir/trace.json"])
        #expect(timeline.status == 2)
        #expect(timeline.stderr.contains("/nonexistent/dir/trace.json"))
    }

    @Test("status shows Resources, Demands and the task summary; timeline writes a trace")
    func statusAndTimeline() throws {
        let status = try cli.swiftray(["status"])
        #expect(status.status == 0)
        #expect(status.stdout.contains("Resources"))
        #expect(status.stdout.contains("Demands"))
        #expect(status.stdout.contains("square: FINISHED: 8"))
        let path = NSTemporaryDirectory() + "trace-\(getpid()).json"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let timeline = try cli.swiftray(["timeline", "-o", path])
        #expect(timeline.status == 0)
        let trace = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any]
        #expect((trace?["traceEvents"] as? [Any])?.isEmpty == false)
    }
}
