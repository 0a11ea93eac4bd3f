import Synchronization

/// The queue through which jobs enter a domain from outside its workers: the driver thread,
/// other domains, Swift concurrency, for jobs pinned to the domain. Multi-producer,
/// multi-consumer, FIFO.
///
/// Thread-safe. A mutex guards a growable ring. `count` is readable without the lock (the sleep
/// protocol reads it): it is updated with sequentially consistent operations after each change.
final class InjectorQueue: @unchecked Sendable {
    private struct Storage {
        var slots: [UInt] = Array(repeating: 0, count: 1024)
        var head = 0
        var count = 0
        var closed = false

        mutating func append(_ bits: UInt) {
            if count == slots.count {
                var bigger = [UInt](repeating: 0, count: slots.count * 2)
                for index in 0..<count { bigger[index] = slots[(head + index) & (slots.count - 1)] }
                slots = bigger
                head = 0
            }
            slots[(head + count) & (slots.count - 1)] = bits
            count += 1
        }

        mutating func removeFirst() -> UInt {
            let bits = slots[head]
            head = (head + 1) & (slots.count - 1)
            count -= 1
            return bits
        }
    }

    private let storage = Locked(Storage())
    private let approximateCount = Atomic<Int>(0)

    deinit {
        storage.withLock { storage in
            while storage.count > 0 { _ = QueuedJob.takeRetained(storage.removeFirst()) }
        }
    }

    /// Appends a job. Fails (returning false, the job not queued) once the queue is closed to
    /// outside submissions, unless `fromWorker` (a worker of this executor is submitting).
    @inline(__always)
    func push(_ job: QueuedJob, fromWorker: Bool) -> Bool {
        let bits = job.retainedBits()
        let accepted = storage.withLock { storage in
            if storage.closed && !fromWorker { return false }
            storage.append(bits)
            return true
        }
        guard accepted else {
            _ = QueuedJob.takeRetained(bits)
            return false
        }
        approximateCount.wrappingAdd(1, ordering: .sequentiallyConsistent)
        return true
    }

    /// Takes the oldest job, or nil when empty.
    @inline(__always)
    func pop() -> QueuedJob? {
        guard approximateCount.load(ordering: .relaxed) > 0 else { return nil }
        let bits: UInt? = storage.withLock { storage in
            storage.count > 0 ? storage.removeFirst() : nil
        }
        guard let bits else { return nil }
        approximateCount.wrappingSubtract(1, ordering: .sequentiallyConsistent)
        return QueuedJob.takeRetained(bits)
    }

    /// Jobs queued (a snapshot, sequentially consistent).
    var count: Int { approximateCount.load(ordering: .sequentiallyConsistent) }

    /// From now on only pushes from workers are accepted.
    func close() { storage.withLock { $0.closed = true } }
}
