import Foundation

/// Where a ``Topology`` comes from: the running machine, an hwloc XML export, or an hwloc
/// synthetic description such as `"pack:2 numa:2 core:4 pu:2"`.
///
/// A plain value; thread-safe. ``fromEnvironment(_:)`` reads `SWIFTRAY_TOPOLOGY` so that any
/// program linking swift-ray can be run on another machine's layout without a code change.
public enum TopologySource: Sendable, Hashable, CustomStringConvertible {
    case machine
    case xml(path: String)
    case synthetic(String)

    /// The environment variable read by ``fromEnvironment(_:)``.
    public static let environmentVariable = "SWIFTRAY_TOPOLOGY"

    /// Parses `machine`, `xml:/path/to/file.xml` or `synthetic:DESC`.
    public init(parsing text: String) throws(TopologyError) {
        let trimmed = text.trimmingWhitespace
        if trimmed == "machine" {
            self = .machine
        } else if trimmed.hasPrefix("xml:"), trimmed.count > 4 {
            self = .xml(path: String(trimmed.dropFirst(4)))
        } else if trimmed.hasPrefix("synthetic:"), trimmed.count > 10 {
            self = .synthetic(String(trimmed.dropFirst(10)))
        } else {
            throw .unknownTopologySource(text)
        }
    }

    /// The source `SWIFTRAY_TOPOLOGY` names, or `.machine` when it is unset or empty.
    public static func fromEnvironment(
        _ environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(TopologyError) -> TopologySource {
        guard let value = environment[environmentVariable], !value.trimmingWhitespace.isEmpty else {
            return .machine
        }
        return try TopologySource(parsing: value)
    }

    /// Whether the topology is another machine's (so not bindable here).
    public var isVirtual: Bool { self != .machine }

    /// `machine`, `xml` or `synthetic`: the `source` field of `swiftray topology --json`.
    public var kind: String {
        switch self {
        case .machine: "machine"
        case .xml: "xml"
        case .synthetic: "synthetic"
        }
    }

    /// The form ``init(parsing:)`` reads back.
    public var description: String {
        switch self {
        case .machine: "machine"
        case .xml(let path): "xml:\(path)"
        case .synthetic(let text): "synthetic:\(text)"
        }
    }
}

extension String {
    var trimmingWhitespace: String {
        var slice = Substring(self)
        while let first = slice.first, first.isWhitespace { slice.removeFirst() }
        while let last = slice.last, last.isWhitespace { slice.removeLast() }
        return String(slice)
    }
}
