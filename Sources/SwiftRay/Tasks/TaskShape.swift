/// What a remote function's calls have in common once its options are checked: the scheduler's
/// request (interned resources and strategy: Ray's scheduling class), the options, and the lease
/// queues of the class, one per preferred node plus one without preference. Made once per
/// definition or `.options(...)` call, so a call reaches its queue without a lookup.
///
/// Immutable after init; thread-safe.
final class TaskShape: Sendable {
    let options: TaskOptions
    let request: SchedulingRequest
    /// The queue for tasks preferring node `i` at index `i`; the last one for no preference.
    private let queues: [LeaseQueue]
    /// Whether the strategy is DEFAULT (locality and the caller's node only matter then).
    let usesLocality: Bool

    init(options: TaskOptions, request: SchedulingRequest, nodeCount: Int, leaseLimit: Int) {
        self.options = options
        self.request = request
        if case .default = request.strategy { usesLocality = true } else { usesLocality = false }
        var queues: [LeaseQueue] = []
        queues.reserveCapacity(nodeCount + 1)
        for node in 0...nodeCount {
            queues.append(LeaseQueue(preferredNode: node == nodeCount ? nil : node, leaseLimit: leaseLimit))
        }
        self.queues = queues
        for queue in queues { queue.attach(shape: self) }
    }

    /// The queue for tasks that prefer `node` (nil: no preference).
    @inline(__always)
    func queue(preferring node: Int?) -> LeaseQueue {
        guard usesLocality, let node, node < queues.count - 1 else { return queues[queues.count - 1] }
        return queues[node]
    }

    /// Every queue of the class.
    var allQueues: [LeaseQueue] { queues }
}
