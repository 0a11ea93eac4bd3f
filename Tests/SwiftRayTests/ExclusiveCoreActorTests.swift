import Foundation
import RayTopology
import Testing

@testable import SwiftRay

/// What an exclusive-core actor reports from inside a call.
struct ExclusiveCallFacts: Sendable, Equatable {
    var onExclusiveThread: Bool
    var domain: Int?
    var cpuIDs: [Int]
}

@Suite("Actors with exclusive cores")
struct ExclusiveCoreActorTests {
    /// A virtual machine of 4 domains of 2 PUs: domain d has PUs 2d and 2d+1.
    private static func fourDomains() throws -> RuntimeOptions {
        RuntimeOptions(topology: try Topology.load(.synthetic("numa:4 core:2 pu:1")))
    }

    /// The CPUs domain `node` has free now.
    private static func freeCPUs(_ ray: RayRuntime, node: Int) -> Double? {
        ray.dispatcher.withScheduler { try? $0.resources.resourceTable(ofNode: node) }?.available["CPU"]?.doubleValue
    }

    private static func facts(_ ray: RayRuntime) -> ExclusiveCallFacts {
        ExclusiveCallFacts(
            onExclusiveThread: ExclusiveCoreThread.current != nil, domain: ray.executor.currentDomain,
            cpuIDs: ray.runtimeContext.cpuIDs)
    }

    @Test("the factory and every call run on a thread of its own; the domain's workers give up that PU")
    func placementOnVirtualMachine() throws {
        try withRuntime(try Self.fourDomains()) { ray in
            let counter = try ray.actor(ActorOptions.exclusive(cores: 1, onDomain: 2)) {
                Counter(node: ExclusiveCoreThread.current?.domainID)
            }
            #expect(try ray.get(try counter.remote { $0.constructedOnNode }, timeout: 30) == 2)
            let facts = try ray.get(try counter.remote { _ in Self.facts(ray) }, timeout: 30)
            #expect(facts == ExclusiveCallFacts(onExclusiveThread: true, domain: 2, cpuIDs: [5]))
            #expect(ray.executor.reservedPUs(ofDomain: 2) == [5])
            #expect(try ray.executor.workerPUs(ofDomain: 2) == [4])
            #expect(try ray.executor.workerPUs(ofDomain: 1) == [2, 3])
            // The CPU is held: the domain has one left for tasks; tasks never run on the thread.
            #expect(Self.freeCPUs(ray, node: 2) == 1)
            let task = try ray.remote(TaskOptions(schedulingStrategy: .nodeAffinity(.init(nodeID: 2, soft: false)))) {
                ExclusiveCoreThread.current == nil
            }
            #expect(try ray.get((0..<50).map { _ in try task.remote() }, timeout: 30).allSatisfy { $0 })
            // Ordered calls, state kept.
            let refs = try (0..<200).map { _ in try counter.remote(Counter.increment) }
            #expect(try ray.get(refs, timeout: 30) == Array(1...200))
            ray.kill(counter)
            #expect(waitUntil { ray.executor.exclusiveThreadCount == 0 })
            #expect(ray.executor.reservedPUs(ofDomain: 2) == [])
            #expect(try ray.executor.workerPUs(ofDomain: 2) == [4, 5])
            #expect(waitUntil { Self.freeCPUs(ray, node: 2) == 2 })  // the tasks' lease goes back after its linger
        }
    }

    @Test("when the domain has no PU left to lend, the next one waits and is placed when one is freed")
    func waitsForAFreePU() throws {
        try withRuntime(try Self.fourDomains()) { ray in
            let first = try ray.actor(ActorOptions.exclusive(cores: 1, onDomain: 0)) { Counter(node: nil) }
            #expect(try ray.get(try first.remote(Counter.increment), timeout: 30) == 1)
            let second = try ray.actor(ActorOptions.exclusive(cores: 1, onDomain: 0)) { Counter(node: nil) }
            let pending = try second.remote { _ in Self.facts(ray) }
            #expect(throws: GetTimeout.self) { try ray.get(pending, timeout: 0.2) }
            #expect(ray.executor.exclusiveThreadCount == 1)
            ray.kill(first)
            let facts = try ray.get(pending, timeout: 30)
            #expect(facts == ExclusiveCallFacts(onExclusiveThread: true, domain: 0, cpuIDs: [1]))
            // Without affinity another domain lends one at once.
            let third = try ray.actor(ActorOptions.exclusive(cores: 1)) { Counter(node: nil) }
            let elsewhere = try ray.get(try third.remote { _ in Self.facts(ray) }, timeout: 30)
            #expect(elsewhere.onExclusiveThread && elsewhere.domain != 0)
            #expect(elsewhere.cpuIDs == [2 * (elsewhere.domain ?? 0) + 1])
        }
    }

    @Test("more cores than any domain can lend: infeasible, shown in status, never oversubscribed")
    func infeasible() throws {
        try withRuntime(try Self.fourDomains()) { ray in
            let greedy = try ray.actor(ActorOptions.exclusive(cores: 2)) { Counter(node: nil) }
            let ref = try greedy.remote(Counter.increment)
            #expect(throws: GetTimeout.self) { try ray.get(ref, timeout: 0.2) }
            #expect(ray.executor.exclusiveThreadCount == 0)
            #expect(ray.status().description.contains("{'CPU': 2.0, 'exclusive_CPU': 2.0}: 1+ pending tasks/actors (infeasible)"))
            ray.kill(greedy)
            #expect(throws: ActorError.self) { try ray.get(ref, timeout: 30) }
        }
    }

