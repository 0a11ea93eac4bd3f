import CHwloc
import Foundation

/// Owns one loaded hwloc topology and is the only place where an hwloc pointer lives.
///
/// Internal: nothing outside this module sees a C pointer. After `init` the topology is never
/// modified, and hwloc allows concurrent read-only use (queries, binding) of a loaded topology,
/// so the class is `@unchecked Sendable`.
final class HwlocTopology: @unchecked Sendable {
    let handle: hwloc_topology_t

    /// Loads a topology from `source`, with every allowed PU and NUMA node and the I/O tree
    /// (PCI devices and their OS devices), and nothing this process may not use.
    init(_ source: TopologySource) throws(TopologyError) {
        try Self.checkAPIVersion()
        if case .xml(let path) = source {
            try Self.checkReadable(path)
        }
        var topology: hwloc_topology_t?
        guard hwloc_topology_init(&topology) == 0, let topology else {
            throw .hwlocFailure(operation: "hwloc_topology_init", errno: errno)
        }
        // hwloc keeps PCI devices only when asked; keep them all so that GPUs can be classified
        // here rather than by hwloc's notion of "important".
        hwloc_topology_set_io_types_filter(topology, HWLOC_TYPE_FILTER_KEEP_ALL)
        switch source {
        case .machine:
            break
        case .xml(let path):
            guard hwloc_topology_set_xml(topology, path) == 0 else {
                hwloc_topology_destroy(topology)
                throw .malformedXML(path: path)
            }
        case .synthetic(let text):
            guard hwloc_topology_set_synthetic(topology, text) == 0 else {
                hwloc_topology_destroy(topology)
                throw .invalidSyntheticDescription(text)
            }
        }
        guard hwloc_topology_load(topology) == 0 else {
            let code = errno
            hwloc_topology_destroy(topology)
            switch source {
            case .xml(let path): throw .malformedXML(path: path)
            case .synthetic(let text): throw .invalidSyntheticDescription(text)
            case .machine: throw .hwlocFailure(operation: "hwloc_topology_load", errno: code)
            }
        }
        handle = topology
    }

    deinit { hwloc_topology_destroy(handle) }

    /// The check hwloc's own tools make: the library's API series (upper 16 bits) must be the one
    /// the headers described at compile time.
    static func checkAPIVersion() throws(TopologyError) {
        let compiled = UInt32(swiftray_hwloc_compiled_api_version())
        let runtime = UInt32(hwloc_get_api_version())
        guard compiled >> 16 == runtime >> 16 else {
            throw .hwlocAPIMismatch(compiled: compiled, runtime: runtime)
        }
    }

    private static func checkReadable(_ path: String) throws(TopologyError) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .xmlFileNotFound(path: path)
        }
        guard !isDirectory.boolValue, FileManager.default.isReadableFile(atPath: path) else {
            throw .xmlFileUnreadable(path: path)
        }
    }

    // MARK: Walking the tree

    /// Every object of `type`, in hwloc's logical order.
    func objects(of type: hwloc_obj_type_t) -> [hwloc_obj_t] {
        var result: [hwloc_obj_t] = []
        var current: hwloc_obj_t? = nil
        while let next = hwloc_get_next_obj_by_type(handle, type, current) {
            result.append(next)
            current = next
        }
        return result
    }

    var root: hwloc_obj_t { hwloc_get_root_obj(handle) }

    /// The running machine's topology, loaded once per process on first use; binding and the
    /// mapping of virtual topologies onto real PUs go through it.
    static let host: Result<HwlocTopology, TopologyError> = Result { () throws(TopologyError) in
        try HwlocTopology(.machine)
    }

    static func loadedHost() throws(TopologyError) -> HwlocTopology {
        switch host {
        case .success(let topology): return topology
        case .failure(let error): throw error
        }
    }
}

/// Reading fields of an hwloc object; internal.
extension UnsafeMutablePointer where Pointee == hwloc_obj {
    var osIndex: Int { Int(pointee.os_index) }
    var cpus: [Int] { HwlocBitmap.indexes(pointee.cpuset) }
    var subtype: String? { pointee.subtype.map { String(cString: $0) } }
    var name: String? { pointee.name.map { String(cString: $0) } }

    func info(_ key: String) -> String? {
        hwloc_obj_get_info_by_name(self, key).map { String(cString: $0) }
    }

    /// Ancestors from the parent up to the root.
    var ancestors: [hwloc_obj_t] {
        var result: [hwloc_obj_t] = []
        var current = pointee.parent
        while let object = current {
            result.append(object)
            current = object.pointee.parent
        }
        return result
    }

    /// The first ancestor (or self) of this type.
    func ancestor(ofType type: hwloc_obj_type_t) -> hwloc_obj_t? {
        if pointee.type == type { return self }
        return ancestors.first { $0.pointee.type == type }
    }

    /// How many objects lie above the deepest ancestor this object shares with `other` (the
    /// larger, the closer the two are in the tree). Works for memory and I/O objects too.
    func sharedDepth(with other: hwloc_obj_t) -> Int {
        let mine = [self] + ancestors
        let theirs = Set(([other] + other.ancestors).map { UnsafeMutableRawPointer($0) })
        guard let index = mine.firstIndex(where: { theirs.contains(UnsafeMutableRawPointer($0)) })
        else { return 0 }
        return mine.count - index
    }
}

/// hwloc bitmaps to and from ``CPUSet``; internal.
enum HwlocBitmap {
    /// The OS indexes set in `bitmap` (an infinite bitmap yields nothing beyond its last set bit).
    static func indexes(_ bitmap: hwloc_const_bitmap_t?) -> [Int] {
        guard let bitmap else { return [] }
        var result: [Int] = []
        var index = hwloc_bitmap_first(bitmap)
        while index >= 0 {
            result.append(Int(index))
            index = hwloc_bitmap_next(bitmap, index)
        }
        return result
    }

    /// Calls `body` with a temporary bitmap holding `set`.
    static func withBitmap<R>(
        _ set: CPUSet, _ body: (hwloc_bitmap_t) throws(TopologyError) -> R
    ) throws(TopologyError) -> R {
        guard let bitmap = hwloc_bitmap_alloc() else {
            throw .hwlocFailure(operation: "hwloc_bitmap_alloc", errno: errno)
        }
        defer { hwloc_bitmap_free(bitmap) }
        for index in set { hwloc_bitmap_set(bitmap, UInt32(index)) }
        return try body(bitmap)
    }
}
