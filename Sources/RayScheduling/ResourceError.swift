/// A resource quantity or resource name that Ray would refuse. Each case names the resource and
/// the value it is about. A plain value; thread-safe.
public enum ResourceError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A quantity that is negative, NaN, infinite, too large for fixed point, or nonzero but below
    /// the 1/10000 precision (it would truncate to 0).
    case invalidQuantity(name: String, value: Double)
    /// A fractional quantity above 1 of a unit-instance resource (`GPU: 1.5`): fractions are only
    /// allowed below one instance.
    case fractionalUnitAboveOne(name: String, value: Double)
    /// `CPU`, `GPU`, `memory` or `object_store_memory` given among the custom resources; they have
    /// their own parameters (Ray's `num_cpus`, `num_gpus`, `memory`, `object_store_memory`).
    case predefinedResourceInCustom(name: String)
    /// A resource with an empty name.
    case emptyResourceName
    /// A name the scheduler keeps for itself (`bundle`, the placement-group token).
    case reservedResourceName(String)

    public var description: String {
        switch self {
        case let .invalidQuantity(name, value):
            return "invalid quantity \(value) of resource '\(name)': \(Self.problem(with: value))"
        case let .fractionalUnitAboveOne(name, value):
            return "invalid quantity \(value) of resource '\(name)': a fractional quantity of a unit "
                + "resource must be below 1 (use a whole number above 1)"
        case let .predefinedResourceInCustom(name):
            return "resource '\(name)' given among the custom resources: use its own parameter "
                + "(cpus, gpus, memory, objectStoreMemory) instead"
        case .emptyResourceName:
            return "a resource name is empty"
        case let .reservedResourceName(name):
            return "resource name '\(name)' is reserved by the scheduler"
        }
    }

    /// Why `value` is not a valid quantity.
    static func problem(with value: Double) -> String {
        if value.isNaN { return "it is not a number" }
        if value.isInfinite { return "it is infinite" }
        if value < 0 { return "it is negative" }
        if value * Double(FixedPoint.scale) < 1 {
            return "it is below the precision of 0.0001 and would truncate to 0"
        }
        return "it is above the largest quantity, \(FixedPoint.maximumWholeUnits)"
    }
}
