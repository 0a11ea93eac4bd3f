import ArgumentParser
import Foundation
import SwiftRay

/// The built-in workload that `swiftray status` and `swiftray timeline` show: the seeds'
/// examples (squares, a matrix DAG, a Counter actor, a placement group), some of it still
/// running or queued when the instruments look.
enum SampleWorkload {
    final class Counter {
        var value = 0
        func increment() -> Int {
            value += 1
            return value
        }
    }

    /// Runs the finished part and leaves `pending` tasks holding CPUs until `gate` is signalled.
    static func run(on ray: RayRuntime, gate: DispatchSemaphore, pending: Int) throws -> [ObjectRef<Int>] {
        let square = try ray.remote(TaskOptions(name: "square")) { (x: Int) in x * x }
        _ = try ray.get(try (0..<8).map { try square.remote($0) })
        let create = try ray.remote(TaskOptions(name: "createMatrix")) { (n: Int) in [Double](repeating: 1, count: n * n) }
        let multiply = try ray.remote(TaskOptions(name: "multiply")) { (a: [Double], b: [Double]) in zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }
        _ = try ray.get(try multiply.remote(try create.remote(64), try create.remote(64)))
        let counter = try ray.actor(ActorOptions(name: "counter")) { Counter() }
        _ = try ray.get(try (0..<5).map { _ in try counter.remote(Counter.increment) })
        let group = try ray.placementGroup([["CPU": 1]], strategy: .pack, name: "sample-group")
        _ = try group.wait(timeout: 5)
        let hold = try ray.remote(TaskOptions(name: "hold")) { () -> Int in
            gate.wait()
            return 0
        }
        return try (0..<pending).map { _ in try hold.remote() }
    }
}

/// `swiftray status`: runs the sample workload and prints `ray status` for it while some tasks
/// hold CPUs and others wait (Resources with placement-group reservations, Demands, per domain).
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Run a small workload and print 'ray status' for it, with the task summary.")

    func run() throws {
        do {
            let ray = try RayRuntime()
            defer { ray.shutdown() }
            let gate = DispatchSemaphore(value: 0)
            let cpus = ray.topology.domains.reduce(0) { $0 + $1.pus.count }
            let held = try SampleWorkload.run(on: ray, gate: gate, pending: cpus + 2)
            usleep(100_000)
            print(ray.status())
            print("\nTasks by name and state:")
            for (name, counts) in ray.summarizeTasks() {
                let states = counts.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.key.rawValue): \($0.value)" }
                print("  \(name): \(states.joined(separator: ", "))")
            }
            print("\nActors:")
            for actor in try ray.listActors() { print("  \(actor.className): \(actor.state.rawValue) on domain \(actor.nodeID ?? -1)") }
            for _ in held { gate.signal() }
            _ = try ray.get(held, timeout: 30)
        } catch {
            throw InputError(error)
        }
    }
}

/// `swiftray timeline`: runs the sample workload and writes its Chrome trace (Ray's
/// `ray timeline`), which Perfetto and chrome://tracing open.
struct TimelineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "timeline", abstract: "Run a small workload and write its timeline as Chrome trace JSON.")

    @Option(name: .shortAndLong, help: "Where to write the trace.")
    var output = "swiftray-timeline.json"

    func run() throws {
        let ray: RayRuntime
        do { ray = try RayRuntime() } catch { throw InputError(error) }
        defer { ray.shutdown() }
        do {
            let gate = DispatchSemaphore(value: 0)
            let held = try SampleWorkload.run(on: ray, gate: gate, pending: 2)
            for _ in held { gate.signal() }
            _ = try ray.get(held, timeout: 30)
            try ray.writeTimeline(to: output)
        } catch {
            throw InputError(error)
        }
        let runs = (try? ray.listTasks().filter { $0.state == .finished }.count) ?? 0
        print("wrote the runs of \(runs) finished tasks to \(output) (open it in https://ui.perfetto.dev or chrome://tracing)")
    }
}
