import Glibc
import Synchronization

// # How long a runner waits for mail
//
// A runner whose mailbox ran empty can end at once, or keep its worker a moment in case the
// next call comes. Ending costs the next call a runner start: a job submitted to the
// executor and, when the worker parked in the meantime, a futex wake-up (tens of
// microseconds on a virtual machine, part of it on the caller's thread). Waiting costs the
// worker's CPU for as long as it spins.
//
// Ray's benchmark loop shape (1,000 calls, a get of them all, the refs dropped, again) leaves
// the actor idle ~45 us between batches on this machine: longer than a fixed 5 us linger plus
// the worker's own 20 us spin, so every batch paid a park and a wake-up (about 8% of 1:1 actor
// calls async, measured by a fixed 100 us linger). A fixed long linger would make every actor
// that gets one call now and then burn 100 us of a core after each.
//
// So the linger adapts to the gaps its callers leave, as an adaptive mutex does:
//   - A runner that gives up (no mail within its budget) records when its wait began, that
//     is when the mailbox ran empty (`idleSince`).
//   - The caller that then starts a new runner for new mail measures the gap: now minus
//     `idleSince`. A gap under `longNanoseconds` means a longer wait would have caught the
//     call, and the next runner waits up to `longNanoseconds`; a longer gap, `shortNanoseconds`.
//   - A runner that catches mail keeps the budget as it is.
// An actor called in a steady stream with short pauses keeps its runner; an actor called
// rarely wastes at most one long wait before it goes back to the short one.
//
// A waiting runner gives its worker back at once when another job waits for that worker, or
// when the runner runs nested in a blocked job's help and that job's get completed
// (`Worker.shouldEndIdleWait`, checked every few spins): the wait only ever uses time the
// worker would have spent spinning idle or parked. After the spin come a few `sched_yield`s,
// as in every wait here, so a caller that shares the core gets it; after an early end too,
// though the waiting job needs this very thread: the job is often another runner of the same
// threaded actor, and a runner that ended at once instead of yielding for the caller's next
// call made `1:1 actor calls concurrent` twice as slow (measured, fourteenth sitting).

/// An actor's adaptive wait for mail on its default lane, and a lease queue's for its next task
/// (the design note above). Thread-safe:
/// relaxed atomics, since a stale value only changes how long one runner spins.
struct MailLinger: ~Copyable, Sendable {
    /// The wait after a long gap, or before any: ``LeaseRunner``'s.
    static let shortNanoseconds = LeaseRunner.lingerSpinNanoseconds
    /// An actor's wait after a gap shorter than itself (a lease queue's is longer:
    /// ``LeaseDemand/lingerLongNanoseconds``).
    static let longNanoseconds = 100_000
    /// Spins between two looks at the worker's other work.
    static let spinsPerWorkCheck = 32

    /// When the mailbox ran empty before the last runner gave up (monotonic nanoseconds; 0:
    /// no runner gave up yet).
    private let idleSince = Atomic<Int>(0)
    /// Whether the next runner waits ``longBudget``.
    private let waitsLong = Atomic<Bool>(false)
    /// The wait after a gap shorter than itself.
    let longBudget: Int

    init(longNanoseconds: Int = Self.longNanoseconds) { longBudget = longNanoseconds }

    /// The current budget, in nanoseconds.
    var budget: Int { waitsLong.load(ordering: .relaxed) ? longBudget : Self.shortNanoseconds }

    /// Waits for `hint` to show mail, up to the budget (spinning; giving up early when `worker`
    /// has other work), then a few yields; whether mail seems to have come. A runner that gives
    /// up records when it began to wait. `adapting: false` waits ``shortNanoseconds`` and
    /// records nothing (an async actor's lane worker: its wait holds the actor's event loop,
    /// where resumed calls wait to run).
    func wait(for hint: borrowing QueueHint, by worker: Worker?, adapting: Bool = true) -> Bool {
        wait(for: hint, adapting: adapting) { worker?.shouldEndIdleWait ?? false }
    }

    /// ``wait(for:by:adapting:)`` with the look at other work spelled out (tests count it).
    func wait(for hint: borrowing QueueHint, adapting: Bool, otherWorkWaits: () -> Bool) -> Bool {
        wait(adapting: adapting, mailSeemsQueued: { hint.seemsNonEmpty }, otherWorkWaits: otherWorkWaits)
    }

    /// ``wait(for:by:adapting:)`` (adapting) where `mailSeemsQueued` tells whether mail came:
    /// a mailbox's hint or its actor's inbox.
    func wait(by worker: Worker?, mailSeemsQueued: () -> Bool) -> Bool {
        wait(adapting: true, mailSeemsQueued: mailSeemsQueued) { worker?.shouldEndIdleWait ?? false }
    }

    @inline(__always)
    private func wait(adapting: Bool, mailSeemsQueued: () -> Bool, otherWorkWaits: () -> Bool) -> Bool {
        let start = MonotonicClock.nanoseconds
        let deadline = start &+ (adapting ? budget : Self.shortNanoseconds)
        var spins = 0
        repeat {
            if mailSeemsQueued() { return true }
            spins &+= 1
            if spins % Self.spinsPerWorkCheck == 0, otherWorkWaits() { break }
        } while MonotonicClock.nanoseconds < deadline
        for _ in 0..<LeaseRunner.lingerYields {
            sched_yield()
            if mailSeemsQueued() { return true }
        }
        if adapting { gaveUp(waitStartedAt: start) }
        return false
    }

    /// Records that a runner gave up a wait begun at `start` (monotonic nanoseconds).
    func gaveUp(waitStartedAt start: Int) {
        idleSince.store(max(start, 1), ordering: .relaxed)
    }

    /// Called by whoever starts a runner for new mail: sets the next budget from the gap since
    /// the last runner's wait began. One clock read per runner start (none while runners catch
    /// their mail).
    func runnerStarting(now: Int = MonotonicClock.nanoseconds) {
        let since = idleSince.load(ordering: .relaxed)
        guard since != 0 else { return }
        let long = now &- since < longBudget
        if waitsLong.load(ordering: .relaxed) != long { waitsLong.store(long, ordering: .relaxed) }
    }
}
