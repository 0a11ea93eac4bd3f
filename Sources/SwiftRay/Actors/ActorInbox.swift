import Synchronization

// # The inbox: calls queued without waiting for the actor's lock
//
// Every call to an actor took the actor's lock to append itself to the mailbox. With several
// callers (`n:n actor calls async`: four callers, one actor) the callers met on that lock: a
// fifth of all samples were waiters in the lock's back-off. A lane that runs one call at a
// time (a default threaded actor: ActorCore+Batches.swift) now has an inbox in front of its
// mailbox, a lock-free stack of calls in one word:
//
//     word = address of the newest pushed call (its `inboxNext` links the older ones)
//          | scheduled (bit 0): a runner holds the lane's slot, or a caller is on its way
//                               to start one
//          | closed    (bit 1): the actor is not alive; calls go through the lock
//
// - While the lane's runner runs, a caller first tries the lock once
//   (``SpinLocked/withLockIfFree(_:)``): free, it queues the call under it as before. Only
//   when another thread holds the lock does it push, with one compare-and-exchange that sets
//   `scheduled`, and return without waiting. (Pushing always was slower for a single caller,
//   `1:1 actor calls async` 3.2 against 3.9 M/s: the runner, which keeps up with one caller,
//   then drained the stack a call at a time, and the caller's compare-and-exchange met the
//   runner's reads of the same word.) While no runner runs (``ActorCore/defaultRunnersRunning``:
//   its job waits behind busy workers, or it ended), a caller pushes at once: nothing drains
//   the stack until the runner starts and takes it whole, and callers that meet there write
//   one word, not the lock's, the mailbox's and the hint's lines (`n:n actor calls async`,
//   whose callers submit while both workers are busy: 1.10x, thirty-seventh sitting).
// - The caller that found `scheduled` clear starts the runner: it takes the lock, moves the
//   inbox to the mailbox and claims the lane's slot as a locked caller does
//   (``ActorCore/claimInboxRunner()``). Every other caller returns at once. A caller that
//   starts the runner under the lock sets `scheduled` too (``markScheduled()``): while a
//   runner works, no push waits for the lock.
// - Whoever holds the lock and reads or appends to the mailbox first moves the inbox to the
//   mailbox's back, oldest first (``drain(into:)``): everything in the inbox was pushed after
//   everything in the mailbox, so one caller's calls stay in submission order across both
//   paths.
// - A runner that finds no mail lets `scheduled` go, under the lock, only if the inbox is
//   still empty (``unscheduleIfEmpty()``, one compare-and-exchange): a call pushed after that
//   finds `scheduled` clear and starts a runner, a call pushed before makes the runner go on.
//   No call is left in an inbox that no runner will drain (no lost wake-up).
// - When the actor stops being alive (death, restart) the lock holder closes the inbox and
//   moves what it held to the mailbox (``close(into:)``), in the same critical section that
//   changes the phase: later calls take the lock and see the phase, earlier ones are in the
//   mailbox, failed or kept for the new instance with the rest. When the actor is alive again
//   the lock holder opens it (``open(runnerActive:)``), `scheduled` set when a runner holds
//   the slot.
//
// The stack holds one strong reference to each call, moved in from the caller's and moved out
// to the mailbox: pushing writes no reference count (RecordChain.swift). The link lives in the
// call itself (``AnyObjectRef/inboxNext``, a call being its ref: TaskRecord.swift). When calls
// and refs were two objects, a record one word larger fell into glibc's next malloc size class
// and cost `1:1 actor calls async` 6-10%; an actor's call still reaches its actor through its
// shape (``TaskShape/actorCore``) rather than a field of its own. A lease queue has an inbox of
// the same kind (LeaseInbox.swift).

/// The lock-free front of an ordered actor lane's mailbox, for callers that find the actor's
/// lock held (the design note above). Thread-safe: any thread pushes; ``drain(into:)``, ``close(into:)``, ``open(runnerActive:)`` and
/// ``unscheduleIfEmpty()`` are called with the actor's lock held.
struct ActorInbox: ~Copyable, @unchecked Sendable {
    private let word: Atomic<UInt>

