/// A snapshot of one domain's worker pool: cheap to take (relaxed reads of per-worker
/// counters), so it can be left on. A plain value; thread-safe.
public struct DomainStatistics: Sendable, Hashable {
    public var domain: Int
    public var workers: Int
    /// Jobs waiting in the domain's injectors and deques.
    public var queuedJobs: Int
    /// Workers running a job now.
    public var busyWorkers: Int
    /// Workers parked now.
    public var sleepingWorkers: Int
    /// Jobs run by the domain's workers since start.
    public var jobsRun: Int
    /// Jobs the domain's workers stole from other workers of the same domain.
    public var stolenLocal: Int
    /// Jobs the domain's workers took from other domains (their deques or shared injectors).
    public var stolenCrossDomain: Int
}

extension WorkStealingExecutor {
    /// Parked workers woken so far (each a futex wake-up, the expensive part of idling).
    public var wakeUps: Int { sleep.wakeUps.load(ordering: .relaxed) }

    /// Per-domain counters, in domain order.
    public func statistics() -> [DomainStatistics] {
        domains.map { domain in
            let counters = domain.workers.map(\.counters)
            return DomainStatistics(
                domain: domain.id, workers: domain.workers.count, queuedJobs: queuedJobs(domain: domain.id),
                busyWorkers: counters.filter { $0.busy.load(ordering: .relaxed) }.count,
                sleepingWorkers: domain.sleepers.load(ordering: .relaxed),
                jobsRun: counters.reduce(0) { $0 + $1.jobsRun.load(ordering: .relaxed) },
                stolenLocal: counters.reduce(0) { $0 + $1.stolenLocal.load(ordering: .relaxed) },
                stolenCrossDomain: counters.reduce(0) { $0 + $1.stolenCrossDomain.load(ordering: .relaxed) })
        }
    }
}
