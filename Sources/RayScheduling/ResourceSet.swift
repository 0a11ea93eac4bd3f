/// Resource names and quantities, as a Ray user writes them: a task's `num_cpus`, `num_gpus`,
/// `memory` and `resources={...}`, a placement-group bundle `{"CPU": 2, "GPU": 1}`, a node's
/// totals. Every quantity is validated and stored as a ``FixedPoint``; zero quantities are dropped.
///
/// A plain value; thread-safe.
public struct ResourceSet: Sendable, Hashable, CustomStringConvertible {
    /// The nonzero quantities by name.
    public private(set) var quantities: [String: FixedPoint]

    /// No resources.
    public init() { quantities = [:] }

    /// Quantities already validated (internal use).
    init(validated quantities: [String: FixedPoint]) {
        self.quantities = quantities.filter { $0.value != .zero }
    }

    /// A bundle or a node's resources by name, `CPU` and `GPU` included, as in Ray's
    /// `placement_group([{"CPU": 2, "GPU": 1}])`.
    ///
    /// Throws for an empty or reserved name (`bundle`, `exclusive_CPU`), a negative, NaN, infinite or too-precise
    /// quantity, or a fractional GPU above 1 (1.5).
    public init(_ quantities: [String: Double]) throws(ResourceError) {
        var result: [String: FixedPoint] = [:]
        for (name, value) in quantities {
            try Self.checkName(name)
            let amount = try FixedPoint(value, name: name)
            try Self.checkUnitRule(name: name, value: value, amount: amount)
            if amount != .zero { result[name] = amount }
        }
        self.quantities = result
    }

    /// A task's or an actor's request in Ray's option form: `num_cpus`, `num_gpus`, `memory`,
    /// `object_store_memory` and the custom `resources` dictionary.
    ///
    /// Throws like ``init(_:)``, and also when `resources` names `CPU`, `GPU`, `memory` or
    /// `object_store_memory` (they have their own parameters).
    public init(
        cpus: Double = 0, gpus: Double = 0, memory: Double = 0, objectStoreMemory: Double = 0,
        resources: [String: Double] = [:]
    ) throws(ResourceError) {
        for name in resources.keys where !Self.reservedNames.contains(name) && ResourceID.predefinedNames.contains(name) {
            throw .predefinedResourceInCustom(name: name)
        }
        var all = resources
        all["CPU"] = cpus
        all["GPU"] = gpus
        all["memory"] = memory
        all["object_store_memory"] = objectStoreMemory
        try self.init(all)
    }

    /// The quantity of `name` (0 when absent).
    public subscript(name: String) -> FixedPoint { quantities[name] ?? .zero }

    /// Whether every quantity is zero.
    public var isEmpty: Bool { quantities.isEmpty }

    /// How many resources have a nonzero quantity.
    public var count: Int { quantities.count }

    /// The names, sorted as `ray status` sorts them (byte order: `CPU`, `GPU`, then the rest).
    public var names: [String] { quantities.keys.sorted(by: Self.byteOrder) }

    /// Python's dictionary form, as Ray prints a resource shape: `{'CPU': 1.0, 'GPU': 0.5}`.
    public var description: String {
        "{" + names.map { "'\($0)': \(self[$0].pythonDescription)" }.joined(separator: ", ") + "}"
    }

    static func byteOrder(_ a: String, _ b: String) -> Bool { Array(a.utf8).lexicographicallyPrecedes(b.utf8) }

    static func checkName(_ name: String) throws(ResourceError) {
        guard !name.isEmpty else { throw .emptyResourceName }
        guard !Self.reservedNames.contains(name) else { throw .reservedResourceName(name) }
    }

    /// Names only the scheduler itself books (``ResourceID/isHidden``).
    static let reservedNames: Set<String> = ["bundle", "exclusive_CPU"]

    /// Ray's rule for GPU-like resources: a fraction is only allowed below one instance.
    static func checkUnitRule(name: String, value: Double, amount: FixedPoint) throws(ResourceError) {
        if name == "GPU", amount > .one, !amount.isWhole {
            throw .fractionalUnitAboveOne(name: name, value: value)
        }
    }
}
