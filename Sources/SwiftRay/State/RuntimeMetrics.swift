import Dispatch
import Metrics

/// Publishes the runtime's figures through swift-metrics, sampled on a timer so that nothing is
/// added to the hot paths (and nothing at all when metrics are off): tasks by event
/// (`swiftray_tasks_total{event=...}`) and running now, queued jobs, busy workers and steals per
/// domain, the object store's bytes and objects. Whatever backend the program bootstrapped
/// (Prometheus, OTel...) receives them.
///
/// Thread-safe: the timer fires on its own serial queue; `stop` cancels it.
final class RuntimeMetrics: @unchecked Sendable {
    private let timer: DispatchSourceTimer
    private let queue = DispatchQueue(label: "swiftray.metrics")

    /// What the samples read: the runtime's parts, held strongly (no reference to the runtime
    /// itself: a weak one would give it a side table, and every retain and release of it the
    /// slow path). Immutable; thread-safe (its parts are).
    private struct Sources: @unchecked Sendable {
        let events: TaskEventLog?
        let executor: WorkStealingExecutor
        let store: ObjectStore
    }

    init(runtime: RayRuntime, interval: Double) {
        timer = DispatchSource.makeTimerSource(queue: queue)
        let nanoseconds = max(1_000_000, Int(interval * 1e9))
        timer.schedule(deadline: .now() + .nanoseconds(nanoseconds), repeating: .nanoseconds(nanoseconds))
        let sources = Sources(events: runtime.events, executor: runtime.executor, store: runtime.store)
        timer.setEventHandler {
            guard !sources.executor.isShuttingDown else { return }
            Self.sample(sources)
        }
        timer.resume()
    }

    /// Stops sampling (the runtime's shutdown calls it).
    func stop() { timer.cancel() }

    /// Reads every figure once and records it.
    private static func sample(_ runtime: Sources) {
        if let totals = runtime.events?.totals() {
            for (kind, count) in totals {
                Gauge(label: "swiftray_tasks_total", dimensions: [("event", "\(kind)")]).record(count)
            }
            let running = (totals[.started] ?? 0) - (totals[.finished] ?? 0) - (totals[.failed] ?? 0)
            Gauge(label: "swiftray_tasks_running").record(max(0, running))
        }
        for domain in runtime.executor.statistics() {
            let dimensions = [("domain", "\(domain.domain)")]
            Gauge(label: "swiftray_queued_jobs", dimensions: dimensions).record(domain.queuedJobs)
            Gauge(label: "swiftray_busy_workers", dimensions: dimensions).record(domain.busyWorkers)
            Gauge(label: "swiftray_steals_total", dimensions: dimensions + [("kind", "local")]).record(domain.stolenLocal)
            Gauge(label: "swiftray_steals_total", dimensions: dimensions + [("kind", "cross_domain")]).record(domain.stolenCrossDomain)
        }
        Gauge(label: "swiftray_object_store_bytes").record(runtime.store.usedBytes)
        Gauge(label: "swiftray_object_store_objects").record(runtime.store.count)
    }
}
