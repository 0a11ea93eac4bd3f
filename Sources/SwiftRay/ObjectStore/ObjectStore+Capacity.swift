import Synchronization

/// Capacity: bytes are taken from `used` (live objects plus the table's shard credit) and
/// given back; a put that does not fit takes the shards' credit back, then waits for frees up
/// to `fullGracePeriod`, then throws ``ObjectStoreFull``.
extension ObjectStore {
    /// Takes `size` bytes from the capacity if they fit with `margin` bytes to spare.
    @inline(__always)
    private func tryReserve(_ size: Int, margin: Int = 0) -> Bool {
        var current = used.load(ordering: .sequentiallyConsistent)
        while current &+ size <= capacityBytes &- margin {
            let (exchanged, original) = used.compareExchange(
                expected: current, desired: current &+ size, ordering: .sequentiallyConsistent)
            if exchanged { return true }
            current = original
        }
        return false
    }

    /// Takes `size` bytes, taking back the shards' credit first when they do not fit otherwise.
    private func tryReserveReclaiming(_ size: Int) -> Bool {
        if tryReserve(size) { return true }
        let reclaimed = table.reclaimCredit()
        guard reclaimed > 0 else { return false }
        returnBytes(reclaimed)
        return tryReserve(size)
    }

    /// Takes at least `size` bytes from the capacity for a put whose shard credit was short and
    /// returns how many it took: `size` plus a credit batch when there is room for both.
    /// Throws `objectLargerThanStore` at once for a size over the capacity, and
    /// ``ObjectStoreFull`` when no room comes within `fullGracePeriod`.
    @usableFromInline
    func reserve(_ size: Int) throws -> Int {
        if size > capacityBytes { throw ObjectStoreError.objectLargerThanStore(size: size, capacity: capacityBytes) }
        // A batch for the shard's credit only while the store is far from full (all shards could
        // hold two batches): near full, bytes idle in other shards would make puts wait.
        if creditBatch > 0, tryReserve(size &+ creditBatch, margin: creditBatch &* 2 &* ObjectTable.shardCount) {
            return size &+ creditBatch
        }
        if tryReserveReclaiming(size) { return size }
        let deadline = MonotonicClock.nanoseconds &+ Int(fullGracePeriod * 1e9)
        while true {
            let waiter = ReadinessWaiter.forCurrentThread(needed: 1, executor: executor)
            spaceWaiters.withLock { $0.append(waiter) }
            spaceWaiterCount.wrappingAdd(1, ordering: .sequentiallyConsistent)
            defer {
                spaceWaiterCount.wrappingSubtract(1, ordering: .sequentiallyConsistent)
                spaceWaiters.withLock { list in list.removeAll { $0 === waiter } }
            }
            if tryReserveReclaiming(size) { return size }
            if MonotonicClock.nanoseconds >= deadline { break }
            try checkOpen()
            waiter.block(until: deadline, executor: executor)
            waiter.fire()
            if tryReserveReclaiming(size) { return size }
            try checkOpen()
            if MonotonicClock.nanoseconds >= deadline { break }
        }
        throw ObjectStoreFull(
            requestedBytes: size, usedBytes: usedBytes, capacityBytes: capacityBytes, gracePeriod: fullGracePeriod)
    }

    /// Gives back `size` bytes taken by `reserve` and not charged to any object.
    func unreserve(_ size: Int) {
        returnBytes(size)
    }

    /// Bytes went back to the capacity or to a shard's credit (`size` of them to `used`; 0 when
    /// they stayed in the credit): wakes the puts waiting for room, which take the credit back.
    @inline(__always)
    @usableFromInline
    func returnBytes(_ size: Int) {
        if size > 0 { used.wrappingSubtract(size, ordering: .sequentiallyConsistent) }
        if spaceWaiterCount.load(ordering: .sequentiallyConsistent) > 0 { wakeSpaceWaiters() }
    }

    /// Fires every put waiting for room.
    func wakeSpaceWaiters() {
        let waiters = spaceWaiters.withLock { $0 }
        for waiter in waiters { waiter.fire() }
    }
}
