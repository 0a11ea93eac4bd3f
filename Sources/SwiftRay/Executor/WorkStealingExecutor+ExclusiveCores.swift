import RayTopology

// Exclusive cores: PUs taken out of a domain's pool for one thread of their own.
//
// The scheduler decides *which* PUs (its `exclusive_CPU` instances: every PU of a node but the
// lowest, handed out highest first); the executor makes it true on the machine. Reserving PUs
// rebinds the domain's workers to the domain's other PUs at once (from the reserving thread,
// `pthread_setaffinity_np` through hwloc, so a worker in the middle of a long job moves too),
// and starts an ``ExclusiveCoreThread`` bound to the reserved PUs. When that thread ends its
// PUs are given back and the workers rebound to the whole domain. A worker that starts later
// binds itself to what is not reserved. Reservations are counted per PU, so a PU handed to a
// new exclusive thread before the old one has ended stays reserved until both are gone.
//
// On a virtual topology nothing is bound (the PUs are another machine's); the books are kept
// all the same, so placement is testable there.

/// The executor's book of reserved PUs and of the threads to rebind. Not thread-safe by
/// itself: it lives in the executor's `coreBook` lock.
struct CoreReservations {
    /// How many exclusive threads hold each PU, by domain.
    var reserved: [Int: [Int: Int]] = [:]
    /// Each started worker's thread, by the worker's global index.
    var workerThreads: [Int: ThreadHandle] = [:]
    /// Live exclusive-core threads, by identity.
    var exclusiveThreads: [ObjectIdentifier: ExclusiveCoreThread] = [:]

    /// The PUs of `domain` that its workers may run on: all but the reserved ones (all of
    /// them, should every one be reserved, which the scheduler never does).
    func workerPUs(of domain: ComputeDomain) -> CPUSet {
        guard let held = reserved[domain.id], !held.isEmpty else { return domain.pus }
        let free = domain.pus.filter { held[$0] == nil }
        return free.isEmpty ? domain.pus : CPUSet(free)
    }
}

extension WorkStealingExecutor {
    /// Takes `pus` out of domain `domain`'s pool and starts a thread of their own on them (see
    /// the note above). Throws ``ExecutorError/unknownDomain(id:domainCount:)``,
    /// ``ExecutorError/invalidExclusivePUs(domain:pus:reason:)`` for PUs outside the domain, an
    /// empty set or one that would leave the domain's workers no PU, and
    /// ``ExecutorError/shutDown``.
    public func startExclusiveThread(onPUs pus: CPUSet, domain: Int) throws(ExecutorError) -> ExclusiveCoreThread {
        guard domains.indices.contains(domain) else { throw .unknownDomain(id: domain, domainCount: domains.count) }
        let compute = topology.domains[domain]
        guard !pus.isEmpty else { throw .invalidExclusivePUs(domain: domain, pus: pus.indexes, reason: "no PU given") }
        if let outside = pus.first(where: { !compute.pus.contains($0) }) {
            throw .invalidExclusivePUs(
                domain: domain, pus: pus.indexes, reason: "PU \(outside) is not one of the domain's \(compute.pus.indexes)")
        }
        let thread = ExclusiveCoreThread(executor: self, domainID: domain, pus: pus)
        let refused: ExecutorError? = coreBook.withLock { book in
            guard !isShuttingDown else { return .shutDown }
            var held = book.reserved[domain] ?? [:]
            for pu in pus { held[pu, default: 0] += 1 }
            guard compute.pus.contains(where: { held[$0] == nil }) else {
                return .invalidExclusivePUs(
                    domain: domain, pus: pus.indexes, reason: "the domain's workers would have no PU left")
            }
            book.reserved[domain] = held
            book.exclusiveThreads[ObjectIdentifier(thread)] = thread
            rebindWorkers(ofDomain: domain, book)
            exclusiveThreadsRunning.enter()
            return nil
        }
        if let refused { throw refused }
        thread.start(in: exclusiveThreadsRunning)
        exclusiveThreadsRunning.leave()
        return thread
    }

    /// The PUs domain `domain`'s workers may run on now (its PUs less the reserved ones).
    public func workerPUs(ofDomain domain: Int) throws(ExecutorError) -> CPUSet {
        guard domains.indices.contains(domain) else { throw .unknownDomain(id: domain, domainCount: domains.count) }
        return coreBook.withLock { $0.workerPUs(of: topology.domains[domain]) }
    }

    /// The PUs reserved for exclusive threads in domain `domain` now.
    public func reservedPUs(ofDomain domain: Int) -> CPUSet {
        coreBook.withLock { CPUSet(($0.reserved[domain] ?? [:]).keys) }
    }

    /// Live exclusive-core threads.
    public var exclusiveThreadCount: Int { coreBook.withLock { $0.exclusiveThreads.count } }

    /// Queues `job` on `thread` when there is one that still takes jobs, else in domain
    /// `domain` like `trySubmit(_:toDomain:)` (an exclusive actor's jobs after its thread stopped).
    @inline(__always)
    func trySubmit(_ job: QueuedJob, toDomain domain: Int, via thread: ExclusiveCoreThread?) -> ExecutorError? {
        if let thread, thread.submit(job) { return nil }
        return trySubmit(job, toDomain: domain)
    }

    /// Called by an exclusive thread as it starts: binds it to its PUs and its memory to the
    /// domain (nothing on a virtual topology).
    func bindExclusiveThread(toPUs pus: CPUSet, domain: Int) {
        guard configuration.bindThreads else { return }
        do {
            try topology.preferMemory(ofDomain: domain)
            try topology.bindCurrentThread(to: pus)
        } catch {
            logger.warning("exclusive-core thread on PUs \(pus.indexes) runs unbound: \(error)")
        }
    }

    /// Called by an exclusive thread once it has ended: its PUs go back to the workers.
    func exclusiveThreadEnded(_ thread: ExclusiveCoreThread) {
        coreBook.withLock { book in
            book.exclusiveThreads[ObjectIdentifier(thread)] = nil
            var held = book.reserved[thread.domainID] ?? [:]
            for pu in thread.pus {
                guard let count = held[pu] else { continue }
                held[pu] = count > 1 ? count - 1 : nil
            }
            book.reserved[thread.domainID] = held.isEmpty ? nil : held
            rebindWorkers(ofDomain: thread.domainID, book)
        }
    }

    /// Binds every started worker of `domain` to the PUs the book leaves it. Under `coreBook`.
    private func rebindWorkers(ofDomain domain: Int, _ book: CoreReservations) {
        guard configuration.bindThreads, !topology.isVirtual else { return }
        let allowed = book.workerPUs(of: topology.domains[domain])
        for worker in domains[domain].workers {
            guard let thread = book.workerThreads[worker.globalIndex] else { continue }
            do {
                try topology.bind(thread, to: allowed)
            } catch {
                logger.warning("worker \(worker.globalIndex) of domain \(domain) could not be rebound: \(error)")
            }
        }
    }
}
