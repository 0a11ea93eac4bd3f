import CCycleCounter
import Foundation

/// The clock of task events: where the CPU's cycle counter is invariant and the kernel itself
/// keeps time with it (x86-64 with `constant_tsc`, clocksource `tsc`), an event's stamp is the
/// counter (a read costs about 9 ns on the machine this was measured on, `clock_gettime` 22 ns,
/// and a task records two); elsewhere it is monotonic nanoseconds. Stamps become monotonic
/// nanoseconds only when events are read (``converter()``), the counter's rate measured then
/// over the time since the clock was made.
///
/// A stamp of 0 means "no time" (a submission's) and stays 0. Immutable; thread-safe.
struct EventClock: Sendable {
    /// Whether stamps are cycle-counter readings (else monotonic nanoseconds).
    let countsCycles: Bool
    private let originCycles: UInt64
    private let originNanoseconds: Int

    /// A clock that counts cycles when `countsCycles` says so and the CPU has a counter (nil:
    /// when the machine's counter is fit for it).
    init(countsCycles: Bool? = nil) {
        self.countsCycles = (countsCycles ?? Self.cycleCounterIsFit) && swiftray_cycle_counter() != 0
        (originCycles, originNanoseconds) = Self.simultaneousReadings()
    }

    /// The counter and the monotonic clock read as nearly at once as this thread manages: of
    /// a few tries (counter, clock, counter), the one with the fewest cycles between its two
    /// counter reads, taken at their midpoint. A thread preempted between two plain reads would
    /// shift every converted stamp by the time it lost.
    private static func simultaneousReadings() -> (cycles: UInt64, nanoseconds: Int) {
        var best = (cycles: UInt64(0), nanoseconds: 0, window: UInt64.max)
        for _ in 0..<5 {
            let before = swiftray_cycle_counter()
            let nanoseconds = MonotonicClock.nanoseconds
            let window = swiftray_cycle_counter() &- before
            if window < best.window { best = (before &+ window / 2, nanoseconds, window) }
        }
        return (best.cycles, best.nanoseconds)
    }

    /// Whether the CPU reports an invariant counter and the kernel keeps time with it (so it
    /// also found it in step across cores).
    static let cycleCounterIsFit: Bool = {
        guard swiftray_cycle_counter_is_invariant() != 0,
              let source = try? String(
                contentsOfFile: "/sys/devices/system/clocksource/clocksource0/current_clocksource", encoding: .utf8)
        else { return false }
        return source.trimmingCharacters(in: .whitespacesAndNewlines) == "tsc"
    }()

    /// The stamp of an event happening now.
    @inline(__always)
    func now() -> Int {
        countsCycles ? Int(truncatingIfNeeded: swiftray_cycle_counter()) : MonotonicClock.nanoseconds
    }

    /// Turns stamps of this clock into monotonic nanoseconds (0 stays 0), calibrated now.
    func converter() -> @Sendable (Int) -> Int {
        guard countsCycles else { return { $0 } }
        let (cycles, nanoseconds) = Self.simultaneousReadings()
        let elapsedCycles = Double(Int64(bitPattern: cycles &- originCycles))
        let perCycle = elapsedCycles > 0 ? Double(nanoseconds - originNanoseconds) / elapsedCycles : 0
        let (originCycles, originNanoseconds) = (self.originCycles, self.originNanoseconds)
        return { stamp in
            guard stamp != 0 else { return 0 }
            let cycles = Double(Int64(bitPattern: UInt64(bitPattern: Int64(stamp)) &- originCycles))
            return originNanoseconds + Int((cycles * perCycle).rounded())
        }
    }
}
