/// A first-in first-out ring buffer: O(1) amortized append and pop, and a popped element is let go
/// at once (queues of tasks must not keep a task, and the refs it holds, alive after handing it
/// over). A value with copy-on-write storage (a copy shares the ring until one of them changes);
/// not thread-safe by itself (its owners keep it under a lock).
///
/// The ring (``FIFORing``) holds each element as its one-word bits, 0 in a free slot. An earlier
/// ring of `Element?` in a `ContiguousArray` destroyed its slots in unspecialized code when it was
/// grown or let go, every `nil` through `Optional`'s value witness (~75 instructions a slot). An
/// actor's mailbox, swapped for a runner's ring at each batch, grows from a few slots to
/// thousands while its callers fill it: 4% of the instructions of `n:n actor calls async` went
/// to destroying nils (callgrind, thirty-seventh sitting). Words are a trivial type: a ring now
/// scans its slots for elements only when it is freed, a few instructions a slot. The head and
/// count stay in the FIFO itself, next to the lock that guards it, not in the ring: a FIFO's
/// owner reads and writes them at every append and pop.
struct FIFO<Element: FIFOElement> {
    /// nil until the first append.
    private var ring: FIFORing<Element>?
    private var head = 0
    private(set) var count = 0
    private var capacity = 0

    init() {}

    var isEmpty: Bool { count == 0 }

    /// Adds `element` at the back. Amortized O(1).
    mutating func append(_ element: Element) {
        var element: Element? = element
        append(taking: &element)
    }

    /// Moves `element` to the back, leaving nil (nothing when it is nil): the queue takes the
    /// caller's reference, with no reference count written. Amortized O(1).
    mutating func append(taking element: inout Element?) {
        // `Element?` is one word, 0 when nil (a class reference, an unowned job; FIFOTests checks
        // both): the bits move into the ring as they are, and nil is left behind.
        assert(MemoryLayout<Element?>.size == MemoryLayout<UInt>.size)
        let bits = withUnsafeMutableBytes(of: &element) { bytes in
            defer { bytes.storeBytes(of: 0, as: UInt.self) }
            return bytes.load(as: UInt.self)
        }
        guard bits != 0 else { return }
        if count == capacity || !isKnownUniquelyReferenced(&ring) { growOrCopy() }
        var tail = head &+ count
        if tail >= capacity { tail &-= capacity }
        ring.unsafelyUnwrapped.withUnsafeMutablePointerToElements { $0[tail] = bits }
        count &+= 1
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
        return Element.fifoElement(takingBits: popFirstBits())
    }

    /// Takes the front element's reference out as it is, without a release: the caller owns the
    /// reference (it releases it once when done). Popped as a value, the element was retained
    /// twice more and released twice more by the lease runner that took it (its copies around
    /// the queue's lock), each an atomic write on the line its submitter wrote last. O(1).
    mutating func popFirstReference() -> Unmanaged<Element>? where Element: AnyObject {
        guard count > 0 else { return nil }
        return Unmanaged.fromOpaque(UnsafeRawPointer(bitPattern: popFirstBits()).unsafelyUnwrapped)
    }

    /// The front element's bits, its slot freed. There is one.
    @inline(__always)
    private mutating func popFirstBits() -> UInt {
        if !isKnownUniquelyReferenced(&ring) { growOrCopy() }
        let bits = ring.unsafelyUnwrapped.withUnsafeMutablePointerToElements { slots in
            defer { slots[head] = 0 }
            return slots[head]
        }
        head &+= 1
        if head == capacity { head = 0 }
        count &-= 1
        return bits
    }

    /// Makes the ring this FIFO's alone, with room for one more element: the first ring (16
    /// slots), a ring of twice the slots when full, its elements moved (oldest first, from slot
    /// 0), or a copy when shared.
    private mutating func growOrCopy() {
        let newCapacity = count == capacity ? Swift.max(16, capacity * 2) : capacity
        let unique = isKnownUniquelyReferenced(&ring)
        if let old = ring {
            ring = unique
                ? old.moveElements(capacity: newCapacity, head: head, count: count)
                : old.copy(capacity: newCapacity, head: head, count: count)
        } else {
            ring = FIFORing.make(capacity: newCapacity)
        }
        capacity = newCapacity
        head = 0
    }
}

