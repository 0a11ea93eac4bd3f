internal import CSwiftRuntime
import Glibc

/// The live entries of one ``ObjectStore``: 64 shards, each a slot array with a free list, a
/// counter, its bytes and a byte credit under its own lock. A thread inserts into the shard its
/// thread id picks, so threads that put at once rarely share a lock, and a freed slot is reused
/// first (its cache lines are warm): no hashing and no global lock on the put path. Lookups by
/// id go straight to the slot the id names. An entry's waiters and completion are guarded by
/// the entry's own gate, not the shard's lock (see ``AnyObjectRef``).
///
/// Capacity: each shard keeps a *credit*, bytes already taken from the store's capacity but not
/// charged to any object, so that most puts and frees settle their bytes under the shard lock
/// they take anyway instead of on one atomic that every thread shares. The store refills a
/// shard's credit in batches, gets back what a shard holds over twice a batch, and takes all
/// credit back before it reports the store full (``reclaimCredit()``), so capacity stays exact.
/// An object's bytes need not be charged and credited back in the same shard (a completed
/// task's value is paid for in the producer's home shard, freed in the entry's): one shard's
/// `charged` may then run negative, and only the sum over shards means anything.
///
/// The shards lie in one block, a cache-line pair each (no false sharing): a ``SpinGate`` (held
/// for a few dozen instructions; a pthread mutex cost a quarter of a put) and the state, reached
/// through pointers (no exclusivity checks).
///
/// The owner: a shard that holds live entries holds one reference to the store (taken as its
/// first entry goes in, released by ``ObjectStore/free(_:)`` after its last went out), so the
/// entries themselves hold their store unretained (``AnyObjectRef/store``) and making or
/// freeing a ref writes no count on the store's header, a line every thread shares: about one
/// retain and one release per batch of refs instead of one each per ref (they were 7% of the
/// caller's samples in `1:1 actor calls async`).
///
/// Thread-safe.
@usableFromInline
final class ObjectTable: @unchecked Sendable {
    /// One shard's slots, bytes and credit. Guarded by the shard's lock. Not thread-safe by itself.
    ///
    /// A slot is one word: a live entry's address (unretained: see ``retainedEntry(at:)``), or
    /// (low bit set) a free slot holding the next free one's index, so the free list costs no
    /// memory and no reference counting.
    struct Shard {
        private(set) var slots: UnsafeMutablePointer<UInt>? = nil
        private(set) var slotCount: UInt32 = 0
        private var slotCapacity: UInt32 = 0
        private var freeHead = UInt32.max
        /// Live entries.
        var live: UInt32 = 0
        var sequence: UInt64 = 0
        /// Bytes charged to this shard's live objects.
        var charged = 0
        /// Bytes taken from the store's capacity and not charged to any object yet.
        var credit = 0
        /// Task numbers taken from the store's count and not handed out yet: `nextTaskNumber`
        /// up to `taskNumbersEnd` (see ``takeTaskNumber(from:)``).
        private var nextTaskNumber: UInt64 = 0
        private var taskNumbersEnd: UInt64 = 0

        /// How many task numbers a shard takes from the store's count at a time.
        static let taskNumberBlock = 256

        /// A task number no other call of the store has: the next of this shard's block, taking
        /// a new block from `count` when it is used up. Callers on different threads (so
        /// shards) that each took one number per call from the one shared count moved its
        /// line between their cores at every call (in `n:n actor calls async`, 2.4% of both
        /// workers' samples; without it the line ran 1.06x as fast); a block per shard, taken
        /// under the lock the call's insert holds anyway, writes that line once per 256 calls.
        /// Numbers are unique, and increase with each thread's calls; across threads they say
        /// nothing about order.
        @inline(__always)
        mutating func takeTaskNumber(from count: CountLine) -> UInt64 {
            if nextTaskNumber == taskNumbersEnd {
                nextTaskNumber = UInt64(truncatingIfNeeded: count.take(Self.taskNumberBlock))
                taskNumbersEnd = nextTaskNumber &+ UInt64(Self.taskNumberBlock)
            }
            defer { nextTaskNumber &+= 1 }
            return nextTaskNumber
        }

