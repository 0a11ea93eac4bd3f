import Foundation
import Testing

@testable import SwiftRay

@Suite("Event clock")
struct EventClockTests {
    @Test("stamps convert to monotonic nanoseconds: 0 stays 0, order holds, and a stamp lands near the monotonic clock's reading")
    func conversion() {
        for countsCycles in [true, false] {
            let clock = EventClock(countsCycles: countsCycles)
            if countsCycles { #expect(clock.countsCycles == EventClock(countsCycles: true).countsCycles) }
            usleep(20_000)
            // Each stamp between two clock readings (a preemption there widens the window, not
            // the error).
            var samples: [(before: Int, stamp: Int, after: Int)] = []
            for _ in 0..<1_000 {
                let before = MonotonicClock.nanoseconds
                let stamp = clock.now()
                samples.append((before, stamp, MonotonicClock.nanoseconds))
            }
            usleep(20_000)
            let convert = clock.converter()
            #expect(convert(0) == 0)
            let converted = samples.map { convert($0.stamp) }
            #expect(converted == converted.sorted())
            // Within a millisecond of its window (the rate is measured over 40 ms).
            let worst = zip(converted, samples).map { max($1.before - $0, $0 - $1.after, 0) }.max() ?? 0
            #expect(worst < 1_000_000, "countsCycles \(clock.countsCycles): off by \(worst) ns")
        }
    }

    @Test("a clock told not to count cycles stamps monotonic nanoseconds and converts them as they are")
    func monotonicFallback() {
        let clock = EventClock(countsCycles: false)
        #expect(!clock.countsCycles)
        let before = MonotonicClock.nanoseconds
        let stamp = clock.now()
        #expect(stamp >= before && stamp <= MonotonicClock.nanoseconds)
        #expect(clock.converter()(stamp) == stamp)
    }
}
