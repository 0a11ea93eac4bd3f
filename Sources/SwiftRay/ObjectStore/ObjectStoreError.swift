/// Why the object store refused a request. Each case names the bad value. A plain value;
/// thread-safe.
public enum ObjectStoreError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The store is shut down: it takes no puts and answers no gets.
    case shutDown
    /// A ref created by another store instance was given to this one.
    case foreignObjectRef(id: ObjectID, store: UInt32)
    /// A timeout that is negative or NaN (seconds).
    case invalidTimeout(Double)
    /// A `numReturns` outside 1...refCount for `wait`.
    case invalidNumReturns(numReturns: Int, refCount: Int)
    /// The same ref appears twice in the list given to `wait`.
    case duplicateObjectRef(ObjectID)
    /// A value larger than the whole store (bytes): it can never fit.
    case objectLargerThanStore(size: Int, capacity: Int)
    /// A value whose declared size (``ObjectSizeEstimating``) is negative.
    case invalidObjectSize(Int)
    /// A store capacity below 1 byte.
    case invalidCapacity(Int)
    /// A grace period for a full store that is negative or NaN (seconds).
    case invalidGracePeriod(Double)
    /// A domain id outside 0..<domainCount.
    case unknownDomain(id: Int, domainCount: Int)
    /// No live object with this id (freed, or never created here).
    case unknownObject(ObjectID)
    /// The producer fulfilled or failed an object that is already ready or failed.
    case alreadyCompleted(ObjectID)
    /// A table shard has no free slot left (4 billion live objects in one shard).
    case tooManyObjects(shard: Int)

    public var description: String {
        switch self {
        case .shutDown:
            return "the object store is shut down"
        case let .foreignObjectRef(id, store):
            return "\(id) belongs to another object store instance (this is store \(store))"
        case let .invalidTimeout(timeout):
            return "invalid timeout \(timeout) s: must be a number >= 0 (or nil to wait forever)"
        case let .invalidNumReturns(numReturns, refCount):
            return "invalid numReturns \(numReturns): must be in 1...\(refCount) (the number of refs given)"
        case let .duplicateObjectRef(id):
            return "wait needs distinct refs: \(id) appears more than once"
        case let .objectLargerThanStore(size, capacity):
            return "an object of \(size) bytes can never fit in an object store of \(capacity) bytes"
        case let .invalidObjectSize(size):
            return "invalid object size \(size) bytes: estimatedObjectSize must be >= 0"
        case let .invalidCapacity(capacity):
            return "invalid object store capacity \(capacity) bytes: must be at least 1"
        case let .invalidGracePeriod(seconds):
            return "invalid grace period \(seconds) s: must be a number >= 0"
        case let .unknownDomain(id, count):
            return "unknown domain id \(id): the store's topology has domains 0..<\(count)"
        case let .unknownObject(id):
            return "no live object \(id) in this store (freed or never created here)"
        case let .alreadyCompleted(id):
            return "\(id) is already ready or failed: an object is completed once"
        case let .tooManyObjects(shard):
            return "object table shard \(shard) is full: \(UInt32.max) live objects"
        }
    }
}

/// A get or wait ran past its timeout before the objects it needed were ready (Ray's
/// GetTimeoutError). A plain value; thread-safe.
public struct GetTimeout: Error, Sendable, Hashable, CustomStringConvertible {
    /// The timeout that passed, in seconds.
    public let timeout: Double
    /// The objects that were still pending, in input order.
    public let pending: [ObjectID]

    @usableFromInline
    init(timeout: Double, pending: [ObjectID]) {
        self.timeout = timeout
        self.pending = pending
    }

    public var description: String {
        let shown = pending.prefix(4).map(\.description).joined(separator: ", ")
        let more = pending.count > 4 ? ", ..." : ""
        return "get timed out after \(timeout) s: \(pending.count) object(s) not ready (\(shown)\(more))"
    }
}

/// A put found the store full and no room was freed within the grace period (Ray's
/// ObjectStoreFullError). A plain value; thread-safe.
public struct ObjectStoreFull: Error, Sendable, Hashable, CustomStringConvertible {
    /// The size of the value that did not fit, in bytes.
    public let requestedBytes: Int
    /// Bytes in use when the put gave up.
    public let usedBytes: Int
    /// The store's capacity in bytes.
    public let capacityBytes: Int
    /// How long the put waited for room, in seconds.
    public let gracePeriod: Double

    public var description: String {
        "object store full: a put of \(requestedBytes) bytes does not fit (\(usedBytes) of \(capacityBytes) bytes used, "
            + "\(capacityBytes - usedBytes) free) after waiting \(gracePeriod) s for room"
    }
}
