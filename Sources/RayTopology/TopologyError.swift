/// Everything that can go wrong while reading a machine's layout, binding a thread or placing
/// memory. Each case names the input it is about. A plain value; thread-safe.
public enum TopologyError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The hwloc library loaded at run time is of another API series than the one compiled against.
    case hwlocAPIMismatch(compiled: UInt32, runtime: UInt32)
    /// `SWIFTRAY_TOPOLOGY` (or a `--topology` option) holds something other than `machine`,
    /// `xml:PATH` or `synthetic:DESC`.
    case unknownTopologySource(String)
    case xmlFileNotFound(path: String)
    case xmlFileUnreadable(path: String)
    /// hwloc could not parse the file as a topology export.
    case malformedXML(path: String)
    /// hwloc rejected the synthetic description.
    case invalidSyntheticDescription(String)
    /// hwloc failed for another reason (`operation` names the call, `errno` its error).
    case hwlocFailure(operation: String, errno: Int32)
    /// A domain id outside 0..<domainCount.
    case unknownDomain(id: Int, domainCount: Int)
    /// A PU that the domain or process may not use.
    case unknownPU(osIndex: Int)
    /// Binding was refused by the operating system.
    case bindingFailed(cpus: CPUSet, errno: Int32)
    /// The kernel offers no NUMA memory policy (libnuma's `numa_available()` is -1).
    case numaUnavailable
    /// libnuma could not allocate this many bytes on this node.
    case allocationFailed(bytes: Int, numaNode: Int)
    /// The page at this address is not mapped (or the kernel would not say where it lives).
    case pageNotResident(address: UInt)
    /// A size of zero or less.
    case invalidAllocationSize(Int)

    public var description: String {
        switch self {
        case let .hwlocAPIMismatch(compiled, runtime):
            return "swift-ray was compiled for hwloc API 0x\(String(compiled, radix: 16)) but is "
                + "running on hwloc API 0x\(String(runtime, radix: 16)); rebuild against the "
                + "installed libhwloc"
        case let .unknownTopologySource(text):
            return "unknown topology source '\(text)': expected 'machine', 'xml:PATH' or "
                + "'synthetic:DESC' (in \(TopologySource.environmentVariable) or --topology)"
        case let .xmlFileNotFound(path):
            return "topology XML file '\(path)' does not exist"
        case let .xmlFileUnreadable(path):
            return "topology XML file '\(path)' cannot be read"
        case let .malformedXML(path):
            return "topology XML file '\(path)' is not a valid hwloc topology export"
        case let .invalidSyntheticDescription(text):
            return "invalid hwloc synthetic topology description '\(text)' "
                + "(expected something like 'pack:2 numa:2 core:4 pu:2')"
        case let .hwlocFailure(operation, code):
            return "hwloc call \(operation) failed (errno \(code))"
        case let .unknownDomain(id, count):
            return "unknown domain id \(id): this topology has domains 0..<\(count)"
        case let .unknownPU(osIndex):
            return "PU \(osIndex) is not one this process may use"
        case let .bindingFailed(cpus, code):
            return "binding the thread to PUs \(cpus) failed (errno \(code))"
        case .numaUnavailable:
            return "the kernel offers no NUMA memory policy here (numa_available() is -1)"
        case let .allocationFailed(bytes, node):
            return "could not allocate \(bytes) bytes on NUMA node \(node)"
        case let .pageNotResident(address):
            return "no resident page at address 0x\(String(address, radix: 16))"
        case let .invalidAllocationSize(size):
            return "invalid allocation size \(size): must be positive"
        }
    }
}
