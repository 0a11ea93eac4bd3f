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
            var pairs: [(stamp: Int, nanoseconds: Int)] = []
            for _ in 0..<1_000 { pairs.append((clock.now(), MonotonicClock.nanoseconds)) }
            usleep(20_000)
            let convert = clock.converter()
            #expect(convert(0) == 0)
            let converted = pairs.map { convert($0.stamp) }
            #expect(converted == converted.sorted())
            // Within a millisecond of the monotonic clock (the rate is measured over 40 ms).
            let worst = zip(converted, pairs).map { abs($0 - $1.nanoseconds) }.max() ?? 0
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
