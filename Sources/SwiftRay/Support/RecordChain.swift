/// Calls linked through their ``AnyObjectRef/inboxNext`` field, held by address: the chains
/// that lock-free inboxes (``ActorInbox``, ``LeaseInbox``) keep in one atomic word. A chain
/// holds one strong reference to each call, moved in from a pusher and moved out to a
/// ``FIFO``, so pushing writes no reference count of its own.
///
/// Not thread-safe by itself: the inbox that owns a chain publishes and takes it with its
/// atomic word (a releasing push, an acquiring take).
enum RecordChain {
    /// The record's address, its reference still held by `call`; nil for nil.
    @inline(__always)
    static func address(of call: inout TaskRecord?) -> UInt? {
        let address = withUnsafeBytes(of: &call) { $0.load(as: UInt.self) }
        return address == 0 ? nil : address
    }

    /// Sets `call` to nil without releasing it: its reference now belongs to the chain.
    @inline(__always)
    static func forget(_ call: inout TaskRecord?) {
        withUnsafeMutableBytes(of: &call) { $0.storeBytes(of: 0, as: UInt.self) }
    }

    @inline(__always)
    static func record(at address: UInt) -> Unmanaged<TaskRecord> {
        Unmanaged.fromOpaque(UnsafeRawPointer(bitPattern: address).unsafelyUnwrapped)
    }

    /// Links the record at `address` to the older chain `next` (0: none).
    @inline(__always)
    static func setNext(of address: UInt, to next: UInt) {
        record(at: address)._withUnsafeGuaranteedRef { $0.inboxNext = next }
    }

    /// Appends a chain (newest first) to `queue` oldest first, taking the chain's references.
    /// O(calls).
    static func append(chain newest: UInt, to queue: inout FIFO<TaskRecord>) {
        var node = newest
        var oldest: UInt = 0
        while node != 0 {
            let next = record(at: node)._withUnsafeGuaranteedRef { record in
                defer { record.inboxNext = oldest }
                return record.inboxNext
            }
            oldest = node
            node = next
        }
        while oldest != 0 {
            var call: TaskRecord? = record(at: oldest).takeRetainedValue()
            oldest = call.unsafelyUnwrapped.inboxNext
            call.unsafelyUnwrapped.inboxNext = 0
            queue.append(taking: &call)
        }
    }
}
