/// Why the executor refused a request. Each case names the bad value. A plain value; thread-safe.
public enum ExecutorError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The executor is shutting down or shut down: it takes no new work from outside.
    case shutDown
    /// `shutdown()` was called from one of the executor's own workers (it would wait for itself).
    case shutDownFromWorker
    /// A domain id outside 0..<domainCount.
    case unknownDomain(id: Int, domainCount: Int)
    /// A worker count below 1 for this domain.
    case invalidWorkerCount(domain: Int, count: Int)
    /// PUs that cannot be reserved as exclusive cores in this domain, and why.
    case invalidExclusivePUs(domain: Int, pus: [Int], reason: String)

    public var description: String {
        switch self {
        case .shutDown:
            return "the executor is shut down and accepts no new work"
        case .shutDownFromWorker:
            return "shutdown() called from one of the executor's own workers"
        case let .unknownDomain(id, count):
            return "unknown domain id \(id): the executor has domains 0..<\(count)"
        case let .invalidWorkerCount(domain, count):
            return "invalid worker count \(count) for domain \(domain): must be at least 1"
        case let .invalidExclusivePUs(domain, pus, reason):
            return "PUs \(pus) cannot be exclusive cores of domain \(domain): \(reason)"
        }
    }
}
