import Foundation
import RayTopology
import Synchronization

/// The in-memory object store of one runtime: immutable values put once and read by many,
/// reference counted by Swift's own count of the ``ObjectRef`` instance, one per object (the
/// program's refs, pending tasks, values that contain refs: see ``AnyObjectRef``), freed exactly
/// when the last reference goes. It charges each value
/// its size (``ObjectSizeEstimating``) against a capacity; a put that does not fit waits a
/// grace period for room, then throws ``ObjectStoreFull``. It records the domain (logical node)
/// that holds each value.
///
/// Hot paths: a get of a ready value reads the ref itself, which is the object's entry (an
/// acquiring load and a retain of the value: the table is not touched); a put looks its type up
/// in the ``ObjectTypeFactsCache`` (dynamic casts once per type), allocates the ref and puts it,
/// unretained, in a free slot of the calling thread's shard of the ``ObjectTable``, paying its
/// bytes from that shard's credit under the same lock (see ``ObjectTable``); the last reference
/// going takes it out again under that lock.
///
/// Specialization: put, get, a task's submission and its delivery are `@inlinable` down to the
/// typed entry, so they are compiled in the caller's module for its concrete `Value` (the
/// internals they touch are `@usableFromInline`). Run unspecialized across the module boundary,
/// a generic put spent about a third of its time looking up the metadata of
/// `ObjectRef<Value>` and `Value?` at run time. (The package is not
/// built for library evolution, so exposing these bodies promises no stable ABI.)
///
/// Large values (``Configuration/largeObjectThreshold``) of contiguous types (arrays of trivial
/// elements, `Data`) record the domain whose memory holds their first page, as the kernel says,
/// rather than the caller's.
///
/// Thread-safe: every method may be called from any thread, workers included; a get from a
/// worker of `executor` runs other jobs while it waits instead of blocking the thread.
@usableFromInline
final class ObjectStore: @unchecked Sendable {
    /// How big the store is, how long a put waits for room and from what size a value records
    /// the domain that holds its bytes. A plain value; thread-safe.
    struct Configuration: Sendable {
        /// Capacity in bytes; nil: 30% of the topology's memory (of the machine's when the
        /// topology reports none).
        var capacityBytes: Int?
        /// How long a put that does not fit waits for frees before it throws, in seconds.
        var fullGracePeriod: Double = 1.0
        /// Values of at least this many bytes (their charged size) that are contiguous arrays of
        /// trivial elements or `Data` and are put without an explicit domain record the domain
        /// whose memory holds their first page instead of the caller's. `Int.max`: never.
        var largeObjectThreshold: Int = 1 << 20
        /// Which domain's memory holds the page at an address; nil: ask the kernel through the
        /// topology (`Topology.domainID(ofPageAt:)`; virtual topologies answer nil). For tests.
        var pageDomain: (@Sendable (UnsafeRawPointer) -> Int?)?

        init(capacityBytes: Int? = nil, fullGracePeriod: Double = 1.0, largeObjectThreshold: Int = 1 << 20) {
            self.capacityBytes = capacityBytes
            self.fullGracePeriod = fullGracePeriod
            self.largeObjectThreshold = largeObjectThreshold
        }
    }

    /// Keeps the object's header (whose reference count every ref's creation and free writes,
    /// on the thread that owns the ref) off the cache lines of the fields below, which workers
    /// read when they complete objects. Sharing a line, each retain took it from the worker's
    /// cache (7.7% of a task submitter's samples).
    private let headerPadding = CacheLinePadding()
    /// Bytes the store may hold.
    let capacityBytes: Int
    /// Seconds a put waits for room before it throws ``ObjectStoreFull``.
    let fullGracePeriod: Double
    /// Values of at least this many bytes may record the domain that holds their bytes.
    @usableFromInline let largeObjectThreshold: Int
    /// Bytes a shard's credit is refilled with beyond the put that needs it (0 for small
    /// capacities: every byte then goes through `used`).
    @usableFromInline let creditBatch: Int
    private let pageDomain: (@Sendable (UnsafeRawPointer) -> Int?)?
    let topology: Topology
    /// The executor whose workers help instead of blocking while they wait.
    let executor: WorkStealingExecutor?
    /// How long a get on a thread that is not a worker spins before it parks (ParkSpin.swift).
    let parkSpin = ParkSpin()
    /// This store's serial number (the high bits of its object ids).
    @usableFromInline let serial: UInt32

