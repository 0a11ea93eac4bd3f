import Foundation

/// How long each benchmark runs: Ray's `timeit` (1 s of warm-up, then 4 trials of at least
/// 2 s, each counting calls in steps of a tenth of the warm-up count), or a quick variant with
/// the same shape and shorter times. A plain value; thread-safe.
public struct TimingPlan: Sendable, Hashable {
    /// Seconds of warm-up calls, whose count also sets the step.
    public var warmupSeconds: Double
    /// Seconds each trial runs at least.
    public var trialSeconds: Double
    /// Trials measured.
    public var trials: Int

    public init(warmupSeconds: Double, trialSeconds: Double, trials: Int) {
        self.warmupSeconds = warmupSeconds
        self.trialSeconds = trialSeconds
        self.trials = trials
    }

    /// Ray's plan: 1 s warm-up, 4 trials of 2 s.
    public static let ray = TimingPlan(warmupSeconds: 1, trialSeconds: 2, trials: 4)
    /// The quick plan: 0.1 s warm-up, 4 trials of 0.25 s.
    public static let quick = TimingPlan(warmupSeconds: 0.1, trialSeconds: 0.25, trials: 4)
}

/// One benchmark's figures: operations per second in each trial, their mean and (population)
/// standard deviation as Ray prints them, and the median. A plain value; thread-safe.
public struct MicrobenchmarkResult: Sendable, Hashable, Codable {
    /// The benchmark's name, as `ray microbenchmark` names it.
    public let name: String
    /// Operations per second in each trial.
    public let trials: [Double]
    /// The host's core-to-core round trip measured just before the line ran, in nanoseconds
    /// (``HostProbe``), when it was measured.
    public var hostRoundTripNanoseconds: Double?

    public init(name: String, trials: [Double], hostRoundTripNanoseconds: Double? = nil) {
        self.name = name
        self.trials = trials
        self.hostRoundTripNanoseconds = hostRoundTripNanoseconds
    }

    /// The mean over trials.
    public var mean: Double { trials.isEmpty ? 0 : trials.reduce(0, +) / Double(trials.count) }

    /// The population standard deviation (numpy's `np.std`, as Ray).
    public var standardDeviation: Double {
        guard !trials.isEmpty else { return 0 }
        let mean = self.mean
        return (trials.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(trials.count)).squareRoot()
    }

    /// The median over trials.
    public var median: Double {
        let sorted = trials.sorted()
        guard !sorted.isEmpty else { return 0 }
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    /// Ray's line: `<name> per second <mean> +- <sd>`, both rounded to two decimals.
    public var rayLine: String { "\(name) per second \(Self.rounded(mean)) +- \(Self.rounded(standardDeviation))" }

    /// The key Ray's JSON uses for the name: runs of other characters than letters and digits
    /// become one underscore (`single client tasks async` -> `single_client_tasks_async`).
    public var jsonKey: String { Self.jsonKey(for: name) }

    public static func jsonKey(for name: String) -> String {
        var key = ""
        var pendingUnderscore = false
        for character in name {
            if character.isLetter || character.isNumber {
                if pendingUnderscore && !key.isEmpty { key.append("_") }
                pendingUnderscore = false
                key.append(character)
            } else {
                pendingUnderscore = true
            }
        }
        return key
    }

    /// A figure rounded as Ray prints it.
    public static func rayRounded(_ value: Double) -> String { rounded(value) }

    /// Python's `round(x, 2)` as `print` shows it: at most two decimals, trailing zeros dropped,
    /// at least one decimal.
    static func rounded(_ value: Double) -> String {
        let hundredths = (value * 100).rounded() / 100
        var text = String(format: "%.2f", hundredths)
        while text.hasSuffix("0") && !text.hasSuffix(".0") { text.removeLast() }
        return text
    }
}

/// Ray's `timeit`: calls `body` for the warm-up time, then for each trial in steps of
/// `warm-up count / 10 + 1` calls until the trial time has passed; each trial's rate is
/// `multiplier * calls / seconds`.
public func timeit(
    _ name: String, plan: TimingPlan, multiplier: Double = 1, _ body: () throws -> Void
) rethrows -> MicrobenchmarkResult {
    var start = DispatchTime.now().uptimeNanoseconds
    var count = 0
    while Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 < plan.warmupSeconds {
        try body()
        count += 1
    }
    let step = count / 10 + 1
    var trials: [Double] = []
    for _ in 0..<plan.trials {
        start = DispatchTime.now().uptimeNanoseconds
        count = 0
        var elapsed = 0.0
        while elapsed < plan.trialSeconds {
            for _ in 0..<step { try body() }
            count += step
            elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        }
        trials.append(multiplier * Double(count) / elapsed)
    }
    return MicrobenchmarkResult(name: name, trials: trials)
}