/// Unchecked because its ring is a `ManagedBuffer`, which is never `Sendable`: a ring is changed
/// only through the one FIFO that holds it alone (a shared ring is copied first), and a FIFO
/// only by its owner of the moment.
extension FIFO: @unchecked Sendable where Element: Sendable {}

/// What a ``FIFO`` holds: a value that is one nonzero word, whose optional is that word or 0
/// (a class reference, with its ownership; an `UnownedJob`), moved into a ring slot as its bits.
protocol FIFOElement {
    /// The element whose bits are `bits`, moved out of them.
    static func fifoElement(takingBits bits: UInt) -> Self
    /// A copy of the element's bits (the reference retained once more).
    static func fifoCopy(bits: UInt) -> UInt
    /// Destroys the element whose bits are `bits` (the reference released).
    static func fifoDestroy(bits: UInt)
}

extension FIFOElement where Self: AnyObject {
    @inline(__always)
    static func fifoElement(takingBits bits: UInt) -> Self {
        Unmanaged<Self>.fromOpaque(UnsafeRawPointer(bitPattern: bits).unsafelyUnwrapped).takeRetainedValue()
    }

    static func fifoCopy(bits: UInt) -> UInt {
        _ = Unmanaged<Self>.fromOpaque(UnsafeRawPointer(bitPattern: bits).unsafelyUnwrapped).retain()
        return bits
    }

    static func fifoDestroy(bits: UInt) {
        Unmanaged<Self>.fromOpaque(UnsafeRawPointer(bitPattern: bits).unsafelyUnwrapped).release()
    }
}

extension AnyObjectRef: FIFOElement {}

/// An unowned job is a pointer that owns nothing: its bits are the job.
extension UnownedJob: FIFOElement {
    static func fifoElement(takingBits bits: UInt) -> UnownedJob { unsafeBitCast(bits, to: UnownedJob.self) }

    static func fifoCopy(bits: UInt) -> UInt { bits }

    static func fifoDestroy(bits: UInt) {}
}

/// A ``FIFO``'s slots: each an element's bits or 0. Its capacity is its header. Freed, it
/// destroys the elements left in it. Not thread-safe (its FIFO's owner's).
final class FIFORing<Element: FIFOElement>: ManagedBuffer<Int, UInt> {
    /// A ring of `capacity` free slots.
    static func make(capacity: Int) -> FIFORing {
        let ring = unsafeDowncast(create(minimumCapacity: capacity) { _ in capacity }, to: FIFORing.self)
        ring.withUnsafeMutablePointerToElements { $0.initialize(repeating: 0, count: capacity) }
        return ring
    }

    deinit {
        withUnsafeMutablePointers { capacity, slots in
            for index in 0..<capacity.pointee where slots[index] != 0 { Element.fifoDestroy(bits: slots[index]) }
        }
    }

    /// A new ring of `capacity` slots holding the `count` elements from `head` on, moved from
    /// this one (whose slots are then free), oldest first. O(capacity).
    func moveElements(capacity: Int, head: Int, count: Int) -> FIFORing {
        transfer(capacity: capacity, head: head, count: count) { slot in
            defer { slot = 0 }
            return slot
        }
    }

    /// A new ring of `capacity` slots holding copies of the `count` elements from `head` on,
    /// oldest first. O(capacity).
    func copy(capacity: Int, head: Int, count: Int) -> FIFORing {
        transfer(capacity: capacity, head: head, count: count) { Element.fifoCopy(bits: $0) }
    }

    @inline(__always)
    private func transfer(capacity: Int, head: Int, count: Int, _ take: (inout UInt) -> UInt) -> FIFORing {
        let new = FIFORing.make(capacity: capacity)
        withUnsafeMutablePointers { oldCapacity, source in
            new.withUnsafeMutablePointerToElements { target in
                var index = head
                for position in 0..<count {
                    target[position] = take(&source[index])
                    index &+= 1
                    if index == oldCapacity.pointee { index = 0 }
                }
            }
        }
        return new
    }
}
