// MARK: Passes over arrays of refs without reference counting

extension AnyObjectRef {
    /// Calls `body` with `refs` as unretained references: the array keeps them (and their
    /// entries) alive. A retain and a release per ref would be most of the cost of a pass over
    /// a thousand refs whose entries were just written by workers on other cores.
    @inlinable @inline(__always)
    static func withUnretained<Ref: AnyObjectRef, R>(
        _ refs: [Ref], _ body: (UnsafeBufferPointer<Unmanaged<Ref>>) throws -> R
    ) rethrows -> R {
        try refs.withUnsafeBufferPointer { buffer in
            try buffer.withMemoryRebound(to: Unmanaged<Ref>.self) { try body($0) }
        }
    }

    /// Calls `body` with each of `refs` in order, unretained (see ``withUnretained(_:_:)``).
    @inlinable @inline(__always)
    static func forEachUnretained<Ref: AnyObjectRef>(in refs: [Ref], _ body: (Ref) throws -> Void) rethrows {
        try withUnretained(refs) { unretained in
            for ref in unretained { try ref._withUnsafeGuaranteedRef(body) }
        }
    }

    /// Whether every one of `refs` is complete (read unretained, see ``withUnretained(_:_:)``).
    @inlinable @inline(__always)
    static func allComplete<Ref: AnyObjectRef>(_ refs: [Ref]) -> Bool {
        withUnretained(refs) { unretained in unretained.allSatisfy { $0._withUnsafeGuaranteedRef { $0.isComplete } } }
    }
}
