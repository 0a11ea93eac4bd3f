import Dispatch
import Glibc
import Synchronization
import Testing

@testable import SwiftRay

/// A lease queue's runners: at most ``LeaseQueue/maxLingeringRunners`` wait for its next task
/// at once, and the runners that do not wait give their lease back without stranding a task.
@Suite("Lease queue")
struct LeaseQueueTests {
    @Test("at most two runners of a queue linger at once; a runner that stops lingering frees its place")
    func lingeringIsCapped() {
        let queue = LeaseQueue(preferredNode: nil, leaseLimit: 8)
        #expect(LeaseQueue.maxLingeringRunners == 2)
        #expect(queue.startLingering())
        #expect(queue.startLingering())
        #expect(!queue.startLingering())
        queue.stopLingering()
        #expect(queue.startLingering())
        #expect(!queue.startLingering())
        queue.stopLingering()
        queue.stopLingering()
        #expect(queue.startLingering())
        queue.stopLingering()
    }

    @Test("threads racing to linger never exceed the cap (a gauge of those inside)")
    func lingeringCapUnderRaces() {
        let queue = LeaseQueue(preferredNode: nil, leaseLimit: 8)
        let inside = Atomic<Int>(0)
        let most = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            for _ in 0..<20_000 {
                guard queue.startLingering() else { continue }
                let now = inside.add(1, ordering: .relaxed).newValue
                var seen = most.load(ordering: .relaxed)
                while now > seen, !most.compareExchange(expected: seen, desired: now, ordering: .relaxed).exchanged {
                    seen = most.load(ordering: .relaxed)
                }
                inside.subtract(1, ordering: .relaxed)
                queue.stopLingering()
            }
        }
        #expect(most.load(ordering: .relaxed) <= LeaseQueue.maxLingeringRunners)
        #expect(most.load(ordering: .relaxed) >= 1)
    }

    @Test("with more workers than lingering runners, bursts of tiny tasks separated by pauses all finish")
    func burstsAfterRunnersEnded() throws {
        let ray = try RayRuntime(RuntimeOptions(topology: try Topology.load(.synthetic("numa:2 core:4 pu:1"))))
        defer { ray.shutdown() }
        let square = try ray.remote { (x: Int) in x * x }
        for round in 0..<30 {
            let refs = try (0..<500).map { try square.remote($0 + round) }
            #expect(try ray.get(refs, timeout: 60) == (0..<500).map { ($0 + round) * ($0 + round) })
            if round % 3 == 0 { usleep(2_000) }  // every runner gives its lease back meanwhile
        }
    }
}
