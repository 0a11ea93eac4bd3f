import Dispatch
import Foundation
import Testing

@testable import SwiftRay

@Suite("Placement groups on the runtime")
struct PlacementGroupRuntimeTests {
    /// Two virtual domains of four PUs each.
    static func twoDomains() throws -> RuntimeOptions {
        RuntimeOptions(topology: try Topology.load(.synthetic("numa:2 core:4 pu:1")))
    }

    @Test("PACK and STRICT_SPREAD groups: ready() as an ObjectRef, bundles on domains, tasks run inside")
    func createAndUse() throws {
        try withRuntime(try Self.twoDomains()) { ray in
            let packed = try ray.placementGroup([["CPU": 1], ["CPU": 1]], strategy: .pack, name: "packed")
            #expect(try ray.get(packed.ready(), timeout: 10))
            #expect(packed.info?.state == .created)
            let nodes = packed.info?.bundleNodes ?? []
            #expect(nodes.count == 2 && nodes[0] == nodes[1])

            let spread = try ray.placementGroup([["CPU": 1], ["CPU": 1]], strategy: .strictSpread)
            #expect(try spread.wait(timeout: 10))
            let spreadNodes = Set((spread.info?.bundleNodes ?? []).compactMap { $0 })
            #expect(spreadNodes == [0, 1])

            let whereAmI = try ray.remote(TaskOptions(schedulingStrategy: spread.strategy(bundleIndex: 1))) {
                () -> RuntimeContext in ray.runtimeContext
            }
            let context = try ray.get(try whereAmI.remote(), timeout: 10)
            #expect(context.placementGroup == spread.id)
            #expect(context.bundleIndex == 1)
            #expect(context.nodeID == spread.info?.bundleNodes[1])

            #expect(try ray.placementGroup(named: "packed").id == packed.id)
            #expect(throws: RuntimeError.self) { try ray.placementGroup(named: "nope") }
            #expect(throws: RuntimeError.self) { try ray.placementGroup([["CPU": 1]], name: "packed") }
            #expect(ray.status().description.contains("CPU"))
        }
    }

    @Test("an infeasible group stays pending, reported as a demand, and never hangs a timed wait")
    func infeasible() throws {
        try withRuntime(try Self.twoDomains()) { ray in
            let tooWide = try ray.placementGroup([["CPU": 1], ["CPU": 1], ["CPU": 1]], strategy: .strictSpread)
            #expect(try tooWide.wait(timeout: 0.05) == false)
            #expect(tooWide.info?.state == .pending)
            #expect(tooWide.info?.isInfeasible == true)
            #expect(!ray.status().placementGroupDemands.isEmpty)
            try ray.removePlacementGroup(tooWide)
            #expect(throws: TaskUnschedulable.self) { try ray.get(tooWide.ready(), timeout: 10) }
        }
    }

    @Test("removing a group frees its resources, fails its queued tasks, and refuses a second removal")
    func removal() throws {
        try withRuntime(try Self.twoDomains()) { ray in
            let group = try ray.placementGroup([["CPU": 1]])
            #expect(try group.wait(timeout: 10))
            let gate = DispatchSemaphore(value: 0)
            let hold = try ray.remote(TaskOptions(schedulingStrategy: group.strategy())) { () -> Int in
                gate.wait()
                return 1
            }
            let running = try hold.remote()
            let queued = try hold.remote()  // the bundle's one CPU is taken: it waits
            while ray.status().usage.first(where: { $0.resource == "CPU" })?.used ?? 0 < 1 { usleep(1000) }
            try ray.removePlacementGroup(group)
            gate.signal()
            gate.signal()
            #expect(throws: TaskUnschedulable.self) { try ray.get(queued, timeout: 10) }
            _ = try? ray.get(running, timeout: 10)
            #expect(throws: RuntimeError.self) { try ray.removePlacementGroup(group) }
            let later = try hold.remote()
            #expect(throws: TaskUnschedulable.self) { try ray.get(later, timeout: 10) }
            #expect(ray.dispatcher.withScheduler { $0.auditBooks() }.isEmpty)
        }
    }

    @Test("bad input: an empty group, an empty bundle, invalid quantities")
    func badInput() throws {
        try withRuntime(try Self.twoDomains()) { ray in
            #expect(throws: RuntimeError.self) { try ray.placementGroup([]) }
            #expect(throws: RuntimeError.self) { try ray.placementGroup([[:]]) }
            #expect(throws: RuntimeError.self) { try ray.placementGroup([["CPU": -1]]) }
            #expect(throws: RuntimeError.self) { try ray.placementGroup([["GPU": 1.5]]) }
        }
    }
}

@Suite("GPUs through the public API")
struct GPURuntimeTests {
    @Test("a GPU task sees its GPU ids; two 0.5-GPU tasks share one instance; a GPU bundle's task sees the bundle's GPU")
    func gpuIDs() throws {
        let topology = try Topology.load(.synthetic("numa:2 core:2 pu:1"))
        // Domain 1 has two GPUs (ids 0 and 1), domain 0 none.
        let options = RuntimeOptions(topology: topology, perDomain: [0: NodeOverrides(gpuIDs: []), 1: NodeOverrides(gpuIDs: [0, 1])])
        try withRuntime(options) { ray in
            let whole = try ray.remote(TaskOptions(numGPUs: 1)) { () -> RuntimeContext in ray.runtimeContext }
            let context = try ray.get(try whole.remote(), timeout: 10)
            #expect(context.nodeID == 1)
            #expect(context.gpuIDs.count == 1 && [0, 1].contains(context.gpuIDs[0]))

            // Both halves run at once (each waits until the other started) on one GPU instance.
            let started = DispatchSemaphore(value: 0)
            let gate = DispatchSemaphore(value: 0)
            let half = try ray.remote(TaskOptions(numCPUs: 0, numGPUs: 0.5)) { () -> [Int] in
                started.signal()
                gate.wait()
                return ray.runtimeContext.gpuIDs
            }
            let a = try half.remote()
            let b = try half.remote()
            #expect(started.wait(timeout: .now() + 30) == .success)
            #expect(started.wait(timeout: .now() + 30) == .success)
            gate.signal()
            gate.signal()
            let ids = try ray.get([a, b], timeout: 10)
            #expect(ids[0].count == 1 && ids[0] == ids[1])

            let group = try ray.placementGroup([["GPU": 1, "CPU": 1]], strategy: .strictPack)
            #expect(try group.wait(timeout: 10))
            #expect(group.info?.bundleNodes == [1])
            let inGroup = try ray.remote(TaskOptions(numGPUs: 1, schedulingStrategy: group.strategy(bundleIndex: 0))) {
                () -> RuntimeContext in ray.runtimeContext
            }
            let grouped = try ray.get(try inGroup.remote(), timeout: 10)
            #expect(grouped.nodeID == 1 && grouped.gpuIDs.count == 1 && grouped.placementGroup == group.id)
            #expect(ray.dispatcher.withScheduler { $0.auditBooks() }.isEmpty)
        }
    }
}
