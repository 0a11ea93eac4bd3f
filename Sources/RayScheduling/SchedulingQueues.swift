/// The queued work: one FIFO queue per scheduling class (tasks with equal ``SchedulingRequest``s),
/// so a class that cannot run never blocks another class (no head-of-line blocking across
/// classes). A class is either waiting (feasible, busy) or infeasible (no node can ever fit it);
/// infeasible classes are checked again only when the cluster's totals change.
///
/// A plain value; not for concurrent use (the scheduler owns one).
struct SchedulingQueues: Sendable {
    /// One queued task. A plain value; thread-safe.
    struct PendingTask: Sendable, Hashable {
        let id: TaskID
        let hints: SchedulingHints
    }

    /// The queue of one scheduling class. A plain value; thread-safe.
    struct ClassQueue: Sendable {
        let request: SchedulingRequest
        var tasks = FIFOQueue<PendingTask>()
        /// Why it waits (meaningful when not infeasible).
        var waitReason: WaitReason = .busy(node: nil)
        /// Whether no node can ever fit it.
        var isInfeasible = false
        /// The free epoch at which its head last could not run: no retry until something frees.
        var blockedAtEpoch: UInt64?
        /// The totals epoch at which it was found infeasible.
        var infeasibleAtEpoch: UInt64 = 0
    }

    private(set) var slots: [ClassQueue?] = []
    private var freeSlots: [Int] = []
    private var slotOfClass: [SchedulingRequest: Int] = [:]
    /// Active slots, in the order their classes started waiting.
    private(set) var order: [Int] = []
    private var slotOfTask: [TaskID: Int] = [:]

    /// How many tasks are queued.
    var count: Int { slotOfTask.count }

    func contains(_ task: TaskID) -> Bool { slotOfTask[task] != nil }

    /// The slot of `request`'s class, if it has queued tasks.
    func slot(of request: SchedulingRequest) -> Int? { slotOfClass[request] }

    /// The class queue in `slot`.
    subscript(slot: Int) -> ClassQueue? {
        get { slots.indices.contains(slot) ? slots[slot] : nil }
        set { if slots.indices.contains(slot) { slots[slot] = newValue } }
    }

    /// Queues `task` at the back of `request`'s class, creating the class queue when needed.
    /// Returns the slot.
    @discardableResult
    mutating func enqueue(_ task: PendingTask, request: SchedulingRequest) -> Int {
        let slot: Int
        if let existing = slotOfClass[request] {
            slot = existing
        } else {
            if let reused = freeSlots.popLast() {
                slot = reused
                slots[slot] = ClassQueue(request: request)
            } else {
                slot = slots.count
                slots.append(ClassQueue(request: request))
            }
            slotOfClass[request] = slot
            order.append(slot)
        }
        slots[slot]?.tasks.append(task)
        slotOfTask[task.id] = slot
        return slot
    }

    /// Takes the head of `slot`'s queue, dropping the class when it becomes empty.
    mutating func popFirst(_ slot: Int) -> PendingTask? {
        guard let task = slots[slot]?.tasks.popFirst() else { return nil }
        slotOfTask[task.id] = nil
        dropIfEmpty(slot)
        return task
    }

    /// Removes a queued task; returns whether it was queued.
    mutating func remove(_ task: TaskID) -> Bool {
        guard let slot = slotOfTask.removeValue(forKey: task) else { return false }
        _ = slots[slot]?.tasks.removeFirst { $0.id == task }
        dropIfEmpty(slot)
        return true
    }

    /// Removes every task of the classes matching `predicate`; returns their ids in queue order.
    mutating func removeClasses(where predicate: (SchedulingRequest) -> Bool) -> [TaskID] {
        var removed: [TaskID] = []
        for slot in order {
            guard let queue = slots[slot], predicate(queue.request) else { continue }
            for task in slots[slot]?.tasks.removeAll() ?? [] {
                slotOfTask[task.id] = nil
                removed.append(task.id)
            }
            dropIfEmpty(slot)
        }
        return removed
    }

    private mutating func dropIfEmpty(_ slot: Int) {
        guard let queue = slots[slot], queue.tasks.isEmpty else { return }
        slots[slot] = nil
        slotOfClass[queue.request] = nil
        freeSlots.append(slot)
        order.removeAll { $0 == slot }
    }
}
