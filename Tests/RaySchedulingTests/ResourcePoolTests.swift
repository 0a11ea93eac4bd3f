import Testing

@testable import RayScheduling

@Suite("Per-node resources and unit instances")
struct ResourcePoolTests {
    /// A node with `cpus` CPUs and GPUs with machine-wide indexes `gpuIDs`.
    func pool(cpus: Double = 8, gpuIDs: [Int] = [], pin: Bool = false, pus: [Int] = []) throws -> ResourcePool {
        var names = ResourceNameTable()
        let spec = try NodeSpec(cpus: cpus, gpuIDs: gpuIDs, memoryBytes: 1000, objectStoreMemoryBytes: 500, pus: pus, pinCPUs: pin)
        return NodeResources.makePool(spec: spec, names: &names)
    }

    func gpus(_ amount: Double) throws -> ResourceRequest {
        ResourceRequest(gpu: try FixedPoint(amount, name: "GPU"))
    }

    @Test("whole GPUs take whole free instances first fit and report machine-wide GPU ids")
    func wholeGPUs() throws {
        var pool = try pool(gpuIDs: [3, 4, 5, 6])
        let first = try #require(pool.allocate(try gpus(2)))
        #expect(first.gpuIDs == [3, 4])
        let second = try #require(pool.allocate(try gpus(1)))
        #expect(second.gpuIDs == [5])
        #expect(pool.allocate(try gpus(2)) == nil)
        #expect(pool.available(of: .gpu) == .one)
        pool.free(first)
        let third = try #require(pool.allocate(try gpus(2)))
        #expect(third.gpuIDs == [3, 4])
        #expect(pool.units[0].available == [.zero, .zero, .zero, .one])
    }

    @Test("two tasks of 0.5 GPU share one GPU instance")
    func halfGPUsShare() throws {
        var pool = try pool(gpuIDs: [1, 2])
        let a = try #require(pool.allocate(try gpus(0.5)))
        let b = try #require(pool.allocate(try gpus(0.5)))
        #expect(a.gpuIDs == [1])
        #expect(b.gpuIDs == [1])
        #expect(pool.units[0].available == [.zero, .one])
        let c = try #require(pool.allocate(try gpus(0.5)))
        #expect(c.gpuIDs == [2])
    }

    @Test("a fraction takes the best-fitting instance: the one with the least left that still fits")
    func bestFit() throws {
        var pool = try pool(gpuIDs: [0, 1, 2])
        let quarter = try #require(pool.allocate(try gpus(0.75)))  // instance 0: 0.25 left
        let half = try #require(pool.allocate(try gpus(0.5)))  // instance 1: 0.5 left
        #expect(quarter.gpuIDs == [0] && half.gpuIDs == [1])
        #expect(try #require(pool.allocate(try gpus(0.2))).gpuIDs == [0])  // 0.25 is the tightest fit
        #expect(try #require(pool.allocate(try gpus(0.4))).gpuIDs == [1])  // 0.5 beats the free 1.0
        #expect(try #require(pool.allocate(try gpus(0.6))).gpuIDs == [2])
    }

    @Test("fragmented instances: a whole GPU needs one fully free instance even when the sum is enough")
    func fragmentation() throws {
        var pool = try pool(gpuIDs: [0, 1])
        _ = try #require(pool.allocate(try gpus(0.5)))
        _ = try #require(pool.allocate(try gpus(0.75)))
        _ = try #require(pool.allocate(try gpus(0.5)))  // only instance 0 still has 0.5
        #expect(pool.available(of: .gpu) == FixedPoint(rawValue: 2_500))
        var fresh = try self.pool(gpuIDs: [0, 1])
        _ = try #require(fresh.allocate(try gpus(0.5)))
        _ = try #require(fresh.allocate(try gpus(0.6)))
        #expect(fresh.available(of: .gpu) == FixedPoint(rawValue: 9_000))
        #expect(!fresh.canAllocate(try gpus(0.9)))  // 0.5 and 0.4 left: the sum fits, no instance does
        #expect(fresh.isFeasible(try gpus(0.9)))
        #expect(!fresh.canAllocate(try gpus(1)))
        #expect(!fresh.isFeasible(try gpus(3)))
    }

    @Test("release gives back exactly what was taken, instance by instance")
    func exactRelease() throws {
        var pool = try pool(gpuIDs: [7, 8, 9])
        let before = pool
        var taken: [ResourceAllocation] = []
        for amount in [0.5, 1, 0.25, 0.5, 0.25] {
            taken.append(try #require(pool.allocate(ResourceRequest(cpu: .one, gpu: try FixedPoint(amount, name: "GPU")))))
        }
        #expect(pool.allocate(try gpus(1)) == nil)
        for allocation in taken.reversed() { pool.free(allocation) }
        #expect(pool == before)
    }

    @Test("pinned CPUs are PU instances: allocations name the PUs")
    func pinnedCPUs() throws {
        var pool = try pool(cpus: 4, pin: true, pus: [10, 12, 14, 16])
        let two = pool.allocate(ResourceRequest(cpu: FixedPoint(rawValue: 20_000)))
        #expect(two?.cpuIDs == [10, 12])
        let half = pool.allocate(ResourceRequest(cpu: FixedPoint(rawValue: 5_000)))
        #expect(half?.cpuIDs == [14])
        let oneAndHalf = pool.allocate(ResourceRequest(cpu: FixedPoint(rawValue: 15_000)))
        #expect(oneAndHalf?.cpuIDs == [14, 16])
        #expect(pool.available(of: .cpu) == .zero)
        var unpinned = try self.pool(cpus: 8)
        let plain = unpinned.allocate(ResourceRequest(cpu: .one))
        #expect(plain?.cpuIDs == [])
    }

    @Test("critical utilization is the largest of CPU, memory and object store utilization")
    func criticalUtilization() throws {
        var pool = try pool(cpus: 4, gpuIDs: [0])
        #expect(pool.criticalUtilization == 0)
        _ = pool.allocate(ResourceRequest(cpu: .one, gpu: .one))
        #expect(pool.criticalUtilization == 0.25)
        _ = pool.allocate(ResourceRequest(memory: FixedPoint(rawValue: 600 * 10_000)))
        #expect(pool.criticalUtilization == 0.6)
        #expect(pool.utilization(of: .gpu) == 1)
    }
}
