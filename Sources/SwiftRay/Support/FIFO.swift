/// A first-in first-out ring buffer: O(1) amortized append and pop, and a popped element is let go
/// at once (queues of tasks must not keep a task, and the refs it holds, alive after handing it
/// over). A plain value; not thread-safe by itself (its owners keep it under a lock).
struct FIFO<Element> {
    private var slots: ContiguousArray<Element?> = []
    private var head = 0
    private(set) var count = 0

    var isEmpty: Bool { count == 0 }

    /// Adds `element` at the back. Amortized O(1).
    mutating func append(_ element: Element) {
        if count == slots.count { grow() }
        var tail = head + count
        if tail >= slots.count { tail -= slots.count }
        slots[tail] = element
        count += 1
    }

    /// Moves `element` to the back, leaving nil (nothing when it is nil): the queue takes the
    /// caller's reference, with no reference count written. Amortized O(1).
    mutating func append(taking element: inout Element?) {
        guard element != nil else { return }
        if count == slots.count { grow() }
        var tail = head + count
        if tail >= slots.count { tail -= slots.count }
        swap(&slots[tail], &element)
        count += 1
    }

    /// Takes the front element. O(1).
    mutating func popFirst() -> Element? {
        guard count > 0 else { return nil }
        let element = slots[head].take()
        head += 1
        if head == slots.count { head = 0 }
        count -= 1
        return element
    }

    private mutating func grow() {
        var larger = ContiguousArray<Element?>(repeating: nil, count: Swift.max(16, slots.count * 2))
        for index in 0..<count {
            var source = head + index
            if source >= slots.count { source -= slots.count }
            larger[index] = slots[source].take()
        }
        slots = larger
        head = 0
    }
}

extension FIFO: Sendable where Element: Sendable {}