    @usableFromInline let table = ObjectTable()
    /// The runtime's task numbers (``TaskID``): the calls this store makes take theirs through
    /// their table shard's block (``ObjectTable/insertCall(owner:numberedFrom:_:)``), anything
    /// else one at a time (``nextTaskID()``).
    @usableFromInline let taskNumbers = CountLine(1)
    @usableFromInline let typeFacts = ObjectTypeFactsCache()
    /// Bytes taken from the capacity: charged to live objects, or held as shard credit.
    let used = Atomic<Int>(0)
    @usableFromInline let closed = Atomic<Bool>(false)
    let spaceWaiterCount = Atomic<Int>(0)
    let spaceWaiters = Locked<[ReadinessWaiter]>([])
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
        largeObjectThreshold = configuration.largeObjectThreshold
        creditBatch = min(1 << 20, capacity >> 10)
        pageDomain = configuration.pageDomain
        self.topology = topology
        self.executor = executor
        serial = Self.serials.wrappingAdd(1, ordering: .relaxed).oldValue
    }

    /// A store for `executor`'s topology whose workers help while they wait.
    convenience init(executor: WorkStealingExecutor, configuration: Configuration = Configuration()) throws(ObjectStoreError) {
        try self.init(topology: executor.topology, executor: executor, configuration: configuration)
    }

    // MARK: Accessors (tests, statistics, the scheduler)

    /// Live objects (pending, ready or failed) in the table.
    var count: Int { table.count }
    /// Bytes charged for live values (exact once puts and frees have returned; shard credit is
    /// not counted).
    var usedBytes: Int { table.chargedBytes }
    /// Whether `shutdown()` ran.
    var isShutDown: Bool { closed.load(ordering: .acquiring) }

    /// The domain that holds object `id`, or nil when it is not live.
    func domain(of id: ObjectID) -> Int? {
        liveObject(id)?.domain
    }

    /// The object `id` names while it is alive (the caller then holds a reference), or nil when
    /// it is freed, being freed, or never was.
    func liveObject(_ id: ObjectID) -> AnyObjectRef? {
        table.retainedEntry(id)?.entry
    }

    /// The strong references to object `id` (refs held anywhere, the runtime's included; 0 when
    /// freed).
    func referenceCount(of id: ObjectID) -> Int {
        table.retainedEntry(id)?.references ?? 0
    }

    // MARK: Put

    /// Stores `value` and returns a ready ref at once. The value is charged its size; when it
    /// does not fit the put waits `fullGracePeriod` for room, then throws ``ObjectStoreFull``.
    /// `domain`: the domain holding the value; nil: the calling worker's domain (0 off workers),
    /// or for a large contiguous value the domain whose memory holds its first page.
    ///
    /// Inlinable, like the rest of the put path down to the entry's initializer: specialized in
    /// the caller's module for its `Value`, a put looks no generic metadata up at run time.
    @inlinable
    func put<Value: Sendable>(_ value: Value, onDomain domain: Int? = nil) throws -> ObjectRef<Value> {
        try checkOpen()
        let facts = typeFacts.facts(of: Value.self)
        let size = try facts.size(of: value)
        let home = try resolveDomain(domain, of: value, size: size, facts: facts)
        var prepaid = 0
        while true {
            let ref = try table.insert(owner: self, size: size, prepaid: prepaid) { id in
                ObjectRef(id: id, store: self, value: value, size: size, domain: home)
            }
            if let ref { return unsafeDowncast(ref, to: ObjectRef<Value>.self) }
            prepaid = try reserve(size)  // the shard's credit was short; the next insert succeeds
        }
    }

    // MARK: Producer side (tasks)

    /// A pending object a producer promises to fulfil or fail, with its first ref.
    @inlinable
    func makePending<Value: Sendable>(of type: Value.Type = Value.self, onDomain domain: Int? = nil) throws -> ObjectRef<Value> {
        try checkOpen()
        let home = try resolveDomain(domain)
        let ref = try table.insert(owner: self) { id in
            ObjectRef<Value>(id: id, store: self, value: nil, size: 0, domain: home)
        }
        return unsafeDowncast(ref, to: ObjectRef<Value>.self)
    }

    /// A call's return object, pending, which is also its record: `make` builds it for the
    /// object's id, the call's task id and its domain, in this store (TaskRecord.swift, "One
    /// object a call"). The store is handed to `make` rather than read by it from the runtime:
    /// a closure that loaded `core.runtime.store` retained and released the store around the
    /// record's init, and the store's count is a line every caller of every actor writes.
    @inlinable
    func makeCall<Call: AnyObjectRef>(_ make: (ObjectID, TaskID, Int, ObjectStore) -> Call) throws -> Call {
        try checkOpen()
        let home = try resolveDomain(nil)
        let entry = try table.insertCall(owner: self, numberedFrom: taskNumbers) { id, number in
            make(id, TaskID(number), home, self)
        }
        return unsafeDowncast(entry, to: Call.self)
    }

    /// A task id for a call this store does not make (an actor's creation, a call with several
    /// return objects, a generator): unique within the runtime, as the calls' are.
    func nextTaskID() -> TaskID { TaskID(UInt64(truncatingIfNeeded: taskNumbers.next())) }

    /// Makes the pending object ready with `value` and wakes its waiters. Waits for room like a
    /// put; when none comes, fails the object with ``ObjectStoreFull`` and throws it.
    /// `domain`: as for `put` (the producer's domain by default).
    func fulfil<Value: Sendable>(_ ref: ObjectRef<Value>, with value: Value, onDomain domain: Int? = nil) throws {
        try checkOwned(ref)
        try fulfil(entry: ref, with: value, onDomain: domain)
    }

    /// `fulfil` for the runtime's producers (the ref is known to be this store's).
    @inlinable
    func fulfil<Value: Sendable>(entry: ObjectRef<Value>, with value: Value, onDomain domain: Int? = nil) throws {
        try checkOpen()
        if entry.isComplete { throw ObjectStoreError.alreadyCompleted(entry.id) }
        let facts = typeFacts.facts(of: Value.self)
        let size = try facts.size(of: value)
        let home = try resolveDomain(domain, of: value, size: size, facts: facts)
        // The bytes are charged to the calling thread's home shard, not the entry's (whose lock
        // the caller that made the entry takes to insert and free it): the sums stay exact, and
        // a worker completing a caller's objects never takes the caller's lock.
        var prepaid = 0
        while !table.payAtHome(size, prepaid: prepaid) {
            do {
                prepaid = try reserve(size)  // the next try pays with these bytes
            } catch {
                _ = complete(entry, failing: error)
                throw error
            }
        }
        let waiters = entry.completeIfPending(as: .ready) {
            entry.storeValue(value)
            entry.size = size
            entry.domain = home
        }
        guard let waiters else {
            returnBytes(table.refundAtHome(size, keep: creditBatch))
            throw ObjectStoreError.alreadyCompleted(entry.id)
        }
        waiters.notifyAll()
    }

    /// Makes the pending object failed: every get of it throws `error`. Wakes its waiters.
    func fail<Value: Sendable>(_ ref: ObjectRef<Value>, with error: any Error) throws {
        try checkOwned(ref)
        if !complete(ref, failing: error) { throw ObjectStoreError.alreadyCompleted(ref.id) }
    }

    /// Fails `entry` if it is pending; whether it was.
    @usableFromInline
    func complete(_ entry: AnyObjectRef, failing error: any Error) -> Bool {
        let waiters = entry.completeIfPending(as: .failed) { entry.error = error }
        guard let waiters else { return false }
        waiters.notifyAll()
        return true
    }

    // MARK: References

    /// Takes an object whose last reference went (its deinit) out of the table and gives its
    /// bytes back. The store itself may go in this call: when the entry was its shard's last,
    /// the shard's reference to the store is released, as the last thing done (see
    /// ``ObjectTable``).
    func free(_ entry: AnyObjectRef) {
        guard let removed = table.remove(entry, keep: creditBatch) else { return }
        returnBytes(removed.excess)
        if removed.shardEmptied { Unmanaged.passUnretained(self).release() }
    }

    // MARK: Shutdown

    /// Refuses further puts and gets; fails every pending object with `shutDown`, which wakes
    /// its waiters. Values stay until their refs go. Idempotent.
    func shutdown() {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        for (entry, _) in table.retainedEntries where !entry.isComplete {
            _ = complete(entry, failing: ObjectStoreError.shutDown)
        }
        let waiters = spaceWaiters.withLock { $0 }
        for waiter in waiters { waiter.fire() }
    }

    // MARK: Helpers

    @inlinable @inline(__always)
    func checkOpen() throws(ObjectStoreError) {
        if closed.load(ordering: .acquiring) { throw .shutDown }
    }

    /// Throws unless `entry` belongs to this store and the store is open.
    @inlinable @inline(__always)
    func checkOwned(_ entry: AnyObjectRef) throws(ObjectStoreError) {
        if entry.store !== self { throw .foreignObjectRef(id: entry.id, store: serial) }
        try checkOpen()
    }

    /// The domain a value of `size` bytes put with `domain` is recorded on: `domain` itself
    /// (checked), else for a large contiguous value the one whose memory holds its first page,
    /// else the calling worker's (0 off workers).
    @inlinable @inline(__always)
    func resolveDomain<Value>(
        _ domain: Int?, of value: Value, size: Int, facts: ObjectTypeFacts
    ) throws(ObjectStoreError) -> Int {
        if domain == nil, size >= largeObjectThreshold, let located = domainHolding(value, facts: facts) {
            return located
        }
        return try resolveDomain(domain)
    }

    @usableFromInline @inline(__always)
    func resolveDomain(_ domain: Int?) throws(ObjectStoreError) -> Int {
        if let domain {
            guard topology.domains.indices.contains(domain) else {
                throw .unknownDomain(id: domain, domainCount: topology.domains.count)
            }
            return domain
        }
        if topology.domains.count == 1 { return 0 }
        if let executor, let current = executor.currentDomain { return current }
        return 0
    }

    /// The domain whose memory holds the first page of `value`'s bytes, when its type is
    /// contiguous and the kernel (or the configured `pageDomain`) knows; nil otherwise.
    @usableFromInline @inline(never)
    func domainHolding<Value>(_ value: Value, facts: ObjectTypeFacts) -> Int? {
        let located: Int? = facts.withBaseAddress(of: value) { base in
            guard let base else { return nil }
            if let pageDomain { return pageDomain(base) }
            if topology.isVirtual { return nil }  // its domains are not the machine's nodes
            return (try? topology.domainID(ofPageAt: base)) ?? nil
        }
        guard let located, topology.domains.indices.contains(located) else { return nil }
        return located
    }

    // MARK: Waiter registration

    /// Registers `waiter` with `entry` if it is pending; false when it completed already.
    func register(_ waiter: ReadinessWaiter, with entry: AnyObjectRef) -> Bool {
        entry.withGate {
            guard entry.state.load(ordering: .relaxed) == .pending else { return false }
            entry.waiters.append(waiter)
            return true
        }
    }

    /// Takes `waiter` off `entry` (it timed out or was cancelled).
    func unregister(_ waiter: ReadinessWaiter, from entry: AnyObjectRef) {
        entry.withGate { entry.waiters.remove(waiter) }
    }
}
