import Testing

@testable import RayScheduling

@Suite("status(): ray status's Resources and Demands sections, per node")
struct StatusTests {
    @Test("usage with placement-group reservations, demands for infeasible tasks and groups, per-node lines")
    func fullReport() throws {
        var scheduler = try Fixtures.scheduler(try Fixtures.fourByFour())
        let group = try scheduler.createPlacementGroup([try cpus(2), try cpus(2)], strategy: .strictPack)
        _ = try scheduler.submit(1, scheduler.request(try cpus(1), strategy: .placementGroup(.init(placementGroup: group))))
        let one = scheduler.request(try cpus(1))
        for task in 2...4 { _ = try scheduler.submit(TaskID(UInt64(task)), one) }
        #expect(try scheduler.submit(5, scheduler.request(try cpus(8))) == .infeasible)
        _ = try scheduler.createPlacementGroup(Array(repeating: try cpus(1), count: 5), strategy: .strictSpread)
        let expected = """
            Resources
            ---------------------------------------------------------------
            Usage:
             4.0/16.0 CPU (1.0 used of 4.0 reserved in placement groups)
             0B/2.80GiB memory
             0B/1.20GiB object_store_memory

            Demands:
             {'CPU': 8.0}: 1+ pending tasks/actors (infeasible)
             {'CPU': 1.0} * 5 (STRICT_SPREAD): 1+ pending placement groups (infeasible)

            Node: 0
             Usage:
              1.0/4.0 CPU (1.0 used of 4.0 reserved in placement groups)
              0B/716.80MiB memory
              0B/307.20MiB object_store_memory

            Node: 1
             Usage:
              2.0/4.0 CPU
              0B/716.80MiB memory
              0B/307.20MiB object_store_memory

            Node: 2
             Usage:
              1.0/4.0 CPU
              0B/716.80MiB memory
              0B/307.20MiB object_store_memory

            Node: 3
             Usage:
              0.0/4.0 CPU
              0B/716.80MiB memory
              0B/307.20MiB object_store_memory
            """
        #expect(scheduler.status().description == expected)
        let usage = try #require(scheduler.status().usage.first)
        #expect(usage.resource == "CPU" && usage.used == 4 && usage.total == 16)
        #expect(usage.placementGroupUsed == 1 && usage.placementGroupReserved == 4)
        scheduler.expectBalanced()
    }

    @Test("waiting tasks are demands with counts; tasks waiting inside groups are not")
    func demands() throws {
        var scheduler = try Fixtures.scheduler(try Fixtures.pciMachine())
        let gpus = scheduler.request(try ResourceSet(gpus: 2))
        _ = try scheduler.submit(1, gpus)
        #expect(try scheduler.submit(2, gpus) == .waiting(.busy(node: 1)))
        #expect(try scheduler.submit(3, gpus) == .waiting(.busy(node: 1)))
        let group = try scheduler.createPlacementGroup([try resources(["GPU": 1])])
        let inGroup = scheduler.request(try ResourceSet(gpus: 1), strategy: .placementGroup(.init(placementGroup: group)))
        _ = try scheduler.submit(4, inGroup)
        #expect(try scheduler.submit(5, inGroup) == .waiting(.busy(node: 0)))
        let status = scheduler.status()
        #expect(status.taskDemands == [.init(shape: try ResourceSet(gpus: 2), count: 2, isInfeasible: false)])
        #expect(status.description.contains("\nDemands:\n {'GPU': 2.0}: 2+ pending tasks/actors\n"))
        #expect(status.description.contains(" 3.0/3.0 GPU (1.0 used of 1.0 reserved in placement groups)"))
        scheduler.expectBalanced()
    }

    @Test("an idle cluster has no demands; memory is formatted as Ray formats it")
    func idle() throws {
        let scheduler = try Fixtures.scheduler(try Fixtures.fourByFour())
        #expect(scheduler.status().description.contains("Demands:\n (no resource demands)\n"))
        #expect(ClusterStatus.formatMemory(0) == "0B")
        #expect(ClusterStatus.formatMemory(1023) == "1023B")
        #expect(ClusterStatus.formatMemory(1536) == "1.50KiB")
        #expect(ClusterStatus.formatMemory(Double(1 << 30) + 1) == "1.00GiB")
        #expect(ClusterStatus.formatMemory(3 * Double(1 << 40)) == "3.00TiB")
        #expect(ClusterStatus.formatFloat(0) == "0.0")
        #expect(ClusterStatus.formatFloat(2.5) == "2.5")
        scheduler.expectBalanced()
    }
}
