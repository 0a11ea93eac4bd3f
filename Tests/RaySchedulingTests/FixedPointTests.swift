import Testing

@testable import RayScheduling

@Suite("FixedPoint quantities (1/10000 precision)")
struct FixedPointTests {
    @Test("doubles become exact fixed-point units, rounded to the nearest 1/10000")
    func conversion() throws {
        #expect(try FixedPoint(1, name: "CPU").rawValue == 10_000)
        #expect(try FixedPoint(0.5, name: "GPU").rawValue == 5_000)
        #expect(try FixedPoint(0.3, name: "CPU").rawValue == 3_000)
        #expect(try FixedPoint(0.0001, name: "x").rawValue == 1)
        #expect(try FixedPoint(0, name: "x") == .zero)
        #expect(try FixedPoint(2.5, name: "CPU").wholeUnits == 2)
        #expect(try FixedPoint(2.5, name: "CPU").fractionalPart == FixedPoint(rawValue: 5_000))
        #expect(try FixedPoint(0.1, name: "a") + FixedPoint(0.2, name: "b") == FixedPoint(0.3, name: "c"))
    }

    @Test("negative, NaN, infinite, too small and too large quantities are typed errors naming the value",
          arguments: [-1.0, -0.0001, Double.nan, Double.infinity, -Double.infinity, 0.00001, 0.00009, 1e15, 1e300])
    func invalid(value: Double) {
        let error = #expect(throws: ResourceError.self) { try FixedPoint(value, name: "CPU") }
        guard case let .invalidQuantity(name, bad)? = error else {
            Issue.record("expected invalidQuantity, got \(String(describing: error))")
            return
        }
        #expect(name == "CPU")
        #expect(bad.isNaN ? value.isNaN : bad == value)
        let text = error?.description ?? ""
        #expect(text.contains("'CPU'"))
        #expect(text.contains("\(value)"))
    }

    @Test("each invalid quantity says why")
    func reasons() {
        #expect(ResourceError.invalidQuantity(name: "GPU", value: -2).description
            == "invalid quantity -2.0 of resource 'GPU': it is negative")
        #expect(ResourceError.invalidQuantity(name: "x", value: .nan).description.hasSuffix("it is not a number"))
        #expect(ResourceError.invalidQuantity(name: "x", value: .infinity).description.hasSuffix("it is infinite"))
        #expect(ResourceError.invalidQuantity(name: "x", value: 0.00005).description
            .hasSuffix("it is below the precision of 0.0001 and would truncate to 0"))
        #expect(ResourceError.invalidQuantity(name: "x", value: 1e16).description.contains("above the largest quantity"))
    }

    @Test("descriptions are exact decimals; Python's float form for ray status")
    func descriptions() throws {
        #expect(FixedPoint(rawValue: 20_000).description == "2")
        #expect(FixedPoint(rawValue: 5_000).description == "0.5")
        #expect(FixedPoint(rawValue: 1).description == "0.0001")
        #expect(FixedPoint(rawValue: -12_500).description == "-1.25")
        #expect(FixedPoint(rawValue: 40_000).pythonDescription == "4.0")
        #expect(FixedPoint(rawValue: 2_500).pythonDescription == "0.25")
        #expect(FixedPoint(exactly: 3) == FixedPoint(rawValue: 30_000))
        #expect(FixedPoint(exactly: -1) == nil)
    }
}
