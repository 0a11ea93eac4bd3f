/// One unit of work in the executor's queues: a closure, a Swift concurrency job, or the second
/// half of a `join`. Queues hold it as an unmanaged pointer (one retain from push to pop).
///
/// Not thread-safe by itself: a job is owned by exactly one queue or one worker at a time, and
/// the queues' acquire/release operations hand it over.
class QueuedJob: @unchecked Sendable {
    /// The domain this job must run in (a hard constraint), or nil: any worker may run it.
    final let pinnedDomain: Int?
    /// For a job spawned into a scope (a ``ScopeJob``, the only kind that sets it), the address
    /// of that scope's latch (identity only: its worker batches completions of consecutive jobs
    /// of one scope). Set again when a recycled job is reused.
    final var scopeLatch: UnsafeMutableRawPointer?

    init(pinnedDomain: Int?, scopeLatch: UnsafeMutableRawPointer? = nil) {
        self.pinnedDomain = pinnedDomain
        self.scopeLatch = scopeLatch
    }

    /// Runs the job; `worker` is the worker running it, nil for another thread.
    func execute(by worker: Worker?) {}

    /// The word a queue slot stores: the job, retained once.
    @inline(__always)
    final func retainedBits() -> UInt { UInt(bitPattern: Unmanaged.passRetained(self).toOpaque()) }

    /// The job a queue slot held, taking over its retain.
    @inline(__always)
    static func takeRetained(_ bits: UInt) -> QueuedJob {
        Unmanaged<QueuedJob>.fromOpaque(UnsafeRawPointer(bitPattern: bits)!).takeRetainedValue()
    }
}

/// A job that runs a closure.
final class ClosureJob: QueuedJob, @unchecked Sendable {
    let body: @Sendable () -> Void

    init(pinnedDomain: Int?, _ body: @escaping @Sendable () -> Void) {
        self.body = body
        super.init(pinnedDomain: pinnedDomain)
    }

    override func execute(by worker: Worker?) { body() }
}
