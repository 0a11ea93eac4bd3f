// The seeds' message actor: workers send messages to one actor; the driver drains them.
// Run: swift run -c release MessageActor
import SwiftRay

final class MessageBox {
    private var messages: [String] = []
    func send(_ message: String) { messages.append(message) }
    func drain() -> [String] {
        defer { messages.removeAll() }
        return messages
    }
}

let ray = try RayRuntime()
defer { ray.shutdown() }

let box = try ray.actor { MessageBox() }
let worker = try ray.remote { (id: Int) throws -> Int in
    for index in 0..<3 { _ = try box.remote(MessageBox.send, "worker \(id) message \(index)") }
    return id
}
_ = try ray.get(try (0..<4).map { try worker.remote($0) })
let messages = try ray.get(try box.remote(MessageBox.drain))
for message in messages { print(message) }
guard messages.count == 12 else { fatalError("expected 12 messages, got \(messages.count)") }
