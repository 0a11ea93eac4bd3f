import Synchronization

/// A count alone on its cache line (padding on both sides), so that its writes do not bounce
/// the lines of the fields around it: a count one thread writes often and others read now and
/// then (``set(_:)``), or a counter many threads take numbers from (``next()``).
///
/// Thread-safe (an atomic); reads are a snapshot.
@usableFromInline
final class CountLine: Sendable {
    private let before: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0)
    private let count: Atomic<Int>
    private let after: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0)

    init(_ initial: Int = 0) { count = Atomic(initial) }

    /// The count now.
    var value: Int { count.load(ordering: .relaxed) }

    /// Sets the count (a plain store: meant for a single writer).
    @inline(__always)
    func set(_ value: Int) { count.store(value, ordering: .relaxed) }

    /// Adds one and returns the count before (unique across threads).
    @inline(__always)
    func next() -> Int { take(1) }

    /// Adds `n` and returns the count before: `n` numbers no other thread gets.
    @usableFromInline @inline(__always)
    func take(_ n: Int) -> Int { count.wrappingAdd(n, ordering: .relaxed).oldValue }
}
