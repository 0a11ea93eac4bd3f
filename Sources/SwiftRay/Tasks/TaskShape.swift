/// What a remote function's calls have in common once its options are checked: the scheduler's
/// request (interned resources and strategy: Ray's scheduling class), the options, and the lease
/// queues of the class, one per preferred node plus one without preference. Made once per
/// definition or `.options(...)` call, so a call reaches its queue without a lookup.
///
/// Immutable after init (`actorID` is set before the shape is shared); thread-safe.
@usableFromInline
final class TaskShape: @unchecked Sendable {
    let options: TaskOptions
    let request: SchedulingRequest
    /// The queue for tasks preferring node `i` at index `i`; the last one for no preference.
    private let queues: [LeaseQueue]
    /// Whether the strategy is DEFAULT (locality and the caller's node only matter then).
    let usesLocality: Bool
    /// Where its tasks' events go; nil when the runtime or the function turned them off.
    let events: TaskEventLog?
    /// `events` without reference counting, for the hot path (``TaskRecord/recordEvent(_:error:carriesName:)``):
    /// every thread records, and retaining the one shared log would bounce its cache line
    /// between cores. Safe because `events` holds the log for as long as the shape lives.
    let eventLog: Unmanaged<TaskEventLog>?
    /// For an actor's calls: the actor's id (set once, before any call is made).
    @exclusivity(unchecked) nonisolated(unsafe) var actorID: TaskID? {
        didSet { eventNameID = events?.registerName(options.name ?? "remote function", actor: actorID) ?? 0 }
    }
    /// For an actor's calls: the actor, not retained (set once, before any call is made; the
    /// actor holds this shape). A call reads it here rather than keeping its own pointer: one
    /// word fewer in every call (ActorInbox.swift says what a word cost once).
    ///
    /// It, `actorID` and `eventNameID` are read without exclusivity checks: each is written once,
    /// before any call reads it, and a checked read cost a call to `swift_beginAccess` and a
    /// thread-local lookup, ~70 instructions, in every call's run.
    @usableFromInline @exclusivity(unchecked) nonisolated(unsafe) var actorCore: Unmanaged<ActorCore>?
    /// The index of its name (and actor) in the event log's name table (set before any call).
    @exclusivity(unchecked) nonisolated(unsafe) private(set) var eventNameID: UInt32 = 0

    init(options: TaskOptions, request: SchedulingRequest, nodeCount: Int, leaseLimit: Int, events: TaskEventLog?) {
        self.options = options
        self.events = options.enableTaskEvents ? events : nil
        eventLog = self.events.map { Unmanaged.passUnretained($0) }
        eventNameID = self.events?.registerName(options.name ?? "remote function", actor: nil) ?? 0
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

    /// Runs `body` with the queue for tasks that prefer `node` (nil: no preference), borrowed:
    /// the shape holds its queues, so a submit needs no retain of one. (A retain per task wrote
    /// the queue's first cache line, which the workers taking its tasks read, on every submit.)
    @inline(__always)
    func withQueue<R>(preferring node: Int?, _ body: (LeaseQueue) -> R) -> R {
        var index = queues.count - 1
        if usesLocality, let node, (0..<index).contains(node) { index = node }
        return queues.withUnsafeBufferPointer { queues in
            Unmanaged.passUnretained(queues[index])._withUnsafeGuaranteedRef(body)
        }
    }
}
