import Foundation
import Testing

@testable import SwiftRay

@Suite("State API and timeline")
struct StateAPITests {
    @Test("list tasks: states as Ray's, filters by field, summarize by name")
    func listTasks() throws {
        try withRuntime { ray in
            let ok = try ray.remote(TaskOptions(name: "ok")) { (x: Int) in x }
            let bad = try ray.remote(TaskOptions(name: "bad")) { () throws -> Int in throw Boom.code(1) }
            let hidden = try ray.remote(TaskOptions(name: "hidden", enableTaskEvents: false)) { 0 }
            _ = try ray.get(try (0..<5).map { try ok.remote($0) })
            _ = try? ray.get(try bad.remote())
            _ = try ray.get(try hidden.remote())
            #expect(waitUntil { (try? ray.listTasks(filters: [StateFilter("state", .equal, "FINISHED")]).count) == 5 })
            let failed = try ray.listTasks(filters: [StateFilter("state", "FAILED")])
            #expect(failed.count == 1)
            #expect(failed.first?.name == "bad")
            #expect(failed.first?.errorMessage?.contains("code(1)") == true)
            #expect(try ray.listTasks(filters: [StateFilter("name", "hidden")]).isEmpty)
            #expect(try ray.listTasks(filters: [StateFilter("name", .notEqual, "ok")]).count == 1)
            #expect(try ray.listTasks(limit: 2).count == 2)
            let finished = try ray.listTasks(filters: [StateFilter("name", "ok")])
            #expect(finished.allSatisfy { $0.nodeID == 0 && $0.attempts == 1 && $0.workerIndex != nil })
            let summary = ray.summarizeTasks()
            #expect(summary.first { $0.name == "ok" }?.counts[.finished] == 5)
            #expect(throws: StateError.self) { try ray.listTasks(filters: [StateFilter("colour", "red")]) }
            #expect(throws: StateError.self) { try ray.listTasks(limit: 0) }
        }
    }

    @Test("a task blocked in get shows RUNNING_IN_RAY_GET")
    func liveStates() throws {
        try withRuntime(RuntimeOptions(numCPUs: 1, workersPerDomain: 2)) { ray in
            let gate = DispatchSemaphore(value: 0)
            let slow = try ray.remote(TaskOptions(numCPUs: 0, name: "slow")) { () -> Int in
                gate.wait()
                return 1
            }
            let waiter = try ray.remote(TaskOptions(name: "waiter")) { (ref: ObjectRef<Int>) throws -> Int in try ray.get(ref) }
            let queued = try ray.remote(TaskOptions(name: "queued")) { 2 }
            let inner = try slow.remote()
            let outer = try waiter.remote(inner)
            #expect(waitUntil { (try? ray.listTasks(filters: [StateFilter("name", "waiter")]).first?.state) == .runningInRayGet })
            let later = try queued.remote()
            gate.signal()
            #expect(try ray.get(outer, timeout: 30) == 1)
            #expect(try ray.get(later, timeout: 30) == 2)
        }
    }

    @Test("list actors with states and death causes; list objects with sizes and domains")
    func actorsAndObjects() throws {
        try withRuntime { ray in
            final class Box { var n = 0 }
            let alive = try ray.actor(ActorOptions(name: "alive")) { Box() }
            let doomed = try ray.actor { Box() }
            _ = try ray.get(try alive.remote { $0.n })
            ray.kill(doomed)
            let rows = try ray.listActors()
            #expect(rows.contains { $0.name == "alive" && $0.state == .alive && $0.nodeID == 0 })
            #expect(rows.contains { $0.actorID == doomed.id && $0.state == .dead && $0.deathCause?.contains("ray.kill") == true })
            #expect(try ray.listActors(filters: [StateFilter("state", "DEAD")]).count == 1)
            let calls = try ray.listTasks(filters: [StateFilter("type", "ACTOR_TASK")])
            #expect(calls.count == 1 && calls.first?.actorID == alive.id)

            let big = try ray.put([UInt8](repeating: 7, count: 4096))
            let objects = try ray.listObjects()
            let row = objects.first { $0.objectID == big.id }
            #expect(row?.sizeBytes == 4096 && row?.state == .ready && row?.nodeID == 0 && row?.referenceCount == 1)
            #expect(throws: StateError.self) { try ray.listObjects(filters: [StateFilter("size", "1")]) }
        }
    }

    @Test("an actor's runner records each call's start and end on its worker, in order")
    func actorCallEvents() throws {
        try withRuntime { ray in
            final class Counter: @unchecked Sendable { var n = 0 }
            let counter = try ray.actor(ActorOptions(name: "counted")) { Counter() }
            let refs = try (0..<40).map { _ in try counter.remote { (c: Counter) -> Int in c.n += 1; return c.n } }
            #expect(try ray.get(refs) == Array(1...40))
            let finishedCalls = { try? ray.listTasks(filters: [StateFilter("type", "ACTOR_TASK"), StateFilter("state", "FINISHED")]) }
            #expect(waitUntil { finishedCalls()?.count == 40 })
            let calls = try #require(finishedCalls())
            #expect(calls.allSatisfy { $0.actorID == counter.id && $0.nodeID == 0 && $0.workerIndex != nil && $0.attempts == 1 })
            let ids = Set(calls.map(\.taskID))
            // Each call's run, from its own events: started, then finished, on one worker.
            let events = try #require(ray.events?.snapshot()).filter { ids.contains($0.task) }
            for id in ids {
                let mine = events.filter { $0.task == id }
                let started = try #require(mine.first { $0.kind == .started })
                let finished = try #require(mine.first { $0.kind == .finished })
                #expect(started.nanoseconds > 0 && started.nanoseconds <= finished.nanoseconds)
                #expect(started.worker >= 0 && started.worker == finished.worker && started.domain == 0)
            }
        }
    }

    @Test("the timeline is Chrome trace JSON: metadata per domain and worker, one complete event per run")
    func timeline() throws {
        try withRuntime { ray in
            let work = try ray.remote(TaskOptions(name: "work")) { (x: Int) in x * 2 }
            _ = try ray.get(try (0..<10).map { try work.remote($0) })
            #expect(waitUntil { (try? ray.listTasks(filters: [StateFilter("state", "FINISHED")]).count) == 10 })
            let json = try JSONSerialization.jsonObject(with: ray.timelineJSON()) as? [String: Any]
            let events = try #require(json?["traceEvents"] as? [[String: Any]])
            let runs = events.filter { $0["ph"] as? String == "X" }
            #expect(runs.count == 10)
            for run in runs {
                #expect(run["name"] as? String == "work")
                #expect(run["cat"] as? String == "task")
                #expect((run["ts"] as? Double ?? -1) >= 0)
                #expect((run["dur"] as? Double ?? -1) >= 0)
                #expect(run["pid"] as? Int == 0)
                #expect((run["tid"] as? Int ?? -1) >= 0)
            }
            let metadata = events.filter { $0["ph"] as? String == "M" }
            #expect(metadata.contains { $0["name"] as? String == "process_name" })
            #expect(metadata.contains { $0["name"] as? String == "thread_name" })
            let path = NSTemporaryDirectory() + "swiftray-timeline-\(getpid()).json"
            try ray.writeTimeline(to: path)
            #expect(FileManager.default.fileExists(atPath: path))
            try? FileManager.default.removeItem(atPath: path)
            #expect(throws: TimelineError.self) { try ray.writeTimeline(to: "/nonexistent-dir/timeline.json") }
        }
    }
}
