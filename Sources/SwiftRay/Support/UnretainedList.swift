/// A fixed list of objects kept alive by the list and read without reference counting.
///
/// Why: in a loop that many threads run (workers looking at each other's deques), reading a
/// class reference from a Swift array retains and releases it, an atomic operation on the
/// object's header, so every thief bounces the same cache lines. Elements read from here are
/// borrowed for the length of a closure instead. Immutable after init; thread-safe.
final class UnretainedList<Element: AnyObject>: @unchecked Sendable {
    private let owned: [Element]
    private let pointers: UnsafeMutableBufferPointer<Unmanaged<Element>>

    init(_ elements: [Element]) {
        owned = elements
        pointers = .allocate(capacity: elements.count)
        _ = pointers.initialize(from: elements.map { Unmanaged.passUnretained($0) })
    }

    deinit { pointers.deallocate() }

    @inline(__always)
    var count: Int { pointers.count }

    /// Calls `body` with element `index`, borrowed (no retain, no release).
    @inline(__always)
    func with<R>(_ index: Int, _ body: (Element) -> R) -> R {
        pointers[index]._withUnsafeGuaranteedRef(body)
    }

    /// Whether `predicate` holds for some element, each borrowed in turn.
    @inline(__always)
    func contains(where predicate: (Element) -> Bool) -> Bool {
        for pointer in pointers where pointer._withUnsafeGuaranteedRef(predicate) { return true }
        return false
    }

    /// The elements as a plain (retaining) array, for code off the hot path.
    var elements: [Element] { owned }
}
