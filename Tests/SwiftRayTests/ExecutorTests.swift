import Dispatch
import Foundation
import RayTopology
import Synchronization
import Testing

@testable import SwiftRay

@Suite("Work-stealing executor", .serialized, .timeLimit(.minutes(5)))
struct ExecutorTests {
    @Test("jobs from outside all run, counted per domain")
    func outsideSubmissions() throws {
        try withExecutor { executor in
            let count = 10_000
            let countdown = Countdown(count)
            for _ in 0..<count { try executor.submit { countdown.tick() } }
            #expect(countdown.wait())
            try executor.shutdown()
            #expect(executor.statistics().reduce(0) { $0 + $1.jobsRun } == count)
        }
    }

    @Test("submit, park, wake: no lost wake-up over many rounds", arguments: [1, 2, 64])
    func parkAndWake(jobsPerRound: Int) throws {
        try withExecutor(spinMicroseconds: 0) { executor in
            for round in 0..<200 {
                let countdown = Countdown(jobsPerRound)
                for _ in 0..<jobsPerRound { try executor.submit { countdown.tick() } }
                try #require(countdown.wait(seconds: 30), "round \(round) lost a wake-up")
                if round % 20 == 0 { #expect(waitUntilAllParked(executor)) }
            }
        }
    }

    @Test(
        "a burst of jobs that block wakes every worker it needs",
        arguments: [(2, 0, false), (4, 0, false), (4, 20, false), (8, 5, false), (3, 2_000, true), (4, 2_000, true)])
    func burstOfBlockingJobsWakesEnoughWorkers(workers: Int, spinMicroseconds: Int, oneSearcher: Bool) throws {
        // Each job blocks (outside the executor's knowledge) until every job of its round has
        // started, so each round needs all `workers` workers awake at once. A submission that
        // leaves a job queued while a worker sleeps (the woken or spinning worker took one job
        // and nobody passed the baton on) hangs the round, and the deadline fails the test.
        // `oneSearcher`: the burst lands while exactly one worker spins and the rest are parked,
        // so every submission sees a searcher and wakes nobody itself.
        try withExecutor(workers: workers, spinMicroseconds: spinMicroseconds) { executor in
            for round in 0..<(oneSearcher ? 100 : 150) {
                if oneSearcher {
                    #expect(waitUntilAllParked(executor))
                    let warm = Countdown(1)
                    try executor.submit { warm.tick() }
                    try #require(warm.wait(seconds: 30))
                }
                let started = Countdown(workers)
                let release = DispatchSemaphore(value: 0)
                for _ in 0..<workers {
                    try executor.submit {
                        started.tick()
                        release.wait()
                    }
                }
                let allStarted = started.wait(seconds: 30)
                for _ in 0..<workers { release.signal() }
                try #require(allStarted, "round \(round): a job sat queued while a worker slept")
                if round % 3 == 0 && !oneSearcher { #expect(waitUntilAllParked(executor)) }
            }
        }
    }

    @Test("jobs spawned inside workers, woken from parked peers")
    func spawnsFromWorkers() throws {
        try withExecutor(spinMicroseconds: 0) { executor in
            for _ in 0..<50 {
                let countdown = Countdown(100)
                try executor.submit {
                    for _ in 0..<100 { try? executor.submit { countdown.tick() } }
                }
                try #require(countdown.wait(seconds: 30))
            }
        }
    }

    @Test("a job blocked on another job's result keeps its worker busy with other jobs")
    func blockingChainOnTwoWorkers() throws {
        try withExecutor(workers: 2) { executor in
            // Job i submits job i+1, then blocks until job i+1 has finished; the last job blocks
            // until the test thread releases it. Twenty jobs blocked at once on two workers:
            // without helping (or compensating workers) this deadlocks at the third link.
            let links = 20
            let finished = (0...links).map { _ in WorkerLatch() }
            let started = Countdown(links)
            @Sendable func link(_ index: Int) {
                started.tick()
                if index + 1 < links { try? executor.submit { link(index + 1) } }
                finished[index + 1].wait(on: executor)
                finished[index].countDown()
            }
            try executor.submit { link(0) }
            #expect(started.wait(seconds: 60))
            finished[links].countDown()
            let done = Countdown(1)
            DispatchQueue.global().async {
                finished[0].wait(on: executor)
                done.tick()
            }
            #expect(done.wait(seconds: 60))
        }
    }

    @Test("nested fork-join 20 levels deep on 2 workers completes")
    func nestedJoin() throws {
        try withExecutor(workers: 2) { executor in
            @Sendable func depth(_ level: Int) -> Int {
                guard level > 0 else { return 1 }
                let (a, b) = (try? executor.join({ depth(level - 1) }, { level })) ?? (0, 0)
                return a + b
            }
            let result = Locked<Int?>(nil)
            let done = Countdown(1)
            try executor.submit {
                result.withLock { $0 = depth(20) }
                done.tick()
            }
            #expect(done.wait())
            #expect(result.withLock { $0 } == 1 + (1...20).reduce(0, +))
            // And a full binary tree of joins, 16 levels (65,536 leaves).
            @Sendable func tree(_ level: Int) -> Int {
                guard level > 0 else { return 1 }
                let (a, b) = (try? executor.join({ tree(level - 1) }, { tree(level - 1) })) ?? (0, 0)
                return a + b
            }
            #expect(try executor.join({ tree(16) }, { 0 }).0 == 1 << 16)
        }
    }

    @Test("a scope waits for everything spawned into it, recursively")
    func scopes() throws {
        try withExecutor { executor in
            let total = Atomic<Int>(0)
            executor.scope { scope in
                for _ in 0..<10 {
                    try? scope.spawn { inner in
                        for _ in 0..<10 { try? inner.spawn { _ in total.add(1, ordering: .relaxed) } }
                    }
                }
            }
            #expect(total.load(ordering: .relaxed) == 100)
        }
    }

    @Test("shutdown finishes queued work, joins every worker, frees every job")
    func shutdownWithQueuedWork() throws {
        final class Payload: Sendable {}
        let executor = try WorkStealingExecutor(topology: Topology.load(.machine))
        let ran = Atomic<Int>(0)
        var weakPayloads: [() -> Bool] = []
        for index in 0..<5_000 {
            let payload = Payload()
            weak let weakPayload = payload
            if index % 100 == 0 { weakPayloads.append({ weakPayload == nil }) }
            try executor.submit {
                _ = payload
                ran.add(1, ordering: .relaxed)
            }
        }
        try executor.shutdown()
        #expect(ran.load(ordering: .relaxed) == 5_000)
        #expect(executor.liveWorkerCount == 0)
        #expect(weakPayloads.allSatisfy { $0() })
        #expect(throws: ExecutorError.shutDown) { try executor.submit {} }
        try executor.shutdown()  // idempotent
    }

    @Test("shutdown from a worker is refused, not a deadlock")
    func shutdownFromWorker() throws {
        try withExecutor { executor in
            let outcome = Locked<ExecutorError?>(nil)
            let done = Countdown(1)
            try executor.submit {
                do throws(ExecutorError) { try executor.shutdown() } catch { outcome.withLock { $0 = error } }
                done.tick()
            }
            #expect(done.wait())
            #expect(outcome.withLock { $0 } == .shutDownFromWorker)
        }
    }

    @Test("bad configuration and unknown domains are typed errors")
    func badInput() throws {
        let topology = try Topology.load(.synthetic("numa:2 core:1 pu:1"))
        var configuration = WorkStealingExecutor.Configuration()
        configuration.workersPerDomain = [5: 1]
        #expect(throws: ExecutorError.unknownDomain(id: 5, domainCount: 2)) {
            try WorkStealingExecutor(topology: topology, configuration: configuration)
        }
        configuration.workersPerDomain = [1: 0]
        #expect(throws: ExecutorError.invalidWorkerCount(domain: 1, count: 0)) {
            try WorkStealingExecutor(topology: topology, configuration: configuration)
        }
        try withExecutor(topology) { executor in
            #expect(throws: ExecutorError.unknownDomain(id: 2, domainCount: 2)) { try executor.submit(toDomain: 2) {} }
            #expect(throws: ExecutorError.unknownDomain(id: -1, domainCount: 2)) { try executor.domainExecutor(-1) }
        }
    }
}
