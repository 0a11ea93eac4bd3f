import Dispatch
import Foundation
import RayTopology
import Synchronization
import Testing

@testable import SwiftRay

@Suite("Executor domains: pinning, binding, Swift concurrency", .serialized, .timeLimit(.minutes(5)))
struct ExecutorPlacementTests {
    @Test("hard domain constraints are never violated on a virtual 4-domain topology")
    func pinnedJobsStayHome() throws {
        let topology = try Topology.load(.synthetic("pack:2 numa:2 core:2 pu:1"))
        try withExecutor(topology, workers: 2, spinMicroseconds: 1) { executor in
            let violations = Atomic<Int>(0)
            let perDomain = 2_000
            let countdown = Countdown(perDomain * 4)
            for round in 0..<perDomain {
                for domain in 0..<4 {
                    try executor.submit(toDomain: domain, pinned: true) {
                        if executor.currentDomain != domain { violations.add(1, ordering: .relaxed) }
                        // Pinned jobs spawned from a pinned job stay pinned too.
                        if round % 100 == 0 {
                            try? executor.submit(toDomain: domain, pinned: true) {
                                if executor.currentDomain != domain { violations.add(1, ordering: .relaxed) }
                            }
                        }
                        countdown.tick()
                    }
                }
            }
            #expect(countdown.wait())
            #expect(violations.load(ordering: .relaxed) == 0)
            #expect(executor.workerCounts == [2, 2, 2, 2])
        }
    }

    @Test("unpinned work flows to idle domains by stealing")
    func idleDomainsSteal() throws {
        let topology = try Topology.load(.synthetic("numa:4 core:1 pu:1"))
        try withExecutor(topology, workers: 1) { executor in
            let domainsSeen = Locked<Set<Int>>([])
            let countdown = Countdown(400)
            for _ in 0..<400 {
                try executor.submit(toDomain: 0) {
                    usleep(200)
                    if let domain = executor.currentDomain { domainsSeen.withLock { _ = $0.insert(domain) } }
                    countdown.tick()
                }
            }
            #expect(countdown.wait())
            #expect(domainsSeen.withLock { $0.count } > 1)
            #expect(executor.statistics().dropFirst().contains { $0.stolenCrossDomain > 0 })
        }
    }

    @Test("workers on the running machine are bound to their domain's PUs")
    func workersAreBound() throws {
        let topology = try Topology.load(.machine)
        try withExecutor(topology) { executor in
            let seen = Locked<[CPUSet]>([])
            let countdown = Countdown(64)
            for index in 0..<64 {
                try executor.submit(toDomain: index % topology.domains.count, pinned: true) {
                    if let cpus = try? ThreadBinding.currentThreadCPUs() { seen.withLock { $0.append(cpus) } }
                    countdown.tick()
                }
            }
            #expect(countdown.wait())
            let sets = seen.withLock { $0 }
            #expect(sets.count == 64)
            #expect(sets.allSatisfy { set in topology.domains.contains { $0.pus == set } })
        }
    }

    @Test("async code preferring a domain executor resumes on that domain")
    func taskExecutorPreference() async throws {
        let topology = try Topology.load(.synthetic("numa:2 core:1 pu:1"))
        let executor = try WorkStealingExecutor(topology: topology)
        for domain in 0..<2 {
            let domainExecutor = try executor.domainExecutor(domain)
            let observed: [Int?] = await withTaskExecutorPreference(domainExecutor) {
                var seen: [Int?] = [executor.currentDomain]
                for _ in 0..<20 {
                    await Task.yield()
                    try? await Task.sleep(nanoseconds: 10_000)
                    seen.append(executor.currentDomain)
                }
                let child = await withTaskGroup(of: Int?.self) { group in
                    for _ in 0..<8 { group.addTask { executor.currentDomain } }
                    return await group.reduce(into: [Int?]()) { $0.append($1) }
                }
                return seen + child
            }
            #expect(observed.allSatisfy { $0 == domain }, "\(observed)")
        }
        let anywhere: Int? = await withTaskExecutorPreference(executor) { executor.currentDomain }
        #expect(anywhere != nil)
        try executor.shutdown()
    }
}
