/// Whom a worker steals from, in order: the other workers of its domain, then each other
/// domain (its lanes and workers) nearest first. Fixed when the executor starts; immutable and
/// thread-safe, its lists read without reference counting.
final class StealOrder: Sendable {
    let siblings: UnretainedList<Worker>
    let remoteDomains: [Int]
    let remoteWorkers: UnretainedList<UnretainedList<Worker>>

    init(siblings: UnretainedList<Worker>, remoteDomains: [Int], remoteWorkers: UnretainedList<UnretainedList<Worker>>) {
        self.siblings = siblings
        self.remoteDomains = remoteDomains
        self.remoteWorkers = remoteWorkers
    }
}
