// The seeds' hello world: a remote function, four calls, their results in order.
// Run: swift run -c release HelloWorld
import SwiftRay

let ray = try RayRuntime()
defer { ray.shutdown() }

let square = try ray.remote { (x: Int) in x * x }
let refs = try (0..<4).map { try square.remote($0) }
let squares = try ray.get(refs)
print("squares of 0..3:", squares)
guard squares == [0, 1, 4, 9] else { fatalError("unexpected result \(squares)") }

let greeting = try ray.put("hello from swift-ray")
print(try ray.get(greeting), "on", ray.topology.domains.count, "domain(s)")
