/// The waiters of one entry: the first inline, since most objects have at most one (a get or a
/// dependent task), so registering costs no allocation; any others in an array. Not
/// thread-safe: guarded by the entry's gate.
@usableFromInline
struct WaiterList {
    /// Nil only while nobody waits (`others` is then empty too).
    private var first: ReadinessWaiter?
    private var others: [ReadinessWaiter] = []

    mutating func append(_ waiter: ReadinessWaiter) {
        if first == nil { first = waiter } else { others.append(waiter) }
    }

    mutating func remove(_ waiter: ReadinessWaiter) {
        if first === waiter {
            first = others.isEmpty ? nil : others.removeFirst()
        } else {
            others.removeAll { $0 === waiter }
        }
    }

    /// Every waiter, leaving the list empty.
    mutating func takeAll() -> WaiterList {
        defer { self = WaiterList() }
        return self
    }

    /// Tells every waiter that the object completed. Consuming: the list was just taken out of
    /// its entry, so the first waiter (most often the only one) is told without a retain and
    /// release around the call.
    @usableFromInline
    consuming func notifyAll() {
        first?.objectCompleted()
        for waiter in others { waiter.objectCompleted() }
    }
}
