import Synchronization

// # The lease queue's inbox: tasks queued without the queue's lock
//
// A task's caller and the runner serving its class met on the lease queue's lock at every
// task: the caller appended under it, the runner popped under it. Once runners got faster the
// caller spent 14% of its samples on the one instruction that takes the lock (the line was
// the runner's), and the runner 9% waiting for it. The queue's lock also guards the lease
// books (running leases, busy runners, the outstanding request), and a push must decide from
// them whether one more lease is wanted, so the caller cannot simply skip it. But in some states
// the answer is known without the lock: *no push can want a lease* while a lease request is
// outstanding, while the queue holds as many leases as it may, or while a running lease serves
// short tasks and weighs their backlog itself (LeaseDemand.swift). In those states the inbox is
// *open*:
//
//     word = address of the newest pushed task (its `inboxNext` links the older ones)
//          | closed (bit 0): pushes take the queue's lock
//
// - A caller pushes with one compare-and-exchange while the inbox is open and returns: it needs
//   no lease. A closed inbox sends it to the lock, where it appends and decides as before.
// - Lock holders keep `open` equal to ``LeaseDemand`` `inboxOpens(...)`
//   (``LeaseQueue/settleInbox(_:)``), after every change to those books and whenever a runner's
//   sample moves the tasks between short and long. Closing moves
//   what the inbox held to the queue's back, in the same exchange that closes it, so every
//   decision taken with the inbox closed counts every task.
// - A task in an open inbox is never stranded: a running lease's runner takes the inbox when its
//   queue is empty (``LeaseQueue/next(finishedOne:)``), and one that stops first closes or
//   takes it under the lock and goes on if anything came (``LeaseQueue/runnerWantsToStop()``);
//   a runner stuck in a long task is found by the ``StallWatch``, which takes the inbox and asks
//   for a lease; an outstanding request ends in a granted lease, whose runner does the same, or
//   in a failed one, which takes and fails everything queued.
// - Order: everything in the inbox was pushed after everything in the queue (a locked push
//   comes after the inbox is closed or taken, and the inbox is taken only into an empty
//   queue), so one caller's tasks leave in the order it pushed them.
// - A waiting runner (``LeaseRunner``'s linger) looks at the queue's hint and the inbox's word.
//
// The chain's references move in from the caller and out to the queue (RecordChain.swift), as in
// an actor's inbox (ActorInbox.swift), whose protocol this one follows with one flag fewer.

/// The lock-free front of a ``LeaseQueue`` (the design note above). Thread-safe: any thread
/// pushes; ``take(into:)``, ``close(into:)`` and ``open()`` are called with the queue's lock held.
struct LeaseInbox: ~Copyable, @unchecked Sendable {
    private let word: Atomic<UInt>

    /// Pushes take the queue's lock.
    static let closedBit: UInt = 1

    /// A closed inbox (a queue has no lease and no request at first).
    init() { word = Atomic(Self.closedBit) }

    /// Lets go of tasks still pushed (none normally: a queue goes with its shape, after its
    /// tasks ran).
    deinit {
        var orphans = FIFO<TaskRecord>()
        RecordChain.append(chain: word.load(ordering: .acquiring) & ~Self.closedBit, to: &orphans)
    }

    /// Pushes `task`, taking a reference, unless the inbox is closed; whether it was pushed.
    /// Lock-free: one compare-and-exchange, repeated only when the word was not what it
    /// guessed. The first guess is an open, empty inbox (what a runner's take leaves), not a
    /// load: the word's line is usually the runner's, and a load then an exchange fetched it
    /// twice, shared then owned (46% and 49% of the push's samples in `single client tasks
    /// async`, 11% of the caller's). A failed exchange returns the word with the line owned, so
    /// the second try usually succeeds at once. A closed inbox costs a retain and release more.
    @inline(__always)
    func push(_ task: TaskRecord) -> Bool {
        var old: UInt = 0
        let address = UInt(bitPattern: Unmanaged.passRetained(task).toOpaque())
        while true {
            RecordChain.setNext(of: address, to: old)
            let (exchanged, current) = word.compareExchange(
                expected: old, desired: address, successOrdering: .releasing, failureOrdering: .relaxed)
            if exchanged { return true }
            old = current
            if old & Self.closedBit != 0 {
                task.inboxNext = 0
                RecordChain.record(at: address).release()
                return false
            }
        }
    }

    /// Whether the inbox is open. Exact with the queue's lock held: only lock holders open or
    /// close it.
    var isOpen: Bool { word.load(ordering: .relaxed) & Self.closedBit == 0 }

    /// Whether tasks seem to be pushed (a hint for a waiting runner).
    @inline(__always)
    var seemsNonEmpty: Bool { word.load(ordering: .relaxed) & ~Self.closedBit != 0 }

    /// Moves the pushed tasks to the back of `queue`, oldest first, leaving the inbox open or
    /// closed as it was. Lock held. A load when the inbox is empty; else O(tasks).
    @inline(__always)
    func take(into queue: inout FIFO<TaskRecord>) {
        guard seemsNonEmpty else { return }
        let old = word.bitwiseAnd(Self.closedBit, ordering: .acquiring).oldValue
        RecordChain.append(chain: old & ~Self.closedBit, to: &queue)
    }

    /// Closes the inbox, moving what it held to the back of `queue`. Lock held.
    func close(into queue: inout FIFO<TaskRecord>) {
        let old = word.exchange(Self.closedBit, ordering: .acquiring)
        RecordChain.append(chain: old & ~Self.closedBit, to: &queue)
    }

    /// Opens a closed (so empty) inbox. Lock held.
    func open() {
        word.store(0, ordering: .releasing)
    }
}
