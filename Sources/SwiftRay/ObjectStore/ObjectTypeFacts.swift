import Synchronization

/// What a put needs to know about a value's type: whether it declares its size
/// (``ObjectSizeEstimating``) and whether its bytes are one contiguous block
/// (``ContiguousObjectBytes``), as existential metatypes that later calls open without another
/// dynamic cast. An immutable plain value (metatypes only), safe to read from any thread; not
/// declared `Sendable` because existential metatypes are not.
@usableFromInline
struct ObjectTypeFacts {
    @usableFromInline let sized: (any ObjectSizeEstimating.Type)?
    let contiguous: (any ContiguousObjectBytes.Type)?

    /// The facts of `Value`, found by dynamic casts (the slow way; ``ObjectTypeFactsCache`` keeps them).
    init<Value>(of type: Value.Type) {
        sized = type as? any ObjectSizeEstimating.Type
        contiguous = type as? any ContiguousObjectBytes.Type
    }

    /// The bytes the store charges for `value`: its declared size, else its inline size.
    @inlinable @inline(__always)
    func size<Value>(of value: Value) throws(ObjectStoreError) -> Int {
        guard let sized else { return MemoryLayout<Value>.size }
        let size = withUnsafePointer(to: value) { Self.measure(sized, UnsafeRawPointer($0)) }
        if size < 0 { throw .invalidObjectSize(size) }
        return size
    }

    /// Calls `body` with the base address of `value`'s bytes when its type is contiguous (nil
    /// otherwise), without copying them.
    func withBaseAddress<Value, R>(of value: Value, _ body: (UnsafeRawPointer?) -> R) -> R {
        guard let contiguous else { return body(nil) }
        return Self.withBase(contiguous, value, body)
    }

    /// The value at `value`, known to be a `Sized`, asked for its size (no cast: `Sized` is
    /// the value's type). Takes the value's address, which the caller's specialized code has at
    /// hand: this function cannot be specialized (`Sized` is opened from an existential at run
    /// time), and given the value itself it copied it through its type's value witnesses and
    /// went through an unspecialized `withUnsafePointer` and a closure (about 4.7% of an async
    /// actor's worker in `1:n async-actor calls async`, whose calls return a `String`). The
    /// type's own witness reads the value in place (``ObjectSizeEstimating/_estimatedObjectSize(at:)``).
    @usableFromInline
    static func measure<Sized: ObjectSizeEstimating>(_: Sized.Type, _ value: UnsafeRawPointer) -> Int {
        Sized._estimatedObjectSize(at: value)
    }

    private static func withBase<Bytes: ContiguousObjectBytes, Value, R>(
        _: Bytes.Type, _ value: Value, _ body: (UnsafeRawPointer?) -> R
    ) -> R {
        withUnsafePointer(to: value) { pointer in
            UnsafeRawPointer(pointer).assumingMemoryBound(to: Bytes.self).pointee.withObjectBaseAddress(body)
        }
    }
}

/// The ``ObjectTypeFacts`` of every type put so far, so that a put does its dynamic casts once
/// per type instead of once per value: a fixed open-addressing table keyed by the type's
/// metadata address, whose slots are filled once (compare and exchange) and never change. A
/// lookup is a hash, an acquiring load and a compare; a type that finds no free slot among its
/// probes is simply not cached (its facts are found again each time).
///
/// Thread-safe.
@usableFromInline
final class ObjectTypeFactsCache: @unchecked Sendable {
    /// One cached type's facts. Immutable; thread-safe.
    private final class Box {
        let type: ObjectIdentifier
        let facts: ObjectTypeFacts
        init(type: ObjectIdentifier, facts: ObjectTypeFacts) {
            self.type = type
            self.facts = facts
        }
    }

    private static let slotCount = 512
    private static let probes = 8
    private let slots: UnsafeMutablePointer<Atomic<Unmanaged<Box>?>>

    init() {
        slots = .allocate(capacity: Self.slotCount)
        for index in 0..<Self.slotCount { (slots + index).initialize(to: Atomic(nil)) }
    }

    deinit {
        for index in 0..<Self.slotCount { slots[index].load(ordering: .acquiring)?.release() }
        slots.deinitialize(count: Self.slotCount)
        slots.deallocate()
    }

    /// The facts of `Value`.
    @inline(__always)
    @usableFromInline
    func facts<Value>(of type: Value.Type) -> ObjectTypeFacts {
        let key = ObjectIdentifier(type)
        let bits = UInt64(UInt(bitPattern: key))
        var index = Int(truncatingIfNeeded: (bits &* 0x9E37_79B9_7F4A_7C15) >> 55)  // 9 bits: 0..<512
        for _ in 0..<Self.probes {
            guard let box = slots[index].load(ordering: .acquiring) else { return insert(type, at: index) }
            let found: ObjectTypeFacts? = box._withUnsafeGuaranteedRef { $0.type == key ? $0.facts : nil }
            if let found { return found }
            index = (index &+ 1) & (Self.slotCount - 1)
        }
        return ObjectTypeFacts(of: type)
    }

    /// Finds `Value`'s facts and caches them in the empty slot `index` or a later one.
    @inline(never)
    private func insert<Value>(_ type: Value.Type, at start: Int) -> ObjectTypeFacts {
        let key = ObjectIdentifier(type)
        let facts = ObjectTypeFacts(of: type)
        let box = Unmanaged.passRetained(Box(type: key, facts: facts))
        var index = start
        for _ in 0..<Self.probes {
            let (exchanged, current) = slots[index].compareExchange(
                expected: nil, desired: box, ordering: .acquiringAndReleasing)
            if exchanged { return facts }
            if let current, current._withUnsafeGuaranteedRef({ $0.type == key }) { break }  // another thread won
            index = (index &+ 1) & (Self.slotCount - 1)
        }
        box.release()
        return facts
    }
}
