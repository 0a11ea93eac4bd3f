/// Three words that hold one value of any type: its bytes in place when it fits in 24 bytes
/// at 8-byte alignment (numbers, strings, arrays, `Data`, class references, refs, small
/// structs and tuples), else the address of a heap copy. A trivial field that a generic class
/// initializes, reads and destroys by hand, with the owner saying when it holds a value.
///
/// Why: a generic class's deinit is not specialized, and a field of type `Value?` (or of any
/// generic struct around `Value`) makes it ask the runtime for that type's metadata, a lookup in
/// a shared hash map (5% of the caller's samples in `1:1 actor calls async` when a ref held its
/// value so, ten when an actor's call held its arguments so); `Value`'s own metadata is a load
/// from the class's. Not thread-safe: its owner orders the accesses.
@usableFromInline
struct InlineValue {
    @usableFromInline var words: (UInt64, UInt64, UInt64) = (0, 0, 0)

    @inlinable
    init() {}

    /// Whether a `T` lives in the words themselves (else on the heap, its address there).
    @inlinable @inline(__always)
    static func storesInline<T>(_: T.Type) -> Bool {
        MemoryLayout<T>.size <= 24 && MemoryLayout<T>.alignment <= 8
    }

    /// Stores `value` into words that hold none.
    @inlinable @inline(__always)
    mutating func initialize<T>(to value: T) {
        withUnsafeMutableBytes(of: &words) { bytes in
            let address = bytes.baseAddress.unsafelyUnwrapped
            if Self.storesInline(T.self) {
                address.initializeMemory(as: T.self, to: value)
            } else {
                let box = UnsafeMutablePointer<T>.allocate(capacity: 1)
                box.initialize(to: value)
                address.storeBytes(of: UnsafeMutableRawPointer(box), as: UnsafeMutableRawPointer.self)
            }
        }
    }

    /// A copy of the value, a `T`. Through the bytes borrowed: a copy of them is trivial, and
    /// what it loads is a proper copy of the value (readers may run at once on many threads).
    @inlinable @inline(__always)
    func load<T>(as type: T.Type) -> T {
        withUnsafeBytes(of: words) { bytes in
            if Self.storesInline(T.self) { return bytes.load(as: T.self) }
            return bytes.load(as: UnsafeRawPointer.self).assumingMemoryBound(to: T.self).pointee
        }
    }

    /// Destroys the value, a `T`; the words then hold none.
    @inlinable @inline(__always)
    mutating func destroy<T>(as type: T.Type) {
        withUnsafeMutableBytes(of: &words) { bytes in
            let address = bytes.baseAddress.unsafelyUnwrapped
            if Self.storesInline(T.self) {
                // A trivial value (a number, `()`) has nothing to destroy. Checked first: in a
                // generic deinit the check is a load of the type's flags, where the destroy is a
                // call through `swift_arrayDestroy` (~40 instructions, even for `()`).
                if _isPOD(T.self) { return }
                address.assumingMemoryBound(to: T.self).deinitialize(count: 1)
            } else {
                // The box's address as a raw pointer: loading an `UnsafeMutablePointer<T>`
                // would look its metadata up, here in generic code.
                let box = address.load(as: UnsafeMutableRawPointer.self).assumingMemoryBound(to: T.self)
                box.deinitialize(count: 1)
                box.deallocate()
            }
        }
    }
}

/// A call's arguments as passed (``InlineValue``), and whether the call still holds them: a
/// call that ends lets go of arguments that may hold refs or memory (TaskRecord.swift, "One
/// object a call"), and its deinit destroys them only if it did not. Not thread-safe: the call's
/// owner of the moment touches it.
@usableFromInline
struct HeldValues {
    @usableFromInline var storage = InlineValue()
    @usableFromInline var isHeld = true

    @inlinable
    init<T>(_ values: T) { storage.initialize(to: values) }

    /// A copy of the values, a `T`, while held.
    @inlinable @inline(__always)
    func load<T>(as type: T.Type) -> T { storage.load(as: T.self) }

    /// The values, a `T`, or nil once let go.
    func ifHeld<T>(as type: T.Type) -> T? { isHeld ? storage.load(as: T.self) : nil }

    /// Destroys the values, a `T`, unless they were already.
    @inlinable
    mutating func release<T>(as type: T.Type) {
        guard isHeld else { return }
        isHeld = false
        storage.destroy(as: T.self)
    }
}
