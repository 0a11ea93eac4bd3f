import Synchronization

/// A count that one thread writes often and others read now and then, alone on its cache line
/// (padding on both sides), so its writes do not bounce the lines of the fields around it.
///
/// Thread-safe (an atomic); reads are a snapshot.
final class CountLine: Sendable {
    private let before: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0)
    private let count = Atomic<Int>(0)
    private let after: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0)

    init() {}

    /// The count now.
    var value: Int { count.load(ordering: .relaxed) }

    /// Sets the count (a plain store: meant for a single writer).
    @inline(__always)
    func set(_ value: Int) { count.store(value, ordering: .relaxed) }
}