    /// A runner holds the lane's slot, or a caller is about to start one.
    static let scheduledBit: UInt = 1
    /// The actor is not alive: calls take the actor's lock.
    static let closedBit: UInt = 2
    /// Both flags (a record's address has its low bits clear).
    static let flagBits: UInt = 3

    /// A closed inbox (an actor is pending until its factory returns).
    init() { word = Atomic(Self.closedBit) }

    /// Lets go of calls still pushed (none normally: an actor that dies closes its inbox and
    /// moves them out first).
    deinit {
        var orphans = FIFO<TaskRecord>()
        RecordChain.append(chain: word.load(ordering: .acquiring) & ~Self.flagBits, to: &orphans)
    }

    /// What became of a push.
    enum PushOutcome {
        /// Queued; a runner holds the lane or is being started.
        case queued
        /// Queued, and the caller must start the runner (``ActorCore/claimInboxRunner()``).
        case queuedFirst
        /// The inbox is closed: the call is still the caller's, for the locked path.
        case closed
    }

    /// Pushes `call`, moving its reference out (nil afterwards) unless the inbox is closed.
    /// Lock-free: one compare-and-exchange, repeated only when another push came between.
    @inline(__always)
    func push(_ call: inout TaskRecord?) -> PushOutcome {
        guard let address = RecordChain.address(of: &call) else { return .queued }
        var old = word.load(ordering: .relaxed)
        while true {
            if old & Self.closedBit != 0 { return .closed }
            RecordChain.setNext(of: address, to: old & ~Self.flagBits)
            let (exchanged, current) = word.compareExchange(
                expected: old, desired: address | Self.scheduledBit, successOrdering: .releasing,
                failureOrdering: .relaxed)
            if exchanged {
                RecordChain.forget(&call)
                return old & Self.scheduledBit == 0 ? .queuedFirst : .queued
            }
            old = current
        }
    }

    /// Whether calls seem to be waiting (a hint for a runner's short wait for mail).
    @inline(__always)
    var seemsNonEmpty: Bool { word.load(ordering: .relaxed) & ~Self.flagBits != 0 }

    /// Moves the pushed calls to the back of `mailbox`, oldest first. Lock held. O(calls).
    @inline(__always)
    func drain(into mailbox: inout FIFO<TaskRecord>) {
        guard word.load(ordering: .relaxed) & ~Self.flagBits != 0 else { return }
        let old = word.bitwiseAnd(Self.flagBits, ordering: .acquiring).oldValue
        RecordChain.append(chain: old & ~Self.flagBits, to: &mailbox)
    }

    /// Closes the inbox (the actor stops being alive), moving what it held to the back of
    /// `mailbox`; `scheduled` is cleared (the lane's slot count alone says who runs). Lock held.
    func close(into mailbox: inout FIFO<TaskRecord>) {
        let old = word.exchange(Self.closedBit, ordering: .acquiring)
        RecordChain.append(chain: old & ~Self.flagBits, to: &mailbox)
    }

    /// Opens a closed inbox (the actor is alive), `scheduled` when a runner holds the lane's
    /// slot. Lock held; a closed inbox is empty.
    func open(runnerActive: Bool) {
        word.store(runnerActive ? Self.scheduledBit : 0, ordering: .releasing)
    }

    /// Sets `scheduled` (a caller that took the lock started the lane's runner), so that
    /// pushes while that runner works start none. Lock held; nothing for a closed inbox.
    func markScheduled() {
        if word.load(ordering: .relaxed) & (Self.scheduledBit | Self.closedBit) == 0 {
            word.bitwiseOr(Self.scheduledBit, ordering: .relaxed)
        }
    }

    /// Lets `scheduled` go if nothing was pushed since the last drain; false when calls wait
    /// (the runner must drain them and go on). True for a closed inbox. Lock held.
    func unscheduleIfEmpty() -> Bool {
        var old = word.load(ordering: .relaxed)
        while true {
            if old & ~Self.flagBits != 0 { return false }
            if old & Self.scheduledBit == 0 { return true }
            let (exchanged, current) = word.compareExchange(
                expected: old, desired: old & ~Self.scheduledBit, ordering: .acquiringAndReleasing)
            if exchanged { return true }
            old = current
        }
    }
}
