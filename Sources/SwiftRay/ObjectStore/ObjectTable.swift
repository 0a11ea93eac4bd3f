import Glibc

/// The live entries of one ``ObjectStore``: 64 shards, each a slot array with a free list and a
/// counter under its own lock. A thread inserts into the shard its thread id picks, so threads
/// that put at once rarely share a lock, and a freed slot is reused first (its cache lines are
/// warm): no hashing and no global lock on the put path. Lookups by id go straight to the slot
/// the id names. Each shard's lock also guards its entries' waiter lists and completions.
///
/// Thread-safe.
final class ObjectTable: @unchecked Sendable {
    /// One shard's slots. Guarded by the shard's lock. Not thread-safe by itself.
    struct Shard {
        var slots: ContiguousArray<ObjectEntry?> = []
        var free: [UInt32] = []
        var sequence: UInt64 = 0
        var live = 0
    }

    static let shardCount = 64
    private let shards = UnretainedList((0..<ObjectTable.shardCount).map { _ in Locked(Shard()) })

    /// The shard the calling thread inserts into.
    @inline(__always)
    private var homeShard: Int {
        let thread = UInt64(UInt(bitPattern: Int(pthread_self())))
        return Int(truncatingIfNeeded: (thread &* 0x9E37_79B9_7F4A_7C15) >> 58)
    }

    /// Inserts the entry `make` builds for the id it is given (under the shard's lock).
    @inline(__always)
    func insert(store: UInt32, _ make: (ObjectID) -> ObjectEntry) throws(ObjectStoreError) -> ObjectEntry {
        let index = homeShard
        let entry: ObjectEntry? = shards.with(index) { lock in
            lock.withLock { shard in
                let slot: UInt32
                if let reused = shard.free.popLast() {
                    slot = reused
                } else {
                    guard shard.slots.count < Int(UInt32.max) else { return nil }
                    slot = UInt32(shard.slots.count)
                    shard.slots.append(nil)
                }
                shard.sequence &+= 1
                shard.live += 1
                let entry = make(ObjectID(store: store, shard: index, sequence: shard.sequence, slot: slot))
                shard.slots[Int(slot)] = entry
                return entry
            }
        }
        guard let entry else { throw .tooManyObjects(shard: index) }
        return entry
    }

    /// Takes `entry` out of the table; the caller then drops what it held.
    func remove(_ entry: ObjectEntry, _ body: () -> Void) {
        withShard(of: entry.id) { shard in
            let slot = Int(entry.id.slot)
            guard slot < shard.slots.count, shard.slots[slot] === entry else { return }
            shard.slots[slot] = nil
            shard.free.append(entry.id.slot)
            shard.live -= 1
            body()
        }
    }

    /// Runs `body` under the lock of the shard that holds `id`, with that shard's state.
    @inline(__always)
    func withShard<R>(of id: ObjectID, _ body: (inout Shard) -> R) -> R {
        shards.with(id.shard) { lock in lock.withLock(body) }
    }

    /// Runs `body` under the shard's lock with the live entry `id` names, or nil.
    func withEntry<R>(_ id: ObjectID, _ body: (ObjectEntry?) -> R) -> R {
        withShard(of: id) { shard in
            let slot = Int(id.slot)
            let entry = slot < shard.slots.count ? shard.slots[slot] : nil
            return body(entry?.id == id ? entry : nil)
        }
    }

    /// Live entries.
    var count: Int {
        (0..<Self.shardCount).reduce(0) { total, index in total + shards.with(index) { $0.withLock { $0.live } } }
    }

    /// Every live entry (for shutdown).
    var allEntries: [ObjectEntry] {
        (0..<Self.shardCount).flatMap { index in shards.with(index) { $0.withLock { $0.slots.compactMap { $0 } } } }
    }
}