        /// The live entry in `slot` with a reference taken, and the references it had before
        /// (a snapshot); nil when the slot is free or its entry is being freed (its last
        /// reference went and its deinit waits for this lock to take it out). Call with the lock
        /// held: the lock keeps the memory there while the reference is tried.
        @inline(__always)
        func retainedEntry(at slot: Int) -> (entry: AnyObjectRef, references: Int)? {
            guard slot < Int(slotCount), let slots else { return nil }
            let word = slots[slot]
            guard word & 1 == 0, let pointer = UnsafeMutableRawPointer(bitPattern: word) else { return nil }
            let references = swift_retainCount(pointer)
            guard swift_tryRetain(pointer) != nil else { return nil }
            return (Unmanaged<AnyObjectRef>.fromOpaque(pointer).takeRetainedValue(), references)
        }

        /// Whether `slot` holds `entry` (compared by address: nothing is retained).
        @inline(__always)
        func holds(_ entry: AnyObjectRef, at slot: Int) -> Bool {
            guard slot < Int(slotCount), let slots else { return false }
            return slots[slot] == UInt(bitPattern: Unmanaged.passUnretained(entry).toOpaque())
        }

        /// A free slot's index (a new slot when none is free), or nil when the shard is full.
        @inline(__always)
        mutating func takeSlot() -> UInt32? {
            if freeHead != .max, let slots {
                let slot = freeHead
                freeHead = UInt32(truncatingIfNeeded: slots[Int(slot)] >> 1)
                return slot
            }
            guard slotCount < UInt32.max - 1 else { return nil }
            if slotCount == slotCapacity { grow() }
            slotCount += 1
            return slotCount - 1
        }

        @inline(never)
        private mutating func grow() {
            let capacity = UInt32(min(max(64, Int(slotCapacity) * 2), Int(UInt32.max)))
            let grown = UnsafeMutablePointer<UInt>.allocate(capacity: Int(capacity))
            if let slots {
                grown.moveInitialize(from: slots, count: Int(slotCount))
                slots.deallocate()
            }
            slots = grown
            slotCapacity = capacity
        }

        /// Puts `entry` (unretained) in the slot `takeSlot` gave.
        @inline(__always)
        mutating func fill(_ slot: UInt32, with entry: AnyObjectRef) {
            slots![Int(slot)] = UInt(bitPattern: Unmanaged.passUnretained(entry).toOpaque())
        }

        /// Empties `slot` and frees it.
        @inline(__always)
        mutating func clear(_ slot: UInt32) {
            slots![Int(slot)] = UInt(freeHead) << 1 | 1
            freeHead = slot
        }

        /// Releases the slot memory (the table goes away: no entry is left, as each holds the
        /// store).
        mutating func deallocate() {
            slots?.deallocate()
            slots = nil
            slotCount = 0
        }

        /// Every live entry, each with a reference taken (lock held).
        var retainedEntries: [(entry: AnyObjectRef, references: Int)] {
            (0..<Int(slotCount)).compactMap { retainedEntry(at: $0) }
        }

        /// Charges `size` bytes to the shard: `prepaid` bytes the caller took from the capacity
        /// pay first (the rest goes to the credit), else the credit pays. False, changing
        /// nothing, when the credit is short.
        @inline(__always)
        mutating func pay(_ size: Int, prepaid: Int) -> Bool {
            if prepaid >= size {
                credit &+= prepaid &- size
            } else if credit >= size {
                credit &-= size
            } else {
                return false
            }
            charged &+= size
            return true
        }

        /// Uncharges `size` bytes into the credit; returns what the shard gives back to the
        /// store because its credit went over `keep * 2` (it keeps `keep`), else 0.
        @inline(__always)
        mutating func refund(_ size: Int, keep: Int) -> Int {
            charged &-= size
            credit &+= size
            guard credit > keep &* 2 else { return 0 }
            defer { credit = keep }
            return credit &- keep
        }
    }

