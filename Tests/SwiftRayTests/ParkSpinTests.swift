import Dispatch
import Testing

@testable import SwiftRay

/// How long a blocked get spins before it parks (ParkSpin.swift): the budget follows the waits
/// that parked, and a get in either mode still wakes when its object completes and still times
/// out at its deadline. Times are passed in where the rule is checked, so the rule does not
/// depend on the machine's speed.
@Suite("Park spin")
struct ParkSpinTests {
    @Test("short at first; long after a parked wait that ended within the long spin; short again after a longer one")
    func budgetFollowsParkedWaits() {
        let spin = ParkSpin()
        #expect(spin.budget == ParkSpin.shortNanoseconds)
        spin.parkedWaitEnded(startedAt: 1_000_000, endedAt: 1_000_000 + ParkSpin.longNanoseconds - 1)
        #expect(spin.budget == ParkSpin.longNanoseconds)
        spin.parkedWaitEnded(startedAt: 2_000_000, endedAt: 2_000_000 + 50_000)
        #expect(spin.budget == ParkSpin.longNanoseconds)
        spin.parkedWaitEnded(startedAt: 3_000_000, endedAt: 3_000_000 + ParkSpin.longNanoseconds)
        #expect(spin.budget == ParkSpin.shortNanoseconds)
        spin.parkedWaitEnded(startedAt: 4_000_000, endedAt: 4_000_000 + 10_000_000)
        #expect(spin.budget == ParkSpin.shortNanoseconds)
        spin.parkedWaitEnded(startedAt: 5_000_000, endedAt: 5_000_000 + 21_000)
        #expect(spin.budget == ParkSpin.longNanoseconds)
    }

    @Test("a get that parks, in either mode, wakes with the value a producer delivers later")
    func parkedGetsWake() throws {
        let store = try makeStore()
        // 2 ms parks and then sets the short spin, 0 ms (a wake-up sooner than the long spin)
        // usually the long one: gets meet both modes.
        for delayMilliseconds in [2, 0, 2, 0, 0, 2] {
            let ref = try store.makePending(of: Int.self)
            let value = 40 + delayMilliseconds
            DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(delayMilliseconds)) {
                try? store.fulfil(ref, with: value)
            }
            #expect(try store.get(ref, timeout: 30) == value)
            #expect(try store.get([ref, try store.put(1)], timeout: 30) == [value, 1])
        }
    }

    @Test("in the long mode a get still times out at its deadline, and a timeout changes no mode")
    func longModeKeepsDeadlines() throws {
        let store = try makeStore()
        store.parkSpin.parkedWaitEnded(startedAt: 0, endedAt: 1)
        #expect(store.parkSpin.budget == ParkSpin.longNanoseconds)
        let ref = try store.makePending(of: Int.self)
        #expect(throws: GetTimeout(timeout: 0.0001, pending: [ref.id])) { try store.get(ref, timeout: 0.0001) }
        #expect(throws: GetTimeout(timeout: 0.01, pending: [ref.id])) { try store.get(ref, timeout: 0.01) }
        #expect(store.parkSpin.budget == ParkSpin.longNanoseconds)
        try store.fulfil(ref, with: 3)
        #expect(try store.get(ref, timeout: 0) == 3)
    }
}
