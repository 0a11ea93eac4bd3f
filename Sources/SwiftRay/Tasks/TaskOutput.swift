/// The return object a task or an actor call owns until it ends: a strong reference to the
/// object's ref, given up when the value is stored or the object failed (so a value nobody else
/// refers to is freed at once), or when the owner goes. A plain value; not thread-safe (its
/// owner touches it from one thread at a time).
@usableFromInline
struct TaskOutput<Result: Sendable> {
    @usableFromInline var entry: ObjectRef<Result>?
    /// The object's id, kept after the reference is given up (cancel finds the task through the
    /// object, errors name it).
    @usableFromInline let id: ObjectID

    @inlinable
    init(_ entry: ObjectRef<Result>) {
        self.entry = entry
        id = entry.id
    }

    /// Stores `value` unless the object completed meanwhile (a cancel failed it: the value is
    /// dropped), then gives up the reference. Throws what storing throws (`ObjectStoreFull`).
    /// `keepingProducer`: the object retains its producer, the caller (``TaskRecord/isKeptByItsRef``).
    @inlinable
    mutating func deliver(_ value: Result, keepingProducer: Bool = false) throws {
        // Taken, not copied: the reference moves out (no retain, one release at the end).
        guard let entry = entry.take() else { return }
        // The store is borrowed, not retained: the entry holds it, and one store shared by every
        // thread would bounce its reference count's cache line between cores.
        try Unmanaged.passUnretained(entry.store)._withUnsafeGuaranteedRef { store in
            do {
                try store.fulfil(entry: entry, with: value, keepingProducer: keepingProducer)
            } catch ObjectStoreError.alreadyCompleted {
                // Cancelled (and failed) while it ran.
            }
        }
    }

    /// Fails the object with `error` (unless it completed already) and gives up the reference.
    mutating func fail(with error: any Error) {
        guard let entry else { return }
        _ = entry.store.complete(entry, failing: error)
        self.entry = nil
    }

    /// Called by the deinit of the task that holds it: an object still pending forgets its
    /// producer (``AnyObjectRef/producer`` is unretained). Nothing when it was delivered.
    @inline(__always)
    func producerGoes(_ task: TaskRecord) {
        entry?.forgetProducer(task)
    }

    /// Whether the value is still to be delivered.
    @inlinable var isPending: Bool { entry != nil }
}