    static let shardCount = 64
    /// Bytes from one shard to the next: the gate in the first 64, the state after it.
    private static let shardStride = 128
    private static let stateOffset = 64
    private let memory: UnsafeMutableRawPointer

    init() {
        precondition(MemoryLayout<SpinGate>.size <= Self.stateOffset)
        precondition(MemoryLayout<Shard>.size <= Self.shardStride - Self.stateOffset)
        memory = .allocate(byteCount: Self.shardCount * Self.shardStride, alignment: 128)
        for index in 0..<Self.shardCount {
            gate(index).initialize(to: SpinGate())
            state(index).initialize(to: Shard())
        }
    }

    deinit {
        for index in 0..<Self.shardCount {
            state(index).pointee.deallocate()
            state(index).deinitialize(count: 1)
            gate(index).deinitialize(count: 1)
        }
        memory.deallocate()
    }

    @inline(__always)
    private func gate(_ index: Int) -> UnsafeMutablePointer<SpinGate> {
        (memory + index &* Self.shardStride).assumingMemoryBound(to: SpinGate.self)
    }

    @inline(__always)
    private func state(_ index: Int) -> UnsafeMutablePointer<Shard> {
        (memory + (index &* Self.shardStride &+ Self.stateOffset)).assumingMemoryBound(to: Shard.self)
    }

    /// Runs `body` under shard `index`'s lock with its state.
    @inline(__always)
    private func locked<R>(_ index: Int, _ body: (inout Shard) throws -> R) rethrows -> R {
        try gate(index).pointee.withLock { try body(&state(index).pointee) }
    }

    /// The shard the calling thread inserts into.
    @inline(__always)
    var homeShard: Int {
        let thread = UInt64(UInt(bitPattern: Int(pthread_self())))
        return Int(truncatingIfNeeded: (thread &* 0x9E37_79B9_7F4A_7C15) >> 58)
    }

    /// Inserts the entry `make` builds for the id it is given (under the shard's lock), charging
    /// it `size` bytes: `prepaid` bytes the caller took from the capacity pay first (the rest
    /// goes to the shard's credit), else the shard's credit pays. Returns nil, inserting
    /// nothing, when the credit is short. `owner` is the store the table belongs to (its ids
    /// carry its serial; the shard holds it while it has entries).
    @usableFromInline @inline(__always)
    func insert(
        owner: ObjectStore, size: Int, prepaid: Int, _ make: (ObjectID) -> AnyObjectRef
    ) throws(ObjectStoreError) -> AnyObjectRef? {
        try insert(owner: owner, size: size, prepaid: prepaid) { id, _ in make(id) }
    }

    /// Inserts the entry `make` builds, charging nothing (a pending object).
    @inlinable @inline(__always)
    func insert(owner: ObjectStore, _ make: (ObjectID) -> AnyObjectRef) throws(ObjectStoreError) -> AnyObjectRef {
        // Cannot be nil: nothing to pay.
        try insert(owner: owner, size: 0, prepaid: 0, make)!
    }

    /// Inserts a call's entry, charging nothing: `make` builds it for its object id and a task
    /// number taken from `count` through the shard's block (``Shard/takeTaskNumber(from:)``).
    @usableFromInline @inline(__always)
    func insertCall(
        owner: ObjectStore, numberedFrom count: CountLine, _ make: (ObjectID, UInt64) -> AnyObjectRef
    ) throws(ObjectStoreError) -> AnyObjectRef {
        // Cannot be nil: nothing to pay.
        try insert(owner: owner, size: 0, prepaid: 0) { id, shard in make(id, shard.takeTaskNumber(from: count)) }!
    }

