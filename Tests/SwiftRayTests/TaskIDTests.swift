import Dispatch
import RayScheduling
import Synchronization
import Testing

@testable import SwiftRay

/// Task ids: calls take theirs in blocks through their caller's shard of the object table
/// (ObjectTable.swift, `takeTaskNumber`), everything else one at a time from the same count.
@Suite("Task ids")
struct TaskIDTests {
    /// An actor's state; its calls report the id they ran under. Stateless.
    final class Reporter {}

    @Test("calls from several threads, tasks and actor calls, get ids no other call has, increasing with each thread's calls")
    func uniqueAcrossThreads() throws {
        try withRuntime { ray in
            let task = try ray.remote { () -> TaskID? in ray.runtimeContext.taskID }
            let actor = try ray.actor { Reporter() }
            let threads = 4
            // More calls per thread than a shard's block, so every shard takes several blocks,
            // while actor creations take single numbers from the same count in between.
            let callsPerThread = ObjectTable.Shard.taskNumberBlock * 3 + 17
            let seen = Mutex<[[TaskID]]>(Array(repeating: [], count: threads))
            let created = Mutex<[TaskID]>([])
            let failures = Atomic<Int>(0)
            DispatchQueue.concurrentPerform(iterations: threads) { thread in
                do {
                    var refs: [ObjectRef<TaskID?>] = []
                    for index in 0..<callsPerThread {
                        if index % 2 == 0 {
                            refs.append(try task.remote())
                        } else {
                            refs.append(try actor.remote { _ in ray.runtimeContext.taskID })
                        }
                        if index % 100 == 0 {
                            let extra = try ray.actor { Reporter() }
                            created.withLock { $0.append(extra.id) }
                        }
                    }
                    let ids = try ray.get(refs, timeout: 60).map { $0 ?? TaskID(0) }
                    seen.withLock { $0[thread] = ids }
                } catch {
                    failures.add(1, ordering: .relaxed)
                }
            }
            #expect(failures.load(ordering: .relaxed) == 0)
            let perThread = seen.withLock { $0 }
            let all = perThread.flatMap { $0 } + created.withLock { $0 } + [actor.id]
            #expect(all.count == threads * callsPerThread + threads * ((callsPerThread + 99) / 100) + 1)
            #expect(!all.contains(TaskID(0)))
            #expect(Set(all).count == all.count, "a task id was handed out twice")
            for ids in perThread {
                #expect(zip(ids, ids.dropFirst()).allSatisfy { $0 < $1 }, "one thread's calls took ids out of order")
            }
        }
    }
}
