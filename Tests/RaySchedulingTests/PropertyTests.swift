import Testing

@testable import RayScheduling

/// Random sequences of submit / release / cancel / block / reacquire / create and remove groups /
/// schedulePending / addNode, from a seeded generator: after every step the books balance, and the
/// scheduler's view of running and queued tasks matches what its answers said.
@Suite("Property: the books stay exact under random operations")
struct PropertyTests {
    /// A mixed machine: pinned CPUs, GPUs, a custom resource, memory.
    static func cluster() throws -> ClusterResources {
        try ClusterResources(nodes: [
            NodeSpec(cpus: 4, gpuIDs: [0, 1], memoryBytes: 1000, objectStoreMemoryBytes: 400, pus: [0, 1, 2, 3], pinCPUs: true),
            NodeSpec(cpus: 8, gpuIDs: [2], memoryBytes: 2000, objectStoreMemoryBytes: 800),
            NodeSpec(cpus: 2, memoryBytes: 500, customResources: ["accel": 2]),
            NodeSpec(cpus: 6, gpuIDs: [3, 4, 5], memoryBytes: 1000, pus: [8, 9, 10, 11, 12, 13], pinCPUs: true),
        ])
    }

    static let shapes: [[String: Double]] = [
        [:], ["CPU": 1], ["CPU": 0.5], ["CPU": 2], ["CPU": 3.5], ["CPU": 1, "GPU": 0.5], ["GPU": 0.25],
        ["GPU": 1], ["GPU": 2], ["CPU": 1, "memory": 300], ["accel": 1, "CPU": 1], ["object_store_memory": 100],
        ["CPU": 9],
    ]

    static let bundleShapes: [[String: Double]] = [
        ["CPU": 1], ["CPU": 0.5], ["CPU": 2], ["GPU": 0.5, "CPU": 1], ["GPU": 1], ["accel": 1], ["memory": 200],
        ["CPU": 5],
    ]

    /// The model: what the scheduler's answers said.
    struct Model {
        var running = Set<TaskID>()
        var queued = Set<TaskID>()
        var groups: [PlacementGroupID] = []
        var nextTask: UInt64 = 1

        mutating func apply(_ update: SchedulingUpdate) {
            for placement in update.scheduled {
                #expect(queued.remove(placement.task) != nil)
                running.insert(placement.task)
            }
            for failure in update.failed { #expect(queued.remove(failure.task) != nil) }
        }
    }

