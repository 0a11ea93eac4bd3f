import Foundation
import RayTopology
import Synchronization

/// The in-memory object store of one runtime: immutable values put once and read by many,
/// reference counted by the ``ObjectRef``s that exist plus explicit references (pending tasks,
/// values that contain refs), freed exactly when the last reference goes. It charges each value
/// its size (``ObjectSizeEstimating``) against a capacity; a put that does not fit waits a
/// grace period for room, then throws ``ObjectStoreFull``. It records the domain (logical node)
/// that holds each value.
///
/// Hot paths: a get of a ready value reads the entry the ref points to (an acquiring load and a
/// retain of the value: the table is not touched); a put allocates the entry and the ref and
/// puts the entry in a free slot of the calling thread's shard of the ``ObjectTable``.
///
/// Thread-safe: every method may be called from any thread, workers included; a get from a
/// worker of `executor` runs other jobs while it waits instead of blocking the thread.
final class ObjectStore: @unchecked Sendable {
    /// How big the store is and how long a put waits for room. A plain value; thread-safe.
    struct Configuration: Sendable {
        /// Capacity in bytes; nil: 30% of the topology's memory (of the machine's when the
        /// topology reports none).
        var capacityBytes: Int?
        /// How long a put that does not fit waits for frees before it throws, in seconds.
        var fullGracePeriod: Double = 1.0

        init(capacityBytes: Int? = nil, fullGracePeriod: Double = 1.0) {
            self.capacityBytes = capacityBytes
            self.fullGracePeriod = fullGracePeriod
        }
    }

    /// Bytes the store may hold.
    let capacityBytes: Int
    /// Seconds a put waits for room before it throws ``ObjectStoreFull``.
    let fullGracePeriod: Double
    let topology: Topology
    /// The executor whose workers help instead of blocking while they wait.
    let executor: WorkStealingExecutor?
    /// This store's serial number (the high bits of its object ids).
    let serial: UInt32

    let table = ObjectTable()
    private let used = Atomic<Int>(0)
    private let closed = Atomic<Bool>(false)
    private let spaceWaiterCount = Atomic<Int>(0)
    private let spaceWaiters = Locked<[ReadinessWaiter]>([])
    private static let serials = Atomic<UInt32>(1)

    init(
        topology: Topology, executor: WorkStealingExecutor? = nil, configuration: Configuration = Configuration()
    ) throws(ObjectStoreError) {
        let memory = topology.domains.reduce(UInt64(0)) { $0 &+ $1.memoryBytes }
        let total = memory > 0 ? memory : ProcessInfo.processInfo.physicalMemory
        let capacity = configuration.capacityBytes ?? Int(clamping: total / 10 * 3)
        guard capacity >= 1 else { throw .invalidCapacity(capacity) }
        let grace = configuration.fullGracePeriod
        guard !grace.isNaN, grace >= 0 else { throw .invalidGracePeriod(grace) }
        capacityBytes = capacity
        fullGracePeriod = grace
        self.topology = topology
        self.executor = executor
        serial = Self.serials.add(1, ordering: .relaxed).oldValue
    }

    /// A store for `executor`'s topology whose workers help while they wait.
    convenience init(executor: WorkStealingExecutor, configuration: Configuration = Configuration()) throws(ObjectStoreError) {
        try self.init(topology: executor.topology, executor: executor, configuration: configuration)
    }

    // MARK: Accessors (tests, statistics, the scheduler)

    /// Live objects (pending, ready or failed) in the table.
    var count: Int { table.count }
    /// Bytes charged for live values.
    var usedBytes: Int { used.load(ordering: .sequentiallyConsistent) }
    /// Whether `shutdown()` ran.
    var isShutDown: Bool { closed.load(ordering: .acquiring) }

    /// The domain that holds object `id`, or nil when it is not live.
    func domain(of id: ObjectID) -> Int? {
        table.withEntry(id) { $0?.domain }
    }

    /// The reference count of object `id` (0 when freed).
    func referenceCount(of id: ObjectID) -> Int {
        table.withEntry(id) { $0?.references.load(ordering: .acquiring) } ?? 0
    }

    // MARK: Put

