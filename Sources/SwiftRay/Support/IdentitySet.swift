/// Finds a repeated object among a list by identity, in one pass: an open-addressing table of
/// object addresses, twice the list's size, probed linearly. O(n) time and memory, a few
/// nanoseconds per element (no hashing of ids, no Set allocation per element). A plain value; not
/// thread-safe (local to one call).
struct IdentitySet {
    private var slots: [UInt]
    private let mask: Int

    /// A set for up to `capacity` objects.
    init(capacity: Int) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = [UInt](repeating: 0, count: size)
        mask = size - 1
    }

    /// Adds the object at `address` (nonzero); false when it was there already.
    @inline(__always)
    mutating func insert(address: UInt) -> Bool {
        var index = Int(truncatingIfNeeded: (address >> 4) &* 0x9E37_79B9_7F4A_7C15 >> 20) & mask
        while true {
            let slot = slots[index]
            if slot == 0 {
                slots[index] = address
                return true
            }
            if slot == address { return false }
            index = (index + 1) & mask
        }
    }
}
