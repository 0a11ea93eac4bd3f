import ArgumentParser
import Foundation
import RayMicrobenchmark
import SwiftRay

/// `swiftray microbenchmark`: `ray microbenchmark`'s lines on swift-ray, printed as Ray prints
/// them, as JSON with Ray's keys, or side by side with a file of Ray's own output.
struct MicrobenchmarkCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "microbenchmark",
        abstract: "Run ray microbenchmark's lines in this process: '<name> per second <mean> +- <sd>'."
    )

    @Flag(help: "Short trials (0.1 s warm-up, 4 x 0.25 s) instead of Ray's (1 s, 4 x 2 s).")
    var quick = false

    @Flag(help: "Print one JSON object: {\"<key>\": [mean, sd]} with Ray's keys.")
    var json = false

    @Option(help: "Run only the lines whose name contains PATTERN (Ray's TESTS_TO_RUN).")
    var filter: String?

    @Option(help: "A file of 'ray microbenchmark' output: print each line beside Ray's, with the ratio.")
    var compare: String?

    @Flag(help: "Also print how a line's loop differs from Ray's, where it does.")
    var verbose = false

    @Flag(
        inversion: .prefixedNo,
        help: "Before each line, measure the host's core-to-core round trip (20 ms) and print it as a '#' line (text output only).")
    var hostProbe = true

    func run() throws {
        let benchmarks = MicrobenchmarkSuite.matching(filter)
        if benchmarks.isEmpty {
            throw InputError(message: "no benchmark matches the filter '\(filter ?? "")'")
        }
        var rayFigures: [String: Double] = [:]
        if let compare {
            let text: String
            do {
                text = try String(contentsOfFile: compare, encoding: .utf8)
            } catch {
                throw InputError(message: "cannot read the Ray output file '\(compare)': \(error.localizedDescription)")
            }
            rayFigures = RayOutput.parse(text)
            if rayFigures.isEmpty {
                throw InputError(message: "'\(compare)' holds no '<name> per second <mean> +- <sd>' line")
            }
            let known = Set(MicrobenchmarkSuite.all.map(\.name)).union(RayOutput.rayNames)
            // Ray's output ends with its Ray Client lines ("client: ..."): a remote driver
            // protocol with no counterpart in one process, accepted and skipped.
            let unknown = rayFigures.keys.filter { !known.contains($0) && !$0.hasPrefix("client: ") }
            if let name = unknown.sorted().first {
                throw InputError(message: "unknown benchmark name '\(name)' in '\(compare)'")
            }
        }
        let plan: TimingPlan = quick ? .quick : .ray
        if !json { print("# malloc: \(MallocProbe.describe())") }
        var results: [MicrobenchmarkResult] = []
        do {
            results = try MicrobenchmarkSuite.run(benchmarks, plan: plan, probeHost: hostProbe && !json) { result in
                guard !json else { return }
                if let roundTrip = result.hostRoundTripNanoseconds {
                    print("# host core-to-core round trip just before: \(Int(roundTrip.rounded())) ns")
                }
                if compare != nil {
                    print(RayOutput.comparisonLine(result, ray: rayFigures[result.name]))
                } else {
                    print(result.rayLine)
                }
                if verbose, let note = benchmarks.first(where: { $0.name == result.name })?.note {
                    print("    (\(note))")
                }
                fflush(nil)
            }
        } catch {
            throw InputError(message: "benchmark failed: \(error)")
        }
        if json {
            var object: [String: [Double]] = [:]
            for result in results { object[result.jsonKey] = [result.mean, result.standardDeviation] }
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted])
            print(String(decoding: data, as: UTF8.self))
        }
    }
}

/// Reading `ray microbenchmark`'s output. Thread-safe (values only).
enum RayOutput {
    /// Every line name of Ray 2.60's `ray microbenchmark` (python/ray/_private/ray_perf.py);
    /// a comparison file may hold any of them (lines swift-ray does not run are skipped).
    static let rayNames: Set<String> = [
        "single client get calls (Plasma Store)", "single client put calls (Plasma Store)",
        "multi client put calls (Plasma Store)", "single client put gigabytes",
        "single client tasks and get batch", "multi client put gigabytes",
        "single client get object containing 10k refs",
        "single client object out-of-scope callback registration", "object out-of-scope callback fire 1k batch",
        "single client wait 1k refs", "single client tasks sync", "single client tasks async",
        "multi client tasks async", "1:1 actor calls sync", "1:1 actor calls async", "1:1 actor calls concurrent",
        "1:n actor calls async", "n:n actor calls async", "n:n actor calls with arg async",
        "1:1 async-actor calls sync", "1:1 async-actor calls async", "1:1 async-actor calls with args async",
        "1:n async-actor calls async", "n:n async-actor calls async", "placement group create/removal",
    ]

    /// Name -> mean from lines `<name> per second <mean> +- <sd>`; other lines are ignored.
    static func parse(_ text: String) -> [String: Double] {
        var figures: [String: Double] = [:]
        for line in text.split(separator: "\n") {
            guard let range = line.range(of: " per second ") else { continue }
            let name = String(line[..<range.lowerBound])
            let rest = line[range.upperBound...].split(separator: " ")
            if let first = rest.first, let mean = Double(first) { figures[name] = mean }
        }
        return figures
    }

    /// `<name>  swift-ray <mean> +- <sd>  Ray <mean>  ratio <x>`.
    static func comparisonLine(_ result: MicrobenchmarkResult, ray: Double?) -> String {
        var line = "\(result.rayLine)"
        if let ray, ray > 0 {
            line += "  | Ray \(MicrobenchmarkResult.rayRounded(ray))  | \(ratioText(result.mean / ray))x"
        } else {
            line += "  | Ray -"
        }
        return line
    }

    /// A ratio as the comparison prints it: whole from 10 up, else three significant digits (a
    /// line below Ray's figure, 0.25x, printed as `0x` when every ratio was rounded whole).
    static func ratioText(_ ratio: Double) -> String {
        ratio >= 10 ? String(format: "%.0f", ratio) : String(format: "%.3g", ratio)
    }
}