    /// The inserts' common body: `make` also gets the shard, locked.
    @inline(__always)
    private func insert(
        owner: ObjectStore, size: Int, prepaid: Int, _ make: (ObjectID, inout Shard) -> AnyObjectRef
    ) throws(ObjectStoreError) -> AnyObjectRef? {
        let index = homeShard
        let outcome: (entry: AnyObjectRef?, full: Bool) = locked(index) { shard in
            guard shard.pay(size, prepaid: prepaid) else { return (nil, false) }
            guard let slot = shard.takeSlot() else {
                shard.charged &-= size
                shard.credit &+= size  // what was paid stays in the credit
                return (nil, true)
            }
            shard.sequence &+= 1
            // The shard's first live entry: the shard now keeps the store alive (see the type's
            // note on the owner).
            if shard.live == 0 { _ = Unmanaged.passUnretained(owner).retain() }
            shard.live &+= 1
            let entry = make(ObjectID(store: owner.serial, shard: index, sequence: shard.sequence, slot: slot), &shard)
            shard.fill(slot, with: entry)
            return (entry, false)
        }
        if outcome.full { throw .tooManyObjects(shard: index) }
        return outcome.entry
    }

    /// Takes `entry`, whose last reference went (its deinit), out of the table and credits its
    /// bytes back to its shard. Returns the bytes the shard gives back to the store because its
    /// credit went over `keep * 2` (it keeps `keep`), and whether the entry was the shard's
    /// last (the caller then releases the shard's reference to the store, after everything
    /// else it does with the store); nil when the entry was not in the table.
    func remove(_ entry: AnyObjectRef, keep: Int) -> (excess: Int, shardEmptied: Bool)? {
        withShard(of: entry.id) { shard -> (excess: Int, shardEmptied: Bool)? in
            guard shard.holds(entry, at: Int(entry.id.slot)) else { return nil }
            let size = entry.size
            entry.size = 0
            shard.clear(entry.id.slot)
            shard.live &-= 1
            return (shard.refund(size, keep: keep), shard.live == 0)
        }
    }

    /// Charges `size` bytes to the calling thread's home shard (see `Shard.pay`): how a
    /// producer pays for the value it completes. False, changing nothing, when the credit is
    /// short.
    @usableFromInline @inline(__always)
    func payAtHome(_ size: Int, prepaid: Int) -> Bool {
        locked(homeShard) { $0.pay(size, prepaid: prepaid) }
    }

    /// Gives back bytes `payAtHome` charged for a completion that did not happen; returns the
    /// bytes the shard hands back to the store (over `keep * 2` of credit), else 0.
    @usableFromInline
    func refundAtHome(_ size: Int, keep: Int) -> Int {
        locked(homeShard) { $0.refund(size, keep: keep) }
    }

    /// Takes every shard's credit; returns the bytes (the store gives them back to its capacity).
    func reclaimCredit() -> Int {
        (0..<Self.shardCount).reduce(0) { total, index in
            total &+ locked(index) { shard in
                defer { shard.credit = 0 }
                return shard.credit
            }
        }
    }

    /// Runs `body` under the lock of the shard that holds `id`, with that shard's state.
    @inline(__always)
    func withShard<R>(of id: ObjectID, _ body: (inout Shard) throws -> R) rethrows -> R {
        try locked(id.shard, body)
    }

    /// The live entry `id` names with a reference taken, and the references it had before (a
    /// snapshot); nil when it is freed (or being freed), or never was.
    func retainedEntry(_ id: ObjectID) -> (entry: AnyObjectRef, references: Int)? {
        guard let found = withShard(of: id, { $0.retainedEntry(at: Int(id.slot)) }) else { return nil }
        return found.entry.id == id ? found : nil
    }

    /// Live entries.
    var count: Int {
        (0..<Self.shardCount).reduce(0) { total, index in total &+ Int(locked(index) { $0.live }) }
    }

    /// Bytes charged to live objects (each shard read under its lock).
    var chargedBytes: Int {
        (0..<Self.shardCount).reduce(0) { total, index in total &+ locked(index) { $0.charged } }
    }

    /// Every live entry with a reference taken, and the references each had before (shutdown,
    /// the state API).
    var retainedEntries: [(entry: AnyObjectRef, references: Int)] {
        (0..<Self.shardCount).flatMap { index in locked(index) { $0.retainedEntries } }
    }
}
