import Foundation

/// A value that tells the object store how many bytes it occupies, for the store's memory
/// accounting (capacity and `ObjectStoreFull`). Conform types that own large buffers; values of
/// other types count as `MemoryLayout<T>.size` (their inline size, not what they point to).
///
/// Arrays, `ContiguousArray`, `Data` and `String` conform already: an array of trivial elements
/// counts `count * stride` bytes, an array of conforming elements the sum of their sizes plus
/// their strides, other arrays `count * stride`. The conformance must be cheap to compute and
/// its result must not change; it is read once, when the value is stored.
public protocol ObjectSizeEstimating {
    /// The bytes this value occupies (must be >= 0).
    var estimatedObjectSize: Int { get }

    /// The ``estimatedObjectSize`` of the value of this type at `address`, read in place. The
    /// store's hook, not to be implemented: the default below is the only one. The store knows
    /// a conforming type only as an existential metatype, so it asks for the size in code that
    /// is not specialized for the type; there, reading `estimatedObjectSize` through a pointer
    /// copied the value and destroyed the copy through its value witnesses (a `String` result:
    /// about 100 of the ~1,000 instructions a lease's runner spent on a task). The default is
    /// specialized in each conformance's witness, which reads the value where it is.
    static func _estimatedObjectSize(at address: UnsafeRawPointer) -> Int
}

extension ObjectSizeEstimating {
    @inlinable
    public static func _estimatedObjectSize(at address: UnsafeRawPointer) -> Int {
        address.assumingMemoryBound(to: Self.self).pointee.estimatedObjectSize
    }
}

extension Array: ObjectSizeEstimating {
    public var estimatedObjectSize: Int { estimatedCollectionSize(self) }
}

extension ContiguousArray: ObjectSizeEstimating {
    public var estimatedObjectSize: Int { estimatedCollectionSize(self) }
}

extension Data: ObjectSizeEstimating {
    public var estimatedObjectSize: Int { count }
}

extension String: ObjectSizeEstimating {
    public var estimatedObjectSize: Int { utf8.count }
}

/// `count * stride`, plus the elements' own declared sizes when they declare one.
@inline(__always)
private func estimatedCollectionSize<C: Collection>(_ collection: C) -> Int {
    let inline = collection.count &* MemoryLayout<C.Element>.stride
    if _isPOD(C.Element.self) { return inline }
    guard C.Element.self is any ObjectSizeEstimating.Type else { return inline }
    var total = inline
    for element in collection {
        if let sized = element as? any ObjectSizeEstimating { total &+= max(0, sized.estimatedObjectSize) }
    }
    return total
}

/// A value whose bytes lie in one block of memory that a copy of the value shares (copy on
/// write): the store asks the kernel which domain's memory holds a large one. Internal; the
/// conformances below are the only ones. Thread safety: that of the value.
protocol ContiguousObjectBytes {
    /// The address of the value's first byte, borrowed for the call, without copying the bytes;
    /// nil when the value has no shared block of its own (empty, or elements that are not
    /// trivial, whose bytes live elsewhere).
    func withObjectBaseAddress<R>(_ body: (UnsafeRawPointer?) throws -> R) rethrows -> R
}

extension Array: ContiguousObjectBytes {
    func withObjectBaseAddress<R>(_ body: (UnsafeRawPointer?) throws -> R) rethrows -> R {
        guard _isPOD(Element.self), !isEmpty else { return try body(nil) }
        return try withUnsafeBytes { try body($0.baseAddress) }
    }
}

extension ContiguousArray: ContiguousObjectBytes {
    func withObjectBaseAddress<R>(_ body: (UnsafeRawPointer?) throws -> R) rethrows -> R {
        guard _isPOD(Element.self), !isEmpty else { return try body(nil) }
        return try withUnsafeBytes { try body($0.baseAddress) }
    }
}

extension Data: ContiguousObjectBytes {
    func withObjectBaseAddress<R>(_ body: (UnsafeRawPointer?) throws -> R) rethrows -> R {
        guard !isEmpty else { return try body(nil) }
        return try withUnsafeBytes { try body($0.baseAddress) }
    }
}
