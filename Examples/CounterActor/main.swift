// The seeds' Counter actor: state kept between calls, calls in order, handles passed to tasks.
// Run: swift run -c release CounterActor
import SwiftRay

final class Counter {
    private var value = 0
    func increment() -> Int {
        value += 1
        return value
    }
    func get() -> Int { value }
}

let ray = try RayRuntime()
defer { ray.shutdown() }

let counter = try ray.actor(ActorOptions(name: "counter")) { Counter() }
let increments = try (0..<10).map { _ in try counter.remote(Counter.increment) }
print("increments:", try ray.get(increments))

// Any copy of the handle reaches the same instance, from tasks too.
let bump = try ray.remote { (times: Int) throws -> Int in
    let same = try ray.actor(named: "counter", as: Counter.self)
    for _ in 0..<times { _ = try same.remote(Counter.increment) }
    return try ray.get(try same.remote(Counter.get))
}
_ = try ray.get(try bump.remote(5))
let total = try ray.get(try counter.remote(Counter.get))
print("count:", total)
guard total == 15 else { fatalError("unexpected count \(total)") }
ray.kill(counter)
