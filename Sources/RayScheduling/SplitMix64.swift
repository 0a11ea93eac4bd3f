/// A small, fast, seedable random number generator (Steele, Lea and Flood's SplitMix64): the same
/// seed gives the same scheduling decisions, so tests and replays are deterministic. Inject it, or
/// any other generator, into ``ClusterScheduler``. A plain value; thread-safe.
public struct SplitMix64: RandomNumberGenerator, Sendable, Hashable {
    private var state: UInt64

    /// A generator whose sequence is fixed by `seed`.
    public init(seed: UInt64) { state = seed }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension RandomNumberGenerator {
    /// A uniform index in 0..<count (count > 0), by Lemire's multiply-high method.
    mutating func index(below count: Int) -> Int {
        guard count > 1 else { return 0 }
        return Int(next().multipliedFullWidth(by: UInt64(count)).high)
    }
}