    func run(seed: UInt64, steps: Int) throws -> [String] {
        var random = SplitMix64(seed: seed)
        var scheduler = ClusterScheduler(
            resources: try Self.cluster(), options: SchedulerOptions(checkBooksAfterEveryOperation: true),
            random: SplitMix64(seed: seed ^ 0xABCD))
        var model = Model()
        var transcript: [String] = []
        func pick<T>(_ items: [T]) -> T? { items.isEmpty ? nil : items[random.index(below: items.count)] }

        for step in 0..<steps {
            let roll = random.index(below: 100)
            switch roll {
            case 0..<35:
                let task = TaskID(model.nextTask)
                model.nextTask += 1
                var shape = try ResourceSet(Self.shapes[random.index(below: Self.shapes.count)])
                let strategy: SchedulingStrategy
                switch random.index(below: 6) {
                case 0: strategy = .spread
                case 1: strategy = .nodeAffinity(.init(nodeID: random.index(below: 6), soft: random.index(below: 2) == 0))
                case 2, 3:
                    let live = model.groups.filter { (try? scheduler.placementGroup($0).state) != .removed }
                    let chosen = random.index(below: 5) == 0 ? pick(model.groups) : pick(live)
                    if let group = chosen, let info = try? scheduler.placementGroup(group) {
                        let index = random.index(below: 3) == 0 ? random.index(below: 6) - 2 : -1
                        strategy = .placementGroup(.init(placementGroup: group, bundleIndex: index))
                        shape = random.index(below: 2) == 0 ? info.bundles[0] : try ResourceSet(cpus: 0.5)
                    } else {
                        strategy = .default
                    }
                default: strategy = .default
                }
                let request = scheduler.request(shape, strategy: strategy, actor: random.index(below: 10) == 0)
                let hints = SchedulingHints(callerNode: random.index(below: 5), argumentBytesByNode: [random.index(below: 4): 100])
                do {
                    let outcome = try scheduler.submit(task, request, hints: hints)
                    transcript.append("\(step) submit \(task) \(outcome)")
                    switch outcome {
                    case .scheduled: model.running.insert(task)
                    case .waiting, .infeasible: model.queued.insert(task)
                    case .unschedulable: break
                    }
                } catch {
                    transcript.append("\(step) submit \(task) threw \(error)")
                }
            case 35..<55:
                if let task = pick(model.running.sorted()) {
                    let done1 = scheduler.release(task)
                    #expect(done1)
                    model.running.remove(task)
                    transcript.append("\(step) release \(task)")
                }
            case 55..<60:
                if let task = pick(model.queued.sorted()) {
                    let done2 = scheduler.cancel(task)
                    #expect(done2)
                    model.queued.remove(task)
                }
            case 60..<66:
                if let task = pick(model.running.sorted()) {
                    if random.index(below: 2) == 0 {
                        _ = try scheduler.releaseForBlockedWait(task)
                        model.apply(scheduler.schedulePending())  // as the runtime does: others may start
                    } else {
                        // Mostly a blocked task (a running one is a no-op).
                        let blocked = model.running.sorted().filter { scheduler.resources.isBlocked($0) }
                        let task = random.index(below: 4) == 0 ? task : pick(blocked) ?? task
                        let placement = try scheduler.reacquireAfterWait(task)
                        let pool = placement.bundle.flatMap { scheduler.resources.bundlePool($0) }
                            ?? scheduler.resources.pools[placement.node]
                        let overcommitted = pool.available(of: .cpu) < .zero ? " overcommitted" : ""
                        transcript.append("\(step) reacquire \(task) \(placement)\(overcommitted)")
                    }
                }
            case 66..<72:
                let count = 1 + random.index(below: 4)
                let bundles = try (0..<count).map { _ in
                    try ResourceSet(Self.bundleShapes[random.index(below: Self.bundleShapes.count)])
                }
                let strategy = PlacementStrategy.allCases[random.index(below: 4)]
                let id = try scheduler.createPlacementGroup(bundles, strategy: strategy)
                model.groups.append(id)
                transcript.append("\(step) create \(id) \(try scheduler.placementGroup(id).state)")
            case 72..<80:
                let live = model.groups.filter { (try? scheduler.placementGroup($0).state) != .removed }
                if let group = random.index(below: 5) == 0 ? pick(model.groups) : pick(live) {
                    do {
                        let removal = try scheduler.removePlacementGroup(group)
                        for task in removal.killedTasks { #expect(model.running.remove(task) != nil) }
                        for task in removal.failedQueuedTasks { #expect(model.queued.remove(task) != nil) }
                        transcript.append("\(step) remove \(group) \(removal.killedTasks) \(removal.failedQueuedTasks)")
                    } catch {
                        #expect(error == .placementGroupAlreadyRemoved(group) || error == .unknownPlacementGroup(group))
                    }
                }
            case 80..<81:
                if scheduler.resources.nodeCount < 6 {
                    _ = try scheduler.addNode(try NodeSpec(cpus: 4, customResources: ["accel": 1]))
                }
            default:
                let update = scheduler.schedulePending()
                model.apply(update)
                transcript.append("\(step) pending \(update.scheduled.map(\.task)) \(update.createdPlacementGroups)")
            }
            let problems = scheduler.auditBooks()
            #expect(problems.isEmpty, "step \(step): \(problems)")
            if !problems.isEmpty { break }
            #expect(Set(scheduler.resources.runningTasks) == model.running, "step \(step)")
            #expect(scheduler.queuedTaskCount == model.queued.count, "step \(step)")
        }

        // Everything given back: every pool is as idle as it started.
        for task in model.running { scheduler.release(task) }
        for task in model.queued { scheduler.cancel(task) }
        for group in model.groups { _ = try? scheduler.removePlacementGroup(group) }
        #expect(scheduler.auditBooks().isEmpty)
        #expect(scheduler.discrepanciesFound.isEmpty, "\(scheduler.discrepanciesFound.prefix(5))")
        #expect(scheduler.resources.bundles.isEmpty)
        #expect(scheduler.resources.pools == scheduler.resources.idlePools)
        return transcript
    }

    @Test("a few thousand random steps keep total = available + allocated everywhere", arguments: [1, 2, 3, 4] as [UInt64])
    func booksStayExact(seed: UInt64) throws {
        let transcript = try run(seed: seed, steps: 3000)
        #expect(transcript.count > 1000)
        // The run exercised every path: tasks placed at once, queued, infeasible, failed; groups
        // created and pending; blocked tasks resumed, some overcommitting; queued work placed later.
        for (kind, least) in [
            ("scheduled", 200), ("waiting", 100), ("infeasible", 20), ("unschedulable", 20), ("CREATED", 30),
            ("PENDING", 30), ("reacquire", 20), ("overcommitted", 3), ("pending [task", 30),
        ] {
            #expect(transcript.filter { $0.contains(kind) }.count >= least, "\(kind)")
        }
    }

    @Test("the same seed gives the same decisions")
    func deterministic() throws {
        #expect(try run(seed: 9, steps: 800) == run(seed: 9, steps: 800))
    }
}
