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

/// The bytes the store charges for `value`: its declared size, else its inline size.
@inline(__always)
func objectSize<Value>(of value: Value) throws(ObjectStoreError) -> Int {
    if let sized = value as? any ObjectSizeEstimating {
        let size = sized.estimatedObjectSize
        if size < 0 { throw .invalidObjectSize(size) }
        return size
    }
    return MemoryLayout<Value>.size
}
