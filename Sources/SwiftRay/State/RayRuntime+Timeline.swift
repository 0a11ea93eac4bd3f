import Foundation

/// Why a timeline could not be written. A plain value; thread-safe.
public enum TimelineError: Error, Sendable, CustomStringConvertible {
    /// The file could not be written (the path and the system's reason).
    case unwritable(path: String, reason: String)

    public var description: String {
        switch self {
        case let .unwritable(path, reason): "cannot write the timeline to '\(path)': \(reason)"
        }
    }
}

/// The timeline (Ray's `ray timeline`): every recorded run of a task or actor call as a Chrome
/// trace event, one process per domain and one thread per worker, which Perfetto
/// (ui.perfetto.dev) and chrome://tracing open.
extension RayRuntime {
    /// The trace as JSON: `{"traceEvents": [...], "displayTimeUnit": "ns"}` with a complete
    /// (`"ph": "X"`) event per run (`ts` and `dur` in microseconds since the first event) and
    /// metadata events naming each domain's process and each worker's thread. Runs still going
    /// end at the time of the call.
    public func timelineJSON() -> Data {
        let trace = timelineEvents()
        // JSONSerialization keeps numbers exact enough (microseconds with decimals).
        let data = try? JSONSerialization.data(withJSONObject: ["traceEvents": trace, "displayTimeUnit": "ns"], options: [.sortedKeys])
        return data ?? Data("{\"traceEvents\":[]}".utf8)
    }

    /// Writes ``timelineJSON()`` to `path`. Throws ``TimelineError/unwritable(path:reason:)``.
    public func writeTimeline(to path: String) throws(TimelineError) {
        do {
            try timelineJSON().write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw .unwritable(path: path, reason: error.localizedDescription)
        }
    }

    /// The trace events as JSON objects.
    func timelineEvents() -> [[String: Any]] {
        guard let events else { return [] }
        let snapshot = events.snapshot()
        guard let origin = snapshot.first(where: { $0.nanoseconds > 0 })?.nanoseconds else { return [] }
        let now = MonotonicClock.nanoseconds
        var names: [TaskID: (name: String, actor: Bool)] = [:]
        var open: [TaskID: [TaskEvent]] = [:]  // started runs, innermost last
        var trace: [[String: Any]] = []
        var threads = Set<[Int32]>()
        func span(_ start: TaskEvent, end: Int, state: String) {
            let info = names[start.task]
            threads.insert([start.domain, start.worker])
            trace.append([
                "name": info?.name ?? "task \(start.task.rawValue)", "cat": info?.actor == true ? "actor_task" : "task",
                "ph": "X", "ts": Double(start.nanoseconds - origin) / 1000, "dur": Double(max(0, end - start.nanoseconds)) / 1000,
                "pid": Int(start.domain), "tid": Int(start.worker),
                "args": ["task_id": "\(start.task.rawValue)", "state": state],
            ])
        }
        for event in snapshot {
            switch event.kind {
            case .submitted, .queued:
                if let name = event.name { names[event.task] = (name, event.actor != nil) }
            case .started:
                open[event.task, default: []].append(event)
            case .finished, .failed:
                if let start = open[event.task]?.popLast() {
                    span(start, end: event.nanoseconds, state: event.kind == .finished ? "FINISHED" : "FAILED")
                }
            case .blocked, .resumed:
                break
            }
        }
        for (_, starts) in open { for start in starts { span(start, end: now, state: "RUNNING") } }
        var metadata: [[String: Any]] = []
        for domain in Set(threads.map { $0[0] }).sorted() {
            metadata.append(["name": "process_name", "ph": "M", "pid": Int(domain), "args": ["name": domain >= 0 ? "domain \(domain)" : "driver"]])
        }
        for thread in threads.sorted(by: { ($0[0], $0[1]) < ($1[0], $1[1]) }) {
            metadata.append([
                "name": "thread_name", "ph": "M", "pid": Int(thread[0]), "tid": Int(thread[1]),
                "args": ["name": thread[1] >= 0 ? "worker \(thread[1])" : "driver"],
            ])
        }
        return metadata + trace.sorted { ($0["ts"] as? Double ?? 0) < ($1["ts"] as? Double ?? 0) }
    }
}
