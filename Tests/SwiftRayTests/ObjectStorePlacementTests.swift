import Dispatch
import Foundation
import RayTopology
import Synchronization
import Testing

@testable import SwiftRay

/// Large values record the domain whose memory holds their bytes; gets hand large arrays out
/// without copying them.
@Suite("ObjectStore: large values and their domain", .timeLimit(.minutes(2)))
struct ObjectStorePlacementTests {
    /// The addresses a test page locator was asked about. Thread-safe.
    final class PageLog: Sendable {
        private let addresses = Locked<[UInt]>([])
        func record(_ address: UnsafeRawPointer) { addresses.withLock { $0.append(UInt(bitPattern: address)) } }
        var all: [UInt] { addresses.withLock { $0 } }
    }

    /// A store on a two-domain virtual topology whose page locator answers `domain` and logs.
    func makePlacementStore(threshold: Int = 1 << 20, answer domain: Int?, log: PageLog) throws -> ObjectStore {
        var configuration = ObjectStore.Configuration(capacityBytes: 1 << 30, largeObjectThreshold: threshold)
        configuration.pageDomain = { address in
            log.record(address)
            return domain
        }
        return try ObjectStore(topology: Topology.load(.synthetic("numa:2 core:1 pu:1")), configuration: configuration)
    }

    static func baseAddress<Element>(_ array: [Element]) -> UInt {
        array.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) }
    }

    @Test func getOfALargeArrayHandsOutTheStoredBuffer() throws {
        let store = try makeStore(capacity: 1 << 30)
        let array = [UInt8](repeating: 7, count: 4 << 20)
        let put = Self.baseAddress(array)
        let ref = try store.put(array)
        let got = try store.get(ref)
        #expect(Self.baseAddress(got) == put)
        #expect(try Self.baseAddress(store.get([ref])[0]) == put)
        let contiguous = ContiguousArray<Double>(repeating: 1, count: 1 << 18)
        let contiguousRef = try store.put(contiguous)
        let gotContiguous = try store.get(contiguousRef)
        #expect(gotContiguous.withUnsafeBufferPointer { $0.baseAddress } == contiguous.withUnsafeBufferPointer { $0.baseAddress })
    }

    @Test func largeContiguousValuesRecordTheDomainOfTheirFirstPage() throws {
        let log = PageLog()
        let store = try makePlacementStore(answer: 1, log: log)
        let large = [Int](repeating: 3, count: (1 << 20) / 8)  // exactly the threshold
        let ref = try store.put(large)
        #expect(store.domain(of: ref.id) == 1)
        #expect(log.all == [Self.baseAddress(large)])
        let data = Data(repeating: 1, count: 2 << 20)
        let dataRef = try store.put(data)
        #expect(store.domain(of: dataRef.id) == 1)
        #expect(log.all.count == 2)
        let pending = try store.makePending(of: [UInt16].self)
        let produced = [UInt16](repeating: 9, count: 1 << 20)
        try store.fulfil(pending, with: produced)
        #expect(store.domain(of: pending.id) == 1)
        #expect(log.all.last == Self.baseAddress(produced))
    }

    @Test func otherValuesKeepTheCallersDomain() throws {
        let log = PageLog()
        let store = try makePlacementStore(answer: 1, log: log)
        let small = try store.put([UInt8](repeating: 1, count: (1 << 20) - 1))  // one byte short
        #expect(store.domain(of: small.id) == 0)
        let strings = try store.put([String](repeating: String(repeating: "x", count: 64), count: 1 << 15))
        #expect(store.domain(of: strings.id) == 0)  // elements not trivial: their bytes live elsewhere
        let declared = try store.put(Payload(DeinitCounter(), bytes: 8 << 20))
        #expect(store.domain(of: declared.id) == 0)  // not contiguous
        let text = try store.put(String(repeating: "y", count: 2 << 20))
        #expect(store.domain(of: text.id) == 0)
        let explicit = try store.put([UInt8](repeating: 1, count: 2 << 20), onDomain: 0)
        #expect(store.domain(of: explicit.id) == 0)  // an explicit domain wins
        #expect(log.all.isEmpty)
    }

    @Test func locatorAnswersOutsideTheTopologyAreIgnored() throws {
        let log = PageLog()
        for answer in [nil, 7] {
            let store = try makePlacementStore(threshold: 16, answer: answer, log: log)
            let ref = try store.put([UInt8](repeating: 1, count: 64))
            #expect(store.domain(of: ref.id) == 0)
        }
        #expect(log.all.count == 2)
    }

    @Test func theKernelIsAskedOnTheRunningMachine() throws {
        let topology = try Topology.load(.machine)
        let store = try makeStore(capacity: 1 << 30, topology: topology)
        let array = [UInt64](repeating: 5, count: 1 << 18)
        let ref = try store.put(array)
        let expected = array.withUnsafeBytes { bytes in (try? topology.domainID(ofPageAt: bytes.baseAddress!)) ?? nil } ?? 0
        #expect(store.domain(of: ref.id) == expected)
    }

    @Test func sizeDeclarationsAreReadThroughTheTypeCache() throws {
        let store = try makeStore(capacity: 1 << 20)
        let counter = DeinitCounter()
        var refs: [ObjectRef<Payload>] = []
        for bytes in [10, 20, 30] { refs.append(try store.put(Payload(counter, bytes: bytes))) }
        #expect(store.usedBytes == 60)
        let ints = try store.put(5)
        #expect(store.usedBytes == 60 + MemoryLayout<Int>.size)
        #expect(throws: ObjectStoreError.invalidObjectSize(-1)) { try store.put(Payload(counter, bytes: -1)) }
        refs.removeAll()
        _ = ints
        #expect(counter.value == 4)
    }
}
