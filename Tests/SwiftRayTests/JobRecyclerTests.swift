import Dispatch
import Foundation
import RayTopology
import Synchronization
import Testing

@testable import SwiftRay

@Suite("Job recycler", .serialized, .timeLimit(.minutes(5)))
struct JobRecyclerTests {
    /// Spawns `count` jobs from the calling thread into one scope; returns how many ran.
    private func fanOut(_ executor: WorkStealingExecutor, _ count: Int) -> Int {
        let ran = Atomic<Int>(0)
        executor.scope { scope in
            for _ in 0..<count { try? scope.spawn { _ in ran.add(1, ordering: .relaxed) } }
        }
        return ran.load(ordering: .relaxed)
    }

    @Test("jobs run by workers go back to the thread that spawned them, which reuses them, within bounds")
    func jobsComeHomeAndAreReused() throws {
        try withExecutor { executor in
            let recycler = JobRecycler.current
            #expect(fanOut(executor, 5_000) == 5_000)
            // Workers hand back their last batches before they park.
            #expect(waitUntilAllParked(executor))
            let kept = recycler._withUnsafeGuaranteedRef { $0.keptJobs }
            #expect(kept > 0)
            #expect(kept <= 2 * JobRecycler.idleCapacity)
            let reusedBefore = recycler._withUnsafeGuaranteedRef { $0.reusedJobs }
            #expect(fanOut(executor, 5_000) == 5_000)
            #expect(recycler._withUnsafeGuaranteedRef { $0.reusedJobs } > reusedBefore)
            #expect(waitUntilAllParked(executor))
            #expect(recycler._withUnsafeGuaranteedRef { $0.keptJobs } <= 2 * JobRecycler.idleCapacity)
        }
    }

    /// One job on a worker spawns `count` children into one scope.
    private func burstInsideWorker(_ executor: WorkStealingExecutor, _ count: Int) -> Int {
        let ran = Atomic<Int>(0)
        executor.scope { scope in
            try? scope.spawn { inner in
                for _ in 0..<count { try? inner.spawn { _ in ran.add(1, ordering: .relaxed) } }
            }
        }
        return ran.load(ordering: .relaxed)
    }

    /// The worker's own recycler, read on the worker (owner-only fields).
    private func workerRecycler(_ executor: WorkStealingExecutor) throws -> (kept: Int, reused: Int) {
        try executor.install {
            JobRecycler.current._withUnsafeGuaranteedRef { ($0.keptJobs, $0.reusedJobs) }
        }
    }

    @Test("a busy worker keeps a burst's backlog of jobs for the next burst, and frees it once parked past the trim delay")
    func workersKeepTheirBacklogUntilIdle() throws {
        // One worker: the burst's 20,000 children all wait in its deque (a backlog), so each is
        // allocated; once run they go onto its free list, beyond what an idle thread keeps.
        let topology = try Topology.load(.synthetic("numa:1 core:1 pu:1"))
        try withExecutor(topology, trimDelayMilliseconds: 50) { executor in
            let burst = 20_000
            #expect(burstInsideWorker(executor, burst) == burst)
            let afterFirst = try workerRecycler(executor)
            #expect(afterFirst.kept >= burst)
            #expect(afterFirst.kept <= 2 * JobRecycler.busyCapacity)
            #expect(burstInsideWorker(executor, burst) == burst)
            let afterSecond = try workerRecycler(executor)
            #expect(afterSecond.reused - afterFirst.reused >= burst)
            // Parked, then woken by its own timeout, it frees the surplus and parks again.
            let deadline = Date().addingTimeInterval(30)
            var kept = afterSecond.kept
            while kept > JobRecycler.idleCapacity && Date() < deadline {
                #expect(waitUntilAllParked(executor))
                Thread.sleep(forTimeInterval: 0.2)
                kept = try workerRecycler(executor).kept
            }
            #expect(kept <= JobRecycler.idleCapacity)
            // And the next burst still runs (allocating what it needs again).
            #expect(burstInsideWorker(executor, burst) == burst)
        }
    }

    @Test("jobs submitted while workers wake up to trim are never lost", arguments: [1, 2, 64], [1, 2])
    func trimmingLosesNoWakeUp(jobsPerRound: Int, workers: Int) throws {
        // One worker: every burst is all backlog, so every park after it is timed (and times
        // out at once) and races the submitter's wake-up. Two: a thief's races as well.
        let topology = try Topology.load(.synthetic("numa:1 core:\(workers) pu:1"))
        try withExecutor(topology, spinMicroseconds: 0, trimDelayMilliseconds: 0) { executor in
            for round in 0..<300 {
                // A backlog inside a worker leaves spare jobs behind, so the next park is timed.
                #expect(burstInsideWorker(executor, 3_000) == 3_000)
                if round % 3 == 0 { usleep(UInt32(round % 7) * 100) }
                let countdown = Countdown(jobsPerRound)
                for _ in 0..<jobsPerRound { try executor.submit { countdown.tick() } }
                try #require(countdown.wait(seconds: 60), "round \(round): a job was not run")
            }
        }
    }

    @Test("a job kept for reuse has let go of what its closure captured")
    func keptJobsHoldNoCaptures() throws {
        final class Payload: Sendable {}
        try withExecutor { executor in
            var released: [() -> Bool] = []
            executor.scope { scope in
                for _ in 0..<2_000 {
                    let payload = Payload()
                    weak let weakPayload = payload
                    released.append { weakPayload == nil }
                    try? scope.spawn { _ in _ = payload }
                }
            }
            // A worker drops the closure before it looks for its next job.
            #expect(waitUntilAllParked(executor))
            #expect(released.allSatisfy { $0() })
            #expect(JobRecycler.current._withUnsafeGuaranteedRef { $0.keptJobs } > 0)
        }
    }

    @Test("jobs spawned inside workers are reused there, nested scopes included")
    func spawnsInsideWorkers() throws {
        try withExecutor { executor in
            let total = Atomic<Int>(0)
            for _ in 0..<20 {
                executor.scope { scope in
                    for _ in 0..<50 {
                        try? scope.spawn { inner in
                            executor.scope { nested in
                                for _ in 0..<20 { try? nested.spawn { _ in total.add(1, ordering: .relaxed) } }
                            }
                            for _ in 0..<20 { try? inner.spawn { _ in total.add(1, ordering: .relaxed) } }
                        }
                    }
                }
            }
            #expect(total.load(ordering: .relaxed) == 20 * 50 * 40)
        }
    }

    @Test("a thread that spawned may end while its jobs still finish: its recycler lives on for the next thread")
    func spawningThreadsEnd() throws {
        try withExecutor { executor in
            let total = Atomic<Int>(0)
            for _ in 0..<40 {
                let finished = DispatchSemaphore(value: 0)
                let thread = Thread {
                    executor.scope { scope in
                        for _ in 0..<300 { try? scope.spawn { _ in total.add(1, ordering: .relaxed) } }
                    }
                    finished.signal()
                }
                thread.start()
                try #require(finished.wait(timeout: .now() + 30) == .success)
            }
            #expect(total.load(ordering: .relaxed) == 40 * 300)
            #expect(waitUntilAllParked(executor))
        }
    }
}
