import Testing

@testable import SwiftRay

/// The adaptive wait of an actor's runner for mail (MailLinger.swift): the budget follows the
/// gaps callers leave, mail ends a wait at once, and other work waiting for the worker ends it
/// at the first look. Times are passed in, so nothing here depends on the machine's speed.
@Suite("Mail linger")
struct MailLingerTests {
    @Test("the budget is short at first, long after a gap shorter than the long wait, short again after a longer one")
    func budgetFollowsGaps() {
        let linger = MailLinger()
        #expect(linger.budget == MailLinger.shortNanoseconds)
        linger.runnerStarting(now: 5_000_000)  // no runner gave up yet: nothing to learn
        #expect(linger.budget == MailLinger.shortNanoseconds)

        linger.gaveUp(waitStartedAt: 10_000_000)
        linger.runnerStarting(now: 10_000_000 + MailLinger.longNanoseconds / 2)
        #expect(linger.budget == MailLinger.longNanoseconds)

        linger.gaveUp(waitStartedAt: 20_000_000)
        linger.runnerStarting(now: 20_000_000 + MailLinger.longNanoseconds)
        #expect(linger.budget == MailLinger.shortNanoseconds)

        linger.gaveUp(waitStartedAt: 30_000_000)
        linger.runnerStarting(now: 30_000_000 + MailLinger.longNanoseconds - 1)
        #expect(linger.budget == MailLinger.longNanoseconds)
    }

    @Test("mail already there ends the wait at once, without looking at other work")
    func mailEndsTheWait() {
        let linger = MailLinger()
        let hint = QueueHint()
        hint.note(count: 1)
        var looks = 0
        #expect(linger.wait(for: hint, adapting: true) { looks += 1; return false })
        #expect(looks == 0)
    }

    @Test("other work waiting for the worker ends even a long wait at the first look")
    func otherWorkEndsTheWait() {
        let linger = MailLinger()
        linger.gaveUp(waitStartedAt: 1_000)
        linger.runnerStarting(now: 2_000)
        #expect(linger.budget == MailLinger.longNanoseconds)
        let hint = QueueHint()
        var looks = 0
        #expect(!linger.wait(for: hint, adapting: true) { looks += 1; return true })
        #expect(looks == 1, "the wait went on after other work was seen (\(looks) looks)")
    }

    @Test("a wait that gives up records when it began; a non-adapting one records nothing")
    func givingUpIsRecorded() {
        let hint = QueueHint()
        let fixed = MailLinger()
        #expect(!fixed.wait(for: hint, adapting: false) { false })
        fixed.runnerStarting(now: MonotonicClock.nanoseconds)
        #expect(fixed.budget == MailLinger.shortNanoseconds)  // nothing was recorded to learn from

        let adapting = MailLinger()
        let before = MonotonicClock.nanoseconds
        #expect(!adapting.wait(for: hint, adapting: true) { false })
        // A runner starting at the moment the wait began saw a gap of zero: the next wait is long.
        adapting.runnerStarting(now: before + MailLinger.shortNanoseconds)
        #expect(adapting.budget == MailLinger.longNanoseconds)
    }
}