    @Test("a kill racing the placement never leaves a thread or a reserved PU behind (stress)")
    func killRacesPlacement() throws {
        try withRuntime(try Self.fourDomains()) { ray in
            for round in 0..<200 {
                let actor = try ray.actor(ActorOptions.exclusive(cores: 1, onDomain: round % 4)) { Counter(node: nil) }
                if round % 2 == 1 { _ = try? ray.get(try actor.remote(Counter.increment), timeout: 30) }
                ray.kill(actor)
            }
            #expect(waitUntil { ray.executor.exclusiveThreadCount == 0 })
            for domain in 0..<4 {
                #expect(ray.executor.reservedPUs(ofDomain: domain) == [])
                #expect(waitUntil { Self.freeCPUs(ray, node: domain) == 2 })
            }
        }
    }

    @Test("bad options are typed errors naming the value")
    func badOptions() throws {
        try withRuntime(try Self.fourDomains()) { ray in
            var options = ActorOptions(exclusiveCores: true)
            #expect(throws: RuntimeError.self) { try ray.actor(options) { Counter(node: nil) } }
            options.numCPUs = 0.5
            do {
                _ = try ray.actor(options) { Counter(node: nil) }
                Issue.record("half a core must not be exclusive")
            } catch let RuntimeError.invalidOption(name, _, reason) {
                #expect(name == "exclusiveCores")
                #expect(reason.contains("0.5"))
            }
            let group = try ray.placementGroup([["CPU": 1]])
            _ = try ray.get(group.ready(), timeout: 30)
            var inGroup = ActorOptions.exclusive(cores: 1)
            inGroup.schedulingStrategy = .placementGroup(.init(placementGroup: group.id))
            #expect(throws: RuntimeError.self) { try ray.actor(inGroup) { Counter(node: nil) } }
        }
    }

    @Test("async exclusive actor: calls start and resume on its thread")
    func asyncActor() throws {
        try withRuntime(try Self.fourDomains()) { ray in
            let actor = try ray.actor(ActorOptions.exclusive(cores: 1, onDomain: 3, ActorOptions(isAsync: true))) {
                AsyncCounter()
            }
            let ref = try actor.remote { (_: AsyncCounter) async throws -> [Bool] in
                var seen = [ExclusiveCoreThread.current?.pus == [7]]
                for _ in 0..<10 {
                    await Task.yield()
                    seen.append(ExclusiveCoreThread.current?.pus == [7])
                }
                return seen
            }
            #expect(try ray.get(ref, timeout: 30) == Array(repeating: true, count: 11))
            #expect(try ray.get((0..<100).map { _ in try actor.remote { await $0.bump() } }, timeout: 30).sorted() == Array(1...100))
        }
    }

    @Test("a restart rebuilds the state on the same cores; shutdown ends the thread")
    func restartAndShutdown() throws {
        let ray = try RayRuntime(try Self.fourDomains())
        let options = ActorOptions.exclusive(cores: 1, onDomain: 1, ActorOptions(maxRestarts: 1))
        let counter = try ray.actor(options) { Counter(node: nil) }
        #expect(try ray.get(try counter.remote(Counter.increment), timeout: 30) == 1)
        #expect(throws: (any Error).self) { try ray.get(try counter.remote { try $0.fail() }, timeout: 30) }
        let facts = try ray.get(try counter.remote { _ in Self.facts(ray) }, timeout: 30)
        #expect(facts == ExclusiveCallFacts(onExclusiveThread: true, domain: 1, cpuIDs: [3]))
        #expect(try ray.get(try counter.remote(Counter.increment), timeout: 30) == 1)
        #expect(ray.executor.exclusiveThreadCount == 1)
        ray.shutdown()
        #expect(ray.executor.exclusiveThreadCount == 0)
        #expect(ray.executor.liveWorkerCount == 0)
    }

    @Test("on the real machine: the thread is bound to its PU and the workers are bound away from it")
    func realBinding() throws {
        let topology = try Topology.load(.machine)
        guard let domain = topology.domains.first(where: { $0.pus.count >= 2 }) else { return }
        try withRuntime(RuntimeOptions(topology: topology)) { ray in
            let pu = try #require(domain.pus.indexes.last)
            let counter = try ray.actor(ActorOptions.exclusive(cores: 1, onDomain: domain.id)) { Counter(node: nil) }
            let bound = try ray.get(try counter.remote { _ in try ThreadBinding.currentThreadCPUs().indexes }, timeout: 30)
            #expect(bound == [pu])
            let rest = CPUSet(domain.pus.filter { $0 != pu })
            let probe = try ray.remote(TaskOptions(schedulingStrategy: .nodeAffinity(.init(nodeID: domain.id, soft: false)))) {
                try ThreadBinding.currentThreadCPUs()
            }
            #expect(try ray.get((0..<20).map { _ in try probe.remote() }, timeout: 30).allSatisfy { $0 == rest })
            ray.kill(counter)
            #expect(waitUntil { ray.executor.exclusiveThreadCount == 0 })
            #expect(try ray.get((0..<20).map { _ in try probe.remote() }, timeout: 30).allSatisfy { $0 == domain.pus })
        }
    }
}