    /// Stores `value` and returns a ready ref at once. The value is charged its size; when it
    /// does not fit the put waits `fullGracePeriod` for room, then throws ``ObjectStoreFull``.
    /// `domain`: the domain holding the value; nil: the calling worker's domain (0 off workers).
    func put<Value: Sendable>(_ value: Value, onDomain domain: Int? = nil) throws -> ObjectRef<Value> {
        try checkOpen()
        let size = try objectSize(of: value)
        let home = try resolveDomain(domain)
        try reserve(size)
        let entry: ObjectEntry
        do {
            entry = try table.insert(store: serial) { id in
                TypedObjectEntry(id: id, store: self, value: value, size: size, references: 1, domain: home)
            }
        } catch {
            unreserve(size)
            throw error
        }
        return ObjectRef(adopting: unsafeDowncast(entry, to: TypedObjectEntry<Value>.self))
    }

    // MARK: Producer side (tasks)

    /// A pending object a producer promises to fulfil or fail, with its first ref.
    func makePending<Value: Sendable>(of type: Value.Type = Value.self, onDomain domain: Int? = nil) throws -> ObjectRef<Value> {
        try checkOpen()
        let home = try resolveDomain(domain)
        let entry = try table.insert(store: serial) { id in
            TypedObjectEntry<Value>(id: id, store: self, value: nil, size: 0, references: 1, domain: home)
        }
        return ObjectRef(adopting: unsafeDowncast(entry, to: TypedObjectEntry<Value>.self))
    }

    /// Makes the pending object ready with `value` and wakes its waiters. Waits for room like a
    /// put; when none comes, fails the object with ``ObjectStoreFull`` and throws it.
    /// `domain`: as for `put` (the producer's domain by default).
    func fulfil<Value: Sendable>(_ ref: ObjectRef<Value>, with value: Value, onDomain domain: Int? = nil) throws {
        try checkOwned(ref.entry)
        let entry = ref.entry
        if entry.isComplete { throw ObjectStoreError.alreadyCompleted(entry.id) }
        let size = try objectSize(of: value)
        let home = try resolveDomain(domain)
        do {
            try reserve(size)
        } catch {
            try? fail(ref, with: error)
            throw error
        }
        let outcome: (waiters: [ReadinessWaiter], accepted: Bool) = table.withShard(of: entry.id) { _ in
            guard entry.state.load(ordering: .relaxed) == .pending, !entry.freed else { return ([], false) }
            entry.value = value
            entry.size = size
            entry.domain = home
            entry.state.store(.ready, ordering: .releasing)
            entry.producer = nil
            let waiters = entry.waiters
            entry.waiters = []
            return (waiters, true)
        }
        guard outcome.accepted else {
            unreserve(size)
            throw ObjectStoreError.alreadyCompleted(entry.id)
        }
        for waiter in outcome.waiters { waiter.objectCompleted() }
    }

    /// Makes the pending object failed: every get of it throws `error`. Wakes its waiters.
    func fail<Value: Sendable>(_ ref: ObjectRef<Value>, with error: any Error) throws {
        try checkOwned(ref.entry)
        if !complete(ref.entry, failing: error) { throw ObjectStoreError.alreadyCompleted(ref.id) }
    }

    /// Fails `entry` if it is pending; whether it was.
    func complete(_ entry: ObjectEntry, failing error: any Error) -> Bool {
        let waiters: [ReadinessWaiter]? = table.withShard(of: entry.id) { _ in
            guard entry.state.load(ordering: .relaxed) == .pending else { return nil }
            entry.error = error
            entry.state.store(.failed, ordering: .releasing)
            entry.producer = nil
            let waiters = entry.waiters
            entry.waiters = []
            return waiters
        }
        guard let waiters else { return false }
        for waiter in waiters { waiter.objectCompleted() }
        return true
    }

    // MARK: References

    /// Adds a reference to object `id` (a pending task's argument, a value containing the ref).
    /// Throws `unknownObject` when the object is already freed.
    func addReference(_ id: ObjectID) throws(ObjectStoreError) {
        let added = table.withEntry(id) { entry -> Bool in
            guard let entry else { return false }
            var count = entry.references.load(ordering: .relaxed)
            while count > 0 {
                let (exchanged, original) = entry.references.compareExchange(
                    expected: count, desired: count + 1, ordering: .acquiringAndReleasing)
                if exchanged { return true }
                count = original
            }
            return false
        }
        if !added { throw .unknownObject(id) }
    }

    /// Drops a reference added by `addReference`; the last one frees the value.
    func removeReference(_ id: ObjectID) throws(ObjectStoreError) {
        guard let entry = table.withEntry(id, { $0 }) else { throw .unknownObject(id) }
        release(entry)
    }

    /// Adds a reference to an entry the caller holds (a ref is alive, so the count is > 0).
    @inline(__always)
    func retain(_ entry: ObjectEntry) {
        entry.references.add(1, ordering: .relaxed)
    }

