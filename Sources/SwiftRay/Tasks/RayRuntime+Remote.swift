/// Defining remote functions (Ray's `@ray.remote`): a closure of 0 to 4 arguments becomes a
/// ``RemoteFunction`` whose calls run as tasks with `options`.
extension RayRuntime {
    /// A remote function of no arguments. Throws ``RuntimeError`` for invalid options.
    public func remote<Result: Sendable>(
        _ options: TaskOptions = TaskOptions(), _ body: @escaping @Sendable () throws -> Result
    ) throws(RuntimeError) -> RemoteFunction<Void, Result> {
        RemoteFunction(runtime: self, shape: try dispatcher.shape(for: options), body: body, bodyWithoutArguments: body)
    }

    /// A remote function of one argument.
    public func remote<A: Sendable, Result: Sendable>(
        _ options: TaskOptions = TaskOptions(), _ body: @escaping @Sendable (A) throws -> Result
    ) throws(RuntimeError) -> RemoteFunction<A, Result> {
        RemoteFunction(runtime: self, shape: try dispatcher.shape(for: options), body: body)
    }

    /// A remote function of two arguments.
    public func remote<A: Sendable, B: Sendable, Result: Sendable>(
        _ options: TaskOptions = TaskOptions(), _ body: @escaping @Sendable (A, B) throws -> Result
    ) throws(RuntimeError) -> RemoteFunction<(A, B), Result> {
        RemoteFunction(runtime: self, shape: try dispatcher.shape(for: options)) { try body($0.0, $0.1) }
    }

    /// A remote function of three arguments.
    public func remote<A: Sendable, B: Sendable, C: Sendable, Result: Sendable>(
        _ options: TaskOptions = TaskOptions(), _ body: @escaping @Sendable (A, B, C) throws -> Result
    ) throws(RuntimeError) -> RemoteFunction<(A, B, C), Result> {
        RemoteFunction(runtime: self, shape: try dispatcher.shape(for: options)) { try body($0.0, $0.1, $0.2) }
    }

    /// A remote function of four arguments.
    public func remote<A: Sendable, B: Sendable, C: Sendable, D: Sendable, Result: Sendable>(
        _ options: TaskOptions = TaskOptions(), _ body: @escaping @Sendable (A, B, C, D) throws -> Result
    ) throws(RuntimeError) -> RemoteFunction<(A, B, C, D), Result> {
        RemoteFunction(runtime: self, shape: try dispatcher.shape(for: options)) { try body($0.0, $0.1, $0.2, $0.3) }
    }

    // MARK: numReturns

    /// A remote function of no arguments returning `numReturns` values (one ref each).
    public func remote<Element: Sendable>(
        numReturns: Int, _ options: TaskOptions = TaskOptions(), _ body: @escaping @Sendable () throws -> [Element]
    ) throws(RuntimeError) -> MultipleReturnFunction<Void, Element> {
        try Self.check(numReturns: numReturns)
        return MultipleReturnFunction(
            runtime: self, shape: try dispatcher.shape(for: options), numReturns: numReturns, body: body)
    }

    /// A remote function of one argument returning `numReturns` values.
    public func remote<A: Sendable, Element: Sendable>(
        numReturns: Int, _ options: TaskOptions = TaskOptions(), _ body: @escaping @Sendable (A) throws -> [Element]
    ) throws(RuntimeError) -> MultipleReturnFunction<A, Element> {
        try Self.check(numReturns: numReturns)
        return MultipleReturnFunction(
            runtime: self, shape: try dispatcher.shape(for: options), numReturns: numReturns, body: body)
    }

    /// A remote function of two arguments returning `numReturns` values.
    public func remote<A: Sendable, B: Sendable, Element: Sendable>(
        numReturns: Int, _ options: TaskOptions = TaskOptions(), _ body: @escaping @Sendable (A, B) throws -> [Element]
    ) throws(RuntimeError) -> MultipleReturnFunction<(A, B), Element> {
        try Self.check(numReturns: numReturns)
        return MultipleReturnFunction(
            runtime: self, shape: try dispatcher.shape(for: options), numReturns: numReturns) { try body($0.0, $0.1) }
    }

    private static func check(numReturns: Int) throws(RuntimeError) {
        guard numReturns >= 0 else {
            throw .invalidOption(name: "numReturns", value: "\(numReturns)", reason: "must be >= 0")
        }
    }
}
