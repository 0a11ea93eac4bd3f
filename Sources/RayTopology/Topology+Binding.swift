import CHwloc
import CNuma
import Glibc
import Logging
import Synchronization

/// What a binding request did.
public enum BindingOutcome: Sendable, Hashable {
    /// The calling thread now runs only on these PUs (read back from the kernel).
    case bound(CPUSet)
    /// The memory policy of the calling thread now prefers this NUMA node.
    case preferredNode(Int)
    /// The topology is virtual (another machine's layout): nothing was bound.
    case skippedVirtualTopology
}

/// Binding the calling thread to PUs and reading its binding back, on the running machine.
///
/// Stateless; every function is thread-safe and acts on the calling thread only.
public enum ThreadBinding {
    /// Binds the calling thread to `cpus` (OS indexes) and returns the binding read back.
    public static func bindCurrentThread(to cpus: CPUSet) throws(TopologyError) -> CPUSet {
        try bind(.current, to: cpus)
    }

    /// Binds another thread of this process (`thread`, from ``ThreadHandle/current`` on that
    /// thread) to `cpus` and returns its binding read back.
    public static func bind(_ thread: ThreadHandle, to cpus: CPUSet) throws(TopologyError) -> CPUSet {
        let host = try HwlocTopology.loadedHost()
        try HwlocBitmap.withBitmap(cpus) { (bitmap) throws(TopologyError) in
            guard hwloc_set_thread_cpubind(host.handle, thread.raw, bitmap, 0) == 0 else {
                throw .bindingFailed(cpus: cpus, errno: errno)
            }
        }
        return try Self.cpus(of: thread)
    }

    /// The PUs thread `thread` of this process may run on, as the kernel reports them.
    public static func cpus(of thread: ThreadHandle) throws(TopologyError) -> CPUSet {
        let host = try HwlocTopology.loadedHost()
        return try HwlocBitmap.withBitmap([]) { (bitmap) throws(TopologyError) in
            guard hwloc_get_thread_cpubind(host.handle, thread.raw, bitmap, 0) == 0 else {
                throw .hwlocFailure(operation: "hwloc_get_thread_cpubind", errno: errno)
            }
            return CPUSet(HwlocBitmap.indexes(bitmap))
        }
    }

    /// The PUs the calling thread may run on, as the kernel reports them.
    public static func currentThreadCPUs() throws(TopologyError) -> CPUSet { try cpus(of: .current) }

    /// The PU the calling thread ran on most recently (it may have moved since, if unbound).
    public static func lastPU() throws(TopologyError) -> Int {
        let host = try HwlocTopology.loadedHost()
        return try HwlocBitmap.withBitmap([]) { (bitmap) throws(TopologyError) in
            guard hwloc_get_last_cpu_location(host.handle, bitmap, Int32(HWLOC_CPUBIND_THREAD.rawValue)) == 0,
                let pu = HwlocBitmap.indexes(bitmap).first
            else { throw .hwlocFailure(operation: "hwloc_get_last_cpu_location", errno: errno) }
            return pu
        }
    }
}

/// A thread of this process, for binding it from another thread. A plain value; thread-safe
/// (the thread it names may have ended: binding it then fails with a typed error).
public struct ThreadHandle: Sendable, Hashable {
    let raw: pthread_t

    /// The calling thread.
    public static var current: ThreadHandle { ThreadHandle(raw: pthread_self()) }
}

extension Topology {
    /// Binds thread `thread` to `cpus` (OS indexes of this topology's PUs); skipped when the
    /// topology is virtual.
    @discardableResult
    public func bind(_ thread: ThreadHandle, to cpus: CPUSet) throws(TopologyError) -> BindingOutcome {
        if let unknown = cpus.first(where: { !allPUs.contains(pu: $0) }) { throw .unknownPU(osIndex: unknown) }
        guard !isVirtual else { return Self.skipVirtualBinding(source) }
        return .bound(try ThreadBinding.bind(thread, to: cpus))
    }

    /// Binds the calling thread to `cpus`; skipped when the topology is virtual.
    @discardableResult
    public func bindCurrentThread(to cpus: CPUSet) throws(TopologyError) -> BindingOutcome {
        try bind(.current, to: cpus)
    }

    /// Binds the calling thread to the PUs of domain `id`; skipped (with one logged notice per
    /// process) when the topology is virtual.
    @discardableResult
    public func bindCurrentThread(toDomain id: Int) throws(TopologyError) -> BindingOutcome {
        let domain = try domain(id)
        guard !isVirtual else { return Self.skipVirtualBinding(source) }
        return .bound(try ThreadBinding.bindCurrentThread(to: domain.pus))
    }

    /// Binds the calling thread to one PU (an OS index of some domain).
    @discardableResult
    public func bindCurrentThread(toPU osIndex: Int) throws(TopologyError) -> BindingOutcome {
        try bind(.current, to: [osIndex])
    }

    /// Makes the calling thread's memory allocations prefer domain `id`'s primary NUMA node
    /// (libnuma's preferred policy: the kernel falls back to other nodes only when it is full).
    @discardableResult
    public func preferMemory(ofDomain id: Int) throws(TopologyError) -> BindingOutcome {
        let domain = try domain(id)
        guard !isVirtual else { return Self.skipVirtualBinding(source) }
        guard numa_available() >= 0 else { throw .numaUnavailable }
        guard let node = domain.primaryNUMANode else { throw .numaUnavailable }
        numa_set_preferred(Int32(node))
        return .preferredNode(node)
    }

    private static let virtualNoticeLogged = Atomic<Bool>(false)

    private static func skipVirtualBinding(_ source: TopologySource) -> BindingOutcome {
        if !virtualNoticeLogged.exchange(true, ordering: .relaxed) {
            Logger(label: "swiftray.topology").notice(
                "topology \(source) is virtual: its domains run on this machine's PUs round robin and threads are not bound")
        }
        return .skippedVirtualTopology
    }
}
