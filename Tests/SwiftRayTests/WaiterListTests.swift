import Testing

@testable import SwiftRay

/// The waiters of one entry (WaiterList.swift): every registered waiter is told once when the
/// object completes, a removed one is not, and an empty list tells nobody.
@Suite("Waiter list")
struct WaiterListTests {
    /// A waiter that needs one completion (``ReadinessWaiter/hasFired`` tells whether it was told).
    private func waiter() -> ReadinessWaiter { ReadinessWaiter(needed: 1, wake: .action({})) }

    @Test("none, one and many waiters are each told once; a taken list leaves the entry's empty")
    func notifiesEveryWaiterOnce() {
        var empty = WaiterList()
        if case .empty = empty.takeAll() {} else { Issue.record("an empty list took something") }
        empty.notifyAll()

        let only = waiter()
        var one = WaiterList()
        one.append(only)
        let takenOne = one.takeAll()
        if case .empty = one {} else { Issue.record("taking left a waiter behind") }
        takenOne.notifyAll()
        #expect(only.hasFired)

        let waiters = (0..<5).map { _ in waiter() }
        var many = WaiterList()
        for waiter in waiters { many.append(waiter) }
        many.takeAll().notifyAll()
        #expect(waiters.allSatisfy { $0.hasFired })
    }

    @Test("a removed waiter is not told; the list shrinks back to one and to none")
    func removedWaitersAreNotTold() {
        let (first, second, third) = (waiter(), waiter(), waiter())
        var list = WaiterList()
        list.append(first)
        list.append(second)
        list.append(third)
        list.remove(second)
        list.remove(waiter())  // never registered: nothing changes
        list.takeAll().notifyAll()
        #expect(first.hasFired && third.hasFired && !second.hasFired)

        var shrinking = WaiterList()
        shrinking.append(first)
        shrinking.append(second)
        shrinking.remove(first)
        if case .one(let left) = shrinking { #expect(left === second) } else { Issue.record("two less one is not one") }
        shrinking.remove(second)
        if case .empty = shrinking {} else { Issue.record("one less one is not empty") }
    }
}
