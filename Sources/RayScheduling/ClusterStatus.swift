/// The scheduler's part of `ray status`: the Resources section (per resource `used/total`, with
/// `(x used of y reserved in placement groups)`), the Demands section (queued resource shapes with
/// counts, pending placement groups), and a per-node breakdown. ``description`` renders it as
/// `ray status -v` does. A plain value; thread-safe.
public struct ClusterStatus: Sendable, Hashable, CustomStringConvertible {
    /// One usage line. As Ray counts it, `used` is what tasks use outside placement groups plus
    /// what the groups' tasks use; reserved but unused resources are not counted as used.
    /// A plain value; thread-safe.
    public struct ResourceUsage: Sendable, Hashable {
        /// The resource name.
        public let resource: String
        /// What is used (in the resource's unit: CPUs, GPUs, bytes).
        public let used: Double
        /// The total over the nodes.
        public let total: Double
        /// What tasks use inside placement groups.
        public let placementGroupUsed: Double
        /// What placement groups reserve (nil when none is reserved).
        public let placementGroupReserved: Double?

        /// The line as Ray prints it: `2.0/4.0 CPU (1.0 used of 2.0 reserved in placement groups)`.
        public var line: String {
            let isMemory = resource == "memory" || resource == "object_store_memory"
            func format(_ value: Double) -> String {
                isMemory ? ClusterStatus.formatMemory(value) : ClusterStatus.formatFloat(value)
            }
            var line = "\(format(used))/\(format(total)) \(resource)"
            if let reserved = placementGroupReserved {
                line += " (\(format(placementGroupUsed)) used of \(format(reserved)) reserved in placement groups)"
            }
            return line
        }
    }

    /// The usage of one node. A plain value; thread-safe.
    public struct NodeUsage: Sendable, Hashable {
        /// The node id.
        public let node: Int
        /// Its usage lines, by resource name.
        public let usage: [ResourceUsage]
    }

    /// Queued tasks and actors of one resource shape. A plain value; thread-safe.
    public struct TaskDemand: Sendable, Hashable {
        /// The shape (placement resources).
        public let shape: ResourceSet
        /// How many tasks and actors wait with this shape.
        public let count: Int
        /// Whether no node can ever fit it.
        public let isInfeasible: Bool
    }

    /// Pending placement groups of one shape. A plain value; thread-safe.
    public struct PlacementGroupDemand: Sendable, Hashable {
        /// Each distinct bundle with how many times it appears, in order of first appearance.
        public let bundles: [(bundle: ResourceSet, count: Int)]
        /// Their strategy.
        public let strategy: PlacementStrategy
        /// How many pending groups have this shape.
        public let count: Int
        /// Whether they can never be placed.
        public let isInfeasible: Bool

        public static func == (lhs: Self, rhs: Self) -> Bool {
            lhs.bundles.map(\.bundle) == rhs.bundles.map(\.bundle) && lhs.bundles.map(\.count) == rhs.bundles.map(\.count)
                && lhs.strategy == rhs.strategy && lhs.count == rhs.count && lhs.isInfeasible == rhs.isInfeasible
        }

        public func hash(into hasher: inout Hasher) {
            for (bundle, count) in bundles {
                hasher.combine(bundle)
                hasher.combine(count)
            }
            hasher.combine(strategy)
            hasher.combine(count)
            hasher.combine(isInfeasible)
        }
    }

    /// The whole process's usage, by resource name (byte order).
    public let usage: [ResourceUsage]
    /// Queued tasks and actors by shape (tasks waiting inside placement groups are not demands).
    public let taskDemands: [TaskDemand]
    /// Pending placement groups by shape.
    public let placementGroupDemands: [PlacementGroupDemand]
    /// Each node's usage.
    public let nodes: [NodeUsage]

    /// The Resources and Demands sections, then one block per node.
    public var description: String {
        var lines = ["Resources", String(repeating: "-", count: 63), "Usage:"]
        lines += usage.map { " \($0.line)" }
        lines += ["", "Demands:"]
        for demand in taskDemands {
            lines.append(" \(demand.shape): \(demand.count)+ pending tasks/actors"
                + (demand.isInfeasible ? " (infeasible)" : ""))
        }
        for demand in placementGroupDemands {
            let shapes = demand.bundles.map { "\($0.bundle) * \($0.count)" }.joined(separator: ", ")
            lines.append(" \(shapes) (\(demand.strategy)): \(demand.count)+ pending placement groups"
                + (demand.isInfeasible ? " (infeasible)" : ""))
        }
        if taskDemands.isEmpty, placementGroupDemands.isEmpty { lines.append(" (no resource demands)") }
        for node in nodes {
            lines += ["", "Node: \(node.node)", " Usage:"]
            lines += node.usage.map { "  \($0.line)" }
        }
        return lines.joined(separator: "\n")
    }

    /// Python's `str` of a float: `4.0`, `0.5`, `0.0001`.
    static func formatFloat(_ value: Double) -> String {
        let rounded = (value * Double(FixedPoint.scale)).rounded() / Double(FixedPoint.scale)
        return rounded == 0 ? "0.0" : "\(rounded)"
    }

    /// Ray's `format_memory`: two decimals of the largest binary unit not above the value, else
    /// whole bytes (`0B`).
    static func formatMemory(_ bytes: Double) -> String {
        for (suffix, unit) in [("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)]
        where bytes >= Double(unit) {
            let value = bytes / Double(unit)
            let hundredths = Int64((value * 100).rounded())
            let fraction = hundredths % 100
            return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)\(suffix)"
        }
        return "\(Int64(max(0, bytes)))B"
    }
}
