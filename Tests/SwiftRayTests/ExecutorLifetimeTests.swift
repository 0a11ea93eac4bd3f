import Foundation
import RayTopology
import Testing

@testable import SwiftRay

/// What an executor leaves behind once it has shut down and its last reference went: nothing.
/// (LeakSanitizer found both leaks checked here after every test that made a runtime.)
@Suite("Executor lifetime", .serialized, .timeLimit(.minutes(2)))
struct ExecutorLifetimeTests {
    @Test("an executor that shut down and went frees its workers, and this thread's lanes into it")
    func executorLeavesNothing() throws {
        weak var worker: Worker?
        weak var lanes: SubmissionLanes.ThreadLanes?
        do {
            var configuration = WorkStealingExecutor.Configuration()
            configuration.defaultWorkersPerDomain = 2  // two workers hold each other in their steal orders
            let executor = try WorkStealingExecutor(topology: Topology.load(.machine), configuration: configuration)
            let ran = Countdown(1)
            try executor.submit { ran.tick() }  // from this thread: its lanes into the executor
            #expect(ran.wait())
            worker = executor.workers.first
            lanes = ThreadLaneTable.current(key: ThreadLaneTable.key)._withUnsafeGuaranteedRef {
                $0.lanes(of: executor.lanes.liveness)?.takeUnretainedValue()
            }
            #expect(lanes != nil)
            try executor.shutdown()
        }
        // A worker's Dispatch block may let go of the executor a moment after shutdown returns.
        #expect(waitUntil { worker == nil }, "the workers outlived their executor")
        // This thread lets go of its lanes into an ended executor when it next registers.
        try withExecutor { next in
            let ran = Countdown(1)
            try next.submit { ran.tick() }
            #expect(ran.wait())
        }
        #expect(lanes == nil, "this thread kept its lanes into an executor that ended")
    }
}
