import CNuma

/// A block of memory placed on one NUMA node by libnuma, freed when the buffer is released.
///
/// The buffer object may be shared between threads (`Sendable`); the bytes it holds are raw
/// memory, and concurrent writes to the same bytes are the caller's to order.
public final class NUMABuffer: @unchecked Sendable {
    /// The memory. Pages are placed on ``numaNode`` when first touched.
    public let bytes: UnsafeMutableRawBufferPointer
    /// The OS index of the NUMA node the memory was requested on.
    public let numaNode: Int

    /// Allocates `count` bytes on the NUMA node with OS index `node`.
    public init(count: Int, numaNode node: Int) throws(TopologyError) {
        guard count > 0 else { throw .invalidAllocationSize(count) }
        guard numa_available() >= 0 else { throw .numaUnavailable }
        guard node >= 0, node <= Int(numa_max_node()) else {
            throw .allocationFailed(bytes: count, numaNode: node)
        }
        guard let base = numa_alloc_onnode(count, Int32(node)) else {
            throw .allocationFailed(bytes: count, numaNode: node)
        }
        bytes = UnsafeMutableRawBufferPointer(start: base, count: count)
        numaNode = node
    }

    deinit { numa_free(bytes.baseAddress, bytes.count) }

    /// The NUMA node (OS index) where the page holding `address` lives now, as the kernel says.
    /// The page must have been touched.
    public static func numaNode(ofPageAt address: UnsafeRawPointer) throws(TopologyError) -> Int {
        guard numa_available() >= 0 else { throw .numaUnavailable }
        var page: UnsafeMutableRawPointer? = UnsafeMutableRawPointer(mutating: address)
        var status: Int32 = -1
        guard numa_move_pages(0, 1, &page, nil, &status, 0) == 0, status >= 0 else {
            throw .pageNotResident(address: UInt(bitPattern: address))
        }
        return Int(status)
    }
}

extension Topology {
    /// Allocates `count` bytes in domain `id`'s memory: its primary NUMA node on the running
    /// machine; for a virtual topology, the real node local to the domain's first host PU.
    public func allocate(count: Int, onDomain id: Int) throws(TopologyError) -> NUMABuffer {
        let domain = try domain(id)
        let node: Int
        if isVirtual {
            guard let pu = domain.hostPUs.first else { throw .numaUnavailable }
            node = Int(numa_node_of_cpu(Int32(pu)))
        } else {
            guard let primary = domain.primaryNUMANode else { throw .numaUnavailable }
            node = primary
        }
        return try NUMABuffer(count: count, numaNode: node)
    }

    /// The domain whose memory holds the (touched) page at `address`, on the running machine.
    public func domainID(ofPageAt address: UnsafeRawPointer) throws(TopologyError) -> Int? {
        domainID(ofNUMANode: try NUMABuffer.numaNode(ofPageAt: address))
    }
}
