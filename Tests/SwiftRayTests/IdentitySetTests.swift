import Testing

@testable import SwiftRay

@Suite("IdentitySet: duplicates by address")
struct IdentitySetTests {
    @Test("finds the one repeated address among many, at any stride")
    func findsRepeats() {
        for stride in [16, 240, 256, 4096] {
            var set = IdentitySet(capacity: 1000)
            let addresses = (1...1000).map { UInt(0x7f00_0000_0000 + $0 * stride) }
            var inserted = 0
            for address in addresses where set.insert(address: address) { inserted += 1 }
            #expect(inserted == 1000)
            let again = set.insert(address: addresses[617])
            #expect(!again)
            let new = set.insert(address: UInt(0x7f00_0000_0000 + 1001 * stride))
            #expect(new)
        }
    }

    @Test("addresses a power-of-two stride apart spread over the slots as random ones would (about 790 of 2,048)")
    func spreadsStrides() {
        // Refs whose records lie between them are 256 bytes apart. With the slot taken from
        // the product's low bits they started in 32 of 2,048 slots (a 64-byte stride: 128);
        // 1,000 random addresses would start in about 790.
        let set = IdentitySet(capacity: 1000)
        for stride in [16, 64, 256, 4096, 65_536] {
            let homes = Set((1...1000).map { set.home(of: UInt(0x7f3a_1000_0000 + $0 * stride)) })
            #expect(homes.count >= 700, "stride \(stride): \(homes.count) distinct slots")
        }
    }
}
