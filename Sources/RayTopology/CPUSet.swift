/// A set of processing units (PUs, hardware threads), named by their operating-system indexes:
/// the numbers Linux uses in `taskset`, `/proc/cpuinfo` and `sched_setaffinity`.
///
/// A value type, stored as a sorted array without duplicates; thread-safe as any immutable value.
/// Membership is O(log n); building one from an unsorted sequence is O(n log n).
public struct CPUSet: Sendable, Hashable, Codable, RandomAccessCollection, ExpressibleByArrayLiteral {
    /// The OS indexes, ascending, without duplicates.
    public private(set) var indexes: [Int]

    public init<S: Sequence>(_ indexes: S) where S.Element == Int {
        self.indexes = Array(Set(indexes)).sorted()
    }

    public init(arrayLiteral elements: Int...) { self.init(elements) }

    public init(from decoder: any Decoder) throws {
        self.init(try [Int](from: decoder))
    }

    public func encode(to encoder: any Encoder) throws { try indexes.encode(to: encoder) }

    public var startIndex: Int { indexes.startIndex }
    public var endIndex: Int { indexes.endIndex }
    public subscript(position: Int) -> Int { indexes[position] }

    /// Whether the set holds this OS index. O(log n).
    public func contains(pu osIndex: Int) -> Bool {
        var low = 0
        var high = indexes.count
        while low < high {
            let mid = (low + high) / 2
            if indexes[mid] == osIndex { return true }
            if indexes[mid] < osIndex { low = mid + 1 } else { high = mid }
        }
        return false
    }

    public func union(_ other: CPUSet) -> CPUSet { CPUSet(indexes + other.indexes) }

    public func intersection(_ other: CPUSet) -> CPUSet {
        CPUSet(indexes.filter { other.contains(pu: $0) })
    }

    public func subtracting(_ other: CPUSet) -> CPUSet {
        CPUSet(indexes.filter { !other.contains(pu: $0) })
    }

    public func isSubset(of other: CPUSet) -> Bool { indexes.allSatisfy { other.contains(pu: $0) } }
}

extension CPUSet: CustomStringConvertible {
    /// The list form that `taskset -c` and `hwloc-calc --li` use: `0-3,8,10-11`.
    public var description: String {
        var parts: [String] = []
        var i = 0
        while i < indexes.count {
            var j = i
            while j + 1 < indexes.count, indexes[j + 1] == indexes[j] + 1 { j += 1 }
            parts.append(i == j ? "\(indexes[i])" : "\(indexes[i])-\(indexes[j])")
            i = j + 1
        }
        return parts.isEmpty ? "none" : parts.joined(separator: ",")
    }
}