    /// Drops one reference; the last one frees the value and its bytes.
    @inline(__always)
    func release(_ entry: ObjectEntry) {
        if entry.references.subtract(1, ordering: .acquiringAndReleasing).newValue == 0 { free(entry) }
    }

    private func free(_ entry: ObjectEntry) {
        var size = 0
        var value: Any? = nil
        table.remove(entry) {
            entry.freed = true
            size = entry.size
            entry.size = 0
            value = entry.takeValue()
        }
        value = nil  // the payload goes here, outside the lock
        _ = value
        if size > 0 { unreserve(size) }
    }

    // MARK: Capacity

    @inline(__always)
    private func tryReserve(_ size: Int) -> Bool {
        var current = used.load(ordering: .sequentiallyConsistent)
        while current &+ size <= capacityBytes {
            let (exchanged, original) = used.compareExchange(
                expected: current, desired: current &+ size, ordering: .sequentiallyConsistent)
            if exchanged { return true }
            current = original
        }
        return false
    }

    private func reserve(_ size: Int) throws {
        if size > capacityBytes { throw ObjectStoreError.objectLargerThanStore(size: size, capacity: capacityBytes) }
        if tryReserve(size) { return }
        let deadline = MonotonicClock.nanoseconds &+ Int(fullGracePeriod * 1e9)
        while true {
            let waiter = ReadinessWaiter.forCurrentThread(needed: 1, executor: executor)
            spaceWaiters.withLock { $0.append(waiter) }
            spaceWaiterCount.add(1, ordering: .sequentiallyConsistent)
            defer {
                spaceWaiterCount.subtract(1, ordering: .sequentiallyConsistent)
                spaceWaiters.withLock { list in list.removeAll { $0 === waiter } }
            }
            if tryReserve(size) { return }
            if MonotonicClock.nanoseconds >= deadline { break }
            try checkOpen()
            waiter.block(until: deadline, executor: executor)
            waiter.fire()
            if tryReserve(size) { return }
            try checkOpen()
            if MonotonicClock.nanoseconds >= deadline { break }
        }
        throw ObjectStoreFull(
            requestedBytes: size, usedBytes: usedBytes, capacityBytes: capacityBytes, gracePeriod: fullGracePeriod)
    }

    private func unreserve(_ size: Int) {
        used.subtract(size, ordering: .sequentiallyConsistent)
        if spaceWaiterCount.load(ordering: .sequentiallyConsistent) > 0 {
            let waiters = spaceWaiters.withLock { $0 }
            for waiter in waiters { waiter.fire() }
        }
    }

    // MARK: Shutdown

    /// Refuses further puts and gets; fails every pending object with `shutDown`, which wakes
    /// its waiters. Values stay until their refs go. Idempotent.
    func shutdown() {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        for entry in table.allEntries where !entry.isComplete {
            _ = complete(entry, failing: ObjectStoreError.shutDown)
        }
        let waiters = spaceWaiters.withLock { $0 }
        for waiter in waiters { waiter.fire() }
    }

    // MARK: Helpers

    @inline(__always)
    func checkOpen() throws(ObjectStoreError) {
        if closed.load(ordering: .acquiring) { throw .shutDown }
    }

    /// Throws unless `entry` belongs to this store and the store is open.
    @inline(__always)
    func checkOwned(_ entry: ObjectEntry) throws(ObjectStoreError) {
        if entry.store !== self { throw .foreignObjectRef(id: entry.id, store: serial) }
        try checkOpen()
    }

    @inline(__always)
    private func resolveDomain(_ domain: Int?) throws(ObjectStoreError) -> Int {
        if let domain {
            guard topology.domains.indices.contains(domain) else {
                throw .unknownDomain(id: domain, domainCount: topology.domains.count)
            }
            return domain
        }
        if let executor, let current = executor.currentDomain { return current }
        return 0
    }

    // MARK: Waiter registration

    /// Registers `waiter` with `entry` if it is pending; false when it completed already.
    func register(_ waiter: ReadinessWaiter, with entry: ObjectEntry) -> Bool {
        table.withShard(of: entry.id) { _ in
            guard entry.state.load(ordering: .relaxed) == .pending else { return false }
            entry.waiters.append(waiter)
            return true
        }
    }

    /// Takes `waiter` off `entry` (it timed out or was cancelled).
    func unregister(_ waiter: ReadinessWaiter, from entry: ObjectEntry) {
        table.withShard(of: entry.id) { _ in entry.waiters.removeAll { $0 === waiter } }
    }
}
