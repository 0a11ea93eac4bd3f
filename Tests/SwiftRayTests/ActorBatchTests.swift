import Dispatch
import Synchronization
import Testing

@testable import SwiftRay

/// An ordered actor's runner takes all queued calls at once and runs them from its own queue
/// (ActorCore+Batches.swift). Each test holds the actor in a first call while the rest queue,
/// so that they are taken as one batch when it returns; then something happens inside the
/// batch (a kill, a fatal error, a restart) that must reach the calls the runner holds.
@Suite("Actor call batches")
struct ActorBatchTests {
    /// Starts a call that holds the actor until `hold` is released; returns its ref.
    private func holdActor(_ actor: ActorHandle<Counter>, _ hold: WorkerHold) throws -> ObjectRef<Int> {
        let ref = try actor.remote { _ in
            hold.holdHere()
            return 0
        }
        #expect(hold.waitUntilHeld())
        return ref
    }

    @Test("a kill inside a batch fails the calls the runner holds with ActorDied; none runs, none is lost")
    func killInsideBatch() throws {
        try withRuntime { ray in
            let counter = try ray.actor { Counter(node: nil) }
            let hold = WorkerHold()
            let first = try holdActor(counter, hold)
            let killer = try counter.remote { _ in
                ray.kill(counter)
                return -1
            }
            let ran = RunCount()
            let rest = try (0..<20).map { _ in
                try counter.remote { state in
                    ran.bump()
                    return state.increment()
                }
            }
            hold.release()
            #expect(try ray.get(first, timeout: 30) == 0)
            #expect(try ray.get(killer, timeout: 30) == -1)
            for ref in rest {
                do {
                    _ = try ray.get(ref, timeout: 30)
                    Issue.record("a call queued behind the kill ran")
                } catch let ActorError.actorDied(_, reason) {
                    #expect(reason.contains("ray.kill"))
                }
            }
            #expect(ran.current == 0)
        }
    }

    @Test("a fatal error inside a batch: the retried call runs first on the rebuilt instance, then the held calls in order")
    func fatalErrorInsideBatch() throws {
        try withRuntime { ray in
            let log = Mutex<[Int]>([])
            let failedOnce = Atomic<Bool>(false)
            let counter = try ray.actor(ActorOptions(maxRestarts: 1, maxTaskRetries: 1)) { Counter(node: nil) }
            let hold = WorkerHold()
            let first = try holdActor(counter, hold)
            let failing = try counter.remote { _ in
                log.withLock { $0.append(1) }
                if !failedOnce.exchange(true, ordering: .relaxed) { throw ActorFatalError("fails once") }
                return 1
            }
            let rest = try (2...20).map { index in
                try counter.remote { state in
                    log.withLock { $0.append(index) }
                    return state.increment()
                }
            }
            hold.release()
            #expect(try ray.get(first, timeout: 30) == 0)
            #expect(try ray.get(failing, timeout: 30) == 1)
            // Fresh state: every held call ran on the rebuilt instance, in order.
            #expect(try ray.get(rest, timeout: 30) == Array(1...19))
            #expect(log.withLock { $0 } == [1] + Array(1...20))
        }
    }

    @Test("a restart asked inside a batch (kill, noRestart: false): the held calls run on the rebuilt instance, in order")
    func restartInsideBatch() throws {
        try withRuntime { ray in
            let counter = try ray.actor(ActorOptions(maxRestarts: 1)) { Counter(node: nil) }
            #expect(try ray.get(try counter.remote(Counter.add, 100), timeout: 30) == 100)
            let hold = WorkerHold()
            let first = try holdActor(counter, hold)
            let restarter = try counter.remote { state in
                ray.kill(counter, noRestart: false)
                return state.value
            }
            let rest = try (0..<20).map { _ in try counter.remote(Counter.increment) }
            hold.release()
            #expect(try ray.get(first, timeout: 30) == 0)
            #expect(try ray.get(restarter, timeout: 30) == 100)
            #expect(try ray.get(rest, timeout: 30) == Array(1...20))
            #expect(!counter.isDead)
        }
    }

    @Test("the state API counts the calls a runner holds as pending")
    func heldCallsArePending() throws {
        try withRuntime { ray in
            let counter = try ray.actor { Counter(node: nil) }
            let holdFirst = WorkerHold()
            let first = try holdActor(counter, holdFirst)
            let holdSecond = WorkerHold()
            let second = try counter.remote { _ in
                holdSecond.holdHere()
                return 0
            }
            let rest = try (0..<8).map { _ in try counter.remote(Counter.increment) }
            func pending() -> Int? { (try? ray.listActors())?.first { $0.actorID == counter.id }?.pendingCalls }
            #expect(pending() == 9)  // queued
            holdFirst.release()
            #expect(holdSecond.waitUntilHeld())
            #expect(pending() == 8)  // taken with the second call, not started
            holdSecond.release()
            #expect(try ray.get([first, second], timeout: 30) == [0, 0])
            #expect(try ray.get(rest, timeout: 30) == Array(1...8))
            #expect(pending() == 0)
        }
    }

    @Test("a runner gathers its next batch only after one of 2 to 15 calls")
    func gatheringRule() {
        #expect(!ActorCore.gathersAfter(batchOf: 1))
        #expect(ActorCore.gathersAfter(batchOf: 2))
        #expect(ActorCore.gathersAfter(batchOf: ActorCore.gatheredBatchLimit - 1))
        #expect(!ActorCore.gathersAfter(batchOf: ActorCore.gatheredBatchLimit))
    }

    @Test("streaming callers through gathered batches: every call runs once, each caller's in order, with a kill at the end")
    func streamingCallersThroughGatheredBatches() throws {
        try withRuntime { ray in
            let log = try ray.actor { MessageBox() }
            let callers = 3
            let callsPerCaller = 5_000
            DispatchQueue.concurrentPerform(iterations: callers) { caller in
                var refs: [ObjectRef<Void>] = []
                refs.reserveCapacity(callsPerCaller)
                for index in 0..<callsPerCaller {
                    // Bursts of a few calls with a get in between: batches of 2-15 calls, gathered.
                    guard let ref = try? log.remote(MessageBox.send, "\(caller):\(index)") else {
                        Issue.record("call \(index) of caller \(caller) was refused")
                        return
                    }
                    refs.append(ref)
                    if index % 8 == 7 { _ = try? ray.get(refs.suffix(8), timeout: 30) }
                }
                #expect((try? ray.get(refs, timeout: 30))?.count == callsPerCaller)
            }
            let messages = try ray.get(try log.remote(MessageBox.drain), timeout: 30)
            #expect(messages.count == callers * callsPerCaller)
            for caller in 0..<callers {
                let mine = messages.filter { $0.hasPrefix("\(caller):") }
                #expect(mine == (0..<callsPerCaller).map { "\(caller):\($0)" })
            }
            ray.kill(log)
            do {
                _ = try ray.get(try log.remote(MessageBox.drain), timeout: 30)
                Issue.record("a call after the kill ran")
            } catch is ActorError {}
        }
    }
}
