/// The waiters of one entry. Not thread-safe: guarded by the entry's gate.
///
/// Most objects complete with nobody waiting (a batch's results are read after they are ready)
/// and most of the rest have one waiter (a get or a dependent task), so the list is an enum:
/// no waiter is a case with no payload, and one waiter needs no array, so registering costs no
/// allocation. With the first waiter inline and the others in an array (two stored fields), a
/// completion with nobody waiting still moved both out of its entry and destroyed them: one
/// retain and three releases, about 120 of the ~1,000 instructions a lease's runner spent on a
/// task (a callgrind count, BENCHMARKS.md, thirty-sixth sitting).
@usableFromInline
enum WaiterList {
    case empty
    case one(ReadinessWaiter)
    case many([ReadinessWaiter])

    init() { self = .empty }

    mutating func append(_ waiter: ReadinessWaiter) {
        switch self {
        case .empty: self = .one(waiter)
        case .one(let first): self = .many([first, waiter])
        case .many(var all):
            self = .empty  // the array stays uniquely referenced while it grows
            all.append(waiter)
            self = .many(all)
        }
    }

    mutating func remove(_ waiter: ReadinessWaiter) {
        switch self {
        case .empty: return
        case .one(let first): if first === waiter { self = .empty }
        case .many(var all):
            self = .empty
            all.removeAll { $0 === waiter }
            self = all.isEmpty ? .empty : all.count == 1 ? .one(all[0]) : .many(all)
        }
    }

    /// Every waiter, leaving the list empty.
    @inline(__always)
    mutating func takeAll() -> WaiterList {
        if case .empty = self { return .empty }
        defer { self = .empty }
        return self
    }

    /// Tells every waiter that the object completed. Consuming: the list was just taken out of
    /// its entry, so the waiter of a list of one is told without a retain and release around
    /// the call.
    @inlinable @inline(__always)
    consuming func notifyAll() {
        if case .empty = self { return }
        notifyEach()
    }

    @usableFromInline
    consuming func notifyEach() {
        switch consume self {
        case .empty: return
        case .one(let waiter): waiter.objectCompleted()
        case .many(let all): for waiter in all { waiter.objectCompleted() }
        }
    }
}
