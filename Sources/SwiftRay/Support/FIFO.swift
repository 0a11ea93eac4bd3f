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

    /// Moves every element to the back of `other`, oldest first, leaving this one empty: the
    /// rings are swapped when `other` is empty. O(1) then, else O(count).
    mutating func moveAll(to other: inout FIFO) {
        if other.isEmpty { return swap(&self, &other) }
        while let element = popFirst() { other.append(element) }
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

    /// Takes the front element's reference out as it is: its ring slot is left nil without a
    /// release, and the caller owns the reference (it releases it once when done). Popped as a
    /// value, the element was retained twice more and released twice more by the lease runner
    /// that took it (its copies around the queue's lock), each an atomic write on the line its
    /// submitter wrote last. O(1).
    mutating func popFirstReference() -> Unmanaged<Element>? where Element: AnyObject {
        guard count > 0 else { return nil }
        let bits = slots.withUnsafeMutableBufferPointer { ring -> UInt in
            let slot = UnsafeMutableRawPointer(ring.baseAddress.unsafelyUnwrapped + head)
            defer { slot.storeBytes(of: 0, as: UInt.self) }  // nil, as `Element?` spells it
            return slot.load(as: UInt.self)
        }
        head += 1
        if head == slots.count { head = 0 }
        count -= 1
        return Unmanaged.fromOpaque(UnsafeRawPointer(bitPattern: bits).unsafelyUnwrapped)
    }

    /// Doubles the ring (at least 16 slots), oldest element first. Called when it is full. The
    /// elements are moved, not copied: copied through the array's subscripts, every element was
    /// retained into the new ring and released from the old one; an actor's mailbox, swapped for
    /// the empty ring of each new runner's first batch, grows from nothing while its callers fill
    /// it (3% of `n:n actor calls async`; moved, that line ran 1.07x as fast). O(count).
    private mutating func grow() {
        let capacity = slots.count
        assert(count == capacity, "a FIFO grows only when full")
        let head = self.head
        let larger = slots.withUnsafeMutableBufferPointer { old in
            ContiguousArray<Element?>(unsafeUninitializedCapacity: Swift.max(16, capacity * 2)) { new, initialized in
                guard let target = new.baseAddress else { return }
                if let source = old.baseAddress, capacity > 0 {
                    // Full: the oldest `capacity - head` elements run from `head` to the end.
                    target.moveInitialize(from: source + head, count: capacity - head)
                    (target + capacity - head).moveInitialize(from: source, count: head)
                    // The old ring is still initialized as far as its array knows: nil, so that
                    // its release lets go of nothing.
                    source.initialize(repeating: nil, count: capacity)
                }
                (target + capacity).initialize(repeating: nil, count: new.count - capacity)
                initialized = new.count
            }
        }
        slots = larger
        self.head = 0
    }
}

extension FIFO: Sendable where Element: Sendable {}
