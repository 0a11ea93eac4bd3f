import CHwloc

/// hwloc's NUMA distance matrix (the first one it has, latency preferred), keyed by node object;
/// internal to topology discovery and only valid while its ``HwlocTopology`` lives.
struct NUMADistances {
    private var values: [UnsafeMutableRawPointer: [UnsafeMutableRawPointer: Int]] = [:]

    /// Nil when hwloc has no NUMA distance matrix for this topology.
    init?(_ hwloc: HwlocTopology) {
        var count: UInt32 = 1
        var matrix: UnsafeMutablePointer<hwloc_distances_s>? = nil
        guard hwloc_distances_get_by_type(hwloc.handle, HWLOC_OBJ_NUMANODE, &count, &matrix, 0, 0) == 0,
            count >= 1, let matrix
        else { return nil }
        defer { hwloc_distances_release(hwloc.handle, matrix) }
        let size = Int(matrix.pointee.nbobjs)
        for row in 0..<size {
            guard let from = matrix.pointee.objs[row] else { continue }
            var rowValues: [UnsafeMutableRawPointer: Int] = [:]
            for column in 0..<size {
                guard let to = matrix.pointee.objs[column] else { continue }
                rowValues[UnsafeMutableRawPointer(to)] = Int(matrix.pointee.values[row * size + column])
            }
            values[UnsafeMutableRawPointer(from)] = rowValues
        }
        if values.isEmpty { return nil }
    }

    /// The distance from one NUMA node to another, if the matrix covers both.
    func distance(_ from: hwloc_obj_t, _ to: hwloc_obj_t) -> Int? {
        values[UnsafeMutableRawPointer(from)]?[UnsafeMutableRawPointer(to)]
    }
}
