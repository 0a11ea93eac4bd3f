/// Defining async remote functions: a closure of 0 to 4 arguments whose body is `async`
/// becomes an ``AsyncRemoteFunction`` whose calls run as tasks with `options`.
///
/// They share the name `remote` with the sync definers. Swift picks by the closure: one that
/// is written `async` or contains `await` can only be async, so it gets these overloads; a
/// closure without `await` prefers the sync overloads (a sync closure converted to an async
/// function type ranks lower), so existing sync definitions keep their meaning.
extension RayRuntime {
    /// An async remote function of no arguments. Throws ``RuntimeError`` for invalid options.
    public func remote<Result: Sendable>(
        _ options: TaskOptions = TaskOptions(), _ body: @escaping @Sendable () async throws -> Result
    ) throws(RuntimeError) -> AsyncRemoteFunction<Void, Result> {
        AsyncRemoteFunction(runtime: self, shape: try dispatcher.shape(for: options), body: body)
    }

    /// An async remote function of one argument.
    public func remote<A: Sendable, Result: Sendable>(
        _ options: TaskOptions = TaskOptions(), _ body: @escaping @Sendable (A) async throws -> Result
    ) throws(RuntimeError) -> AsyncRemoteFunction<A, Result> {
        AsyncRemoteFunction(runtime: self, shape: try dispatcher.shape(for: options), body: body)
    }

    /// An async remote function of two arguments.
    public func remote<A: Sendable, B: Sendable, Result: Sendable>(
        _ options: TaskOptions = TaskOptions(), _ body: @escaping @Sendable (A, B) async throws -> Result
    ) throws(RuntimeError) -> AsyncRemoteFunction<(A, B), Result> {
        AsyncRemoteFunction(runtime: self, shape: try dispatcher.shape(for: options)) { try await body($0.0, $0.1) }
    }

    /// An async remote function of three arguments.
    public func remote<A: Sendable, B: Sendable, C: Sendable, Result: Sendable>(
        _ options: TaskOptions = TaskOptions(), _ body: @escaping @Sendable (A, B, C) async throws -> Result
    ) throws(RuntimeError) -> AsyncRemoteFunction<(A, B, C), Result> {
        AsyncRemoteFunction(runtime: self, shape: try dispatcher.shape(for: options)) { try await body($0.0, $0.1, $0.2) }
    }

    /// An async remote function of four arguments.
    public func remote<A: Sendable, B: Sendable, C: Sendable, D: Sendable, Result: Sendable>(
        _ options: TaskOptions = TaskOptions(), _ body: @escaping @Sendable (A, B, C, D) async throws -> Result
    ) throws(RuntimeError) -> AsyncRemoteFunction<(A, B, C, D), Result> {
        AsyncRemoteFunction(runtime: self, shape: try dispatcher.shape(for: options)) {
            try await body($0.0, $0.1, $0.2, $0.3)
        }
    }
}
