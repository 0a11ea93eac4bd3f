/// A resource quantity with 1/10000 precision, stored as an `Int64` scaled by 10000, as Ray's
/// `FixedPoint` does: `0.5` CPU is 5000, one GPU is 10000, a byte of memory is 10000.
///
/// Sums of fixed-point values are exact, so the scheduler's books (total = available + allocated)
/// balance to the last unit. A plain value; thread-safe.
public struct FixedPoint: Sendable, Hashable, Comparable, AdditiveArithmetic, CustomStringConvertible,
    ExpressibleByIntegerLiteral
{
    /// Units per whole: a quantity `q` is stored as `q * scale`.
    public static let scale: Int64 = 10_000

    /// The largest quantity that can be represented, in whole units (about 9.2e14).
    public static let maximumWholeUnits: Int64 = Int64.max / scale

    /// The quantity times ``scale``.
    public var rawValue: Int64

    /// The quantity whose scaled value is `rawValue` (1 is 1/10000).
    public init(rawValue: Int64) { self.rawValue = rawValue }

    /// A whole number of units. Only for literals written in code (`let two: FixedPoint = 2`).
    public init(integerLiteral value: Int64) { self.rawValue = value * Self.scale }

    /// A whole number of units, or nil when it is negative or above ``maximumWholeUnits``.
    public init?(exactly units: Int) {
        guard units >= 0, Int64(units) <= Self.maximumWholeUnits else { return nil }
        self.rawValue = Int64(units) * Self.scale
    }

    /// Converts a user-given quantity of the resource `name`, rounding to the nearest 1/10000.
    ///
    /// Throws ``ResourceError/invalidQuantity(name:value:)`` when `value` is negative, NaN,
    /// infinite, too large, or nonzero but below 1/10000 (which Ray would truncate to 0: an error,
    /// never a silent 0).
    public init(_ value: Double, name: String) throws(ResourceError) {
        guard value.isFinite, value >= 0 else { throw .invalidQuantity(name: name, value: value) }
        if value == 0 {
            self.rawValue = 0
            return
        }
        let scaled = value * Double(Self.scale)
        guard scaled < Double(Int64.max) else { throw .invalidQuantity(name: name, value: value) }
        // Ray's check: a nonzero quantity that truncates to zero units is refused.
        guard Int64(scaled) != 0 else { throw .invalidQuantity(name: name, value: value) }
        self.rawValue = Int64(scaled.rounded())
    }

    public static var zero: FixedPoint { FixedPoint(rawValue: 0) }
    /// One whole unit (one CPU, one GPU instance).
    public static var one: FixedPoint { FixedPoint(rawValue: scale) }

    public static func + (lhs: FixedPoint, rhs: FixedPoint) -> FixedPoint {
        FixedPoint(rawValue: lhs.rawValue + rhs.rawValue)
    }

    public static func - (lhs: FixedPoint, rhs: FixedPoint) -> FixedPoint {
        FixedPoint(rawValue: lhs.rawValue - rhs.rawValue)
    }

    public static func < (lhs: FixedPoint, rhs: FixedPoint) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The quantity as a `Double` (for scores and display).
    public var doubleValue: Double { Double(rawValue) / Double(Self.scale) }

    /// The whole units in the quantity (2 for 2.5).
    public var wholeUnits: Int64 { rawValue / Self.scale }

    /// The part below one unit (0.5 for 2.5).
    public var fractionalPart: FixedPoint { FixedPoint(rawValue: rawValue % Self.scale) }

    /// Whether the quantity is a whole number of units.
    public var isWhole: Bool { rawValue % Self.scale == 0 }

    /// The exact decimal: `2`, `0.5`, `0.0001`, `-1.25`.
    public var description: String {
        let sign = rawValue < 0 ? "-" : ""
        let magnitude = rawValue.magnitude
        let whole = magnitude / UInt64(Self.scale)
        let fraction = magnitude % UInt64(Self.scale)
        guard fraction != 0 else { return "\(sign)\(whole)" }
        var digits = String(fraction)
        digits = String(repeating: "0", count: 4 - digits.count) + digits
        while digits.hasSuffix("0") { digits.removeLast() }
        return "\(sign)\(whole).\(digits)"
    }

    /// The form Python prints for a float: `4.0`, `0.5`, as `ray status` shows quantities.
    public var pythonDescription: String { isWhole ? "\(description).0" : description }
}
