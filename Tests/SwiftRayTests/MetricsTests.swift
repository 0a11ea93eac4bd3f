import Metrics
import MetricsTestKit
import Testing

@testable import SwiftRay

/// The process's one metrics backend for tests (swift-metrics bootstraps once per process).
let testMetrics: TestMetrics = {
    let metrics = TestMetrics()
    MetricsSystem.bootstrap(metrics)
    return metrics
}()

@Suite("Metrics through swift-metrics")
struct MetricsTests {
    @Test("a runtime with metricsInterval publishes task, queue and store figures; none without it")
    func published() throws {
        let metrics = testMetrics
        var options = RuntimeOptions()
        options.metricsInterval = 0.01
        try withRuntime(options) { ray in
            let f = try ray.remote { (x: Int) in x }
            _ = try ray.get(try (0..<20).map { try f.remote($0) })
            let kept = try ray.put([UInt8](repeating: 1, count: 1000))
            #expect(waitUntil {
                let finished = try? metrics.expectGauge("swiftray_tasks_total", [("event", "finished")]).lastValue
                let bytes = try? metrics.expectGauge("swiftray_object_store_bytes").lastValue
                return (finished ?? 0) >= 20 && (bytes ?? 0) >= 1000
            })
            #expect((try? metrics.expectGauge("swiftray_queued_jobs", [("domain", "0")])) != nil)
            _ = kept
        }
        var bad = RuntimeOptions()
        bad.metricsInterval = 0
        #expect(throws: RuntimeError.self) { try RayRuntime(bad) }
    }
}
