/// The return object a task or an actor call owns until it ends: one counted reference to the
/// object's entry (not an ``ObjectRef``: one allocation fewer per call), given up when the value
/// is stored or the object failed, or when the owner goes. A plain value; not thread-safe (its
/// owner touches it from one thread at a time).
@usableFromInline
struct TaskOutput<Result: Sendable> {
    @usableFromInline var entry: TypedObjectEntry<Result>?
    /// The entry, kept for identity after it is given up (cancel finds the task through it).
    @usableFromInline let identity: ObjectEntry

    /// `entry` must carry a reference counted for this output (`store.retain`).
    @inlinable
    init(_ entry: TypedObjectEntry<Result>) {
        self.entry = entry
        identity = entry
    }

    /// Stores `value` unless the object completed meanwhile (a cancel failed it: the value is
    /// dropped), then gives up the reference. Throws what storing throws (`ObjectStoreFull`).
    @inlinable
    mutating func deliver(_ value: Result) throws {
        guard let entry else { return }
        // The store is borrowed, not retained: the entry holds it, and one store shared by every
        // thread would bounce its reference count's cache line between cores.
        try Unmanaged.passUnretained(entry.store)._withUnsafeGuaranteedRef { store in
            defer {
                self.entry = nil
                store.release(typed: entry)
            }
            do {
                try store.fulfil(entry: entry, with: value)
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
        entry.store.release(typed: entry)
    }

    /// Whether the value is still to be delivered.
    @inlinable var isPending: Bool { entry != nil }

    /// Gives up the reference without completing the object (the owner's deinit).
    func releaseIfHeld() {
        if let entry { entry.store.release(typed: entry) }
    }
}
