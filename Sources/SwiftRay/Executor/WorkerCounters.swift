import Synchronization

/// Per-worker counters, written by the worker alone (relaxed load-and-store, no read-modify-write
/// on a shared line) and read by anyone. Thread-safe.
final class WorkerCounters: Sendable {
    let jobsRun = Atomic<Int>(0)
    let stolenLocal = Atomic<Int>(0)
    let stolenCrossDomain = Atomic<Int>(0)
    let busy = Atomic<Bool>(false)

    @inline(__always)
    func bump(_ counter: borrowing Atomic<Int>) {
        counter.store(counter.load(ordering: .relaxed) &+ 1, ordering: .relaxed)
    }
}
