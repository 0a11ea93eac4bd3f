/// Defining streaming generators (Ray's `num_returns="streaming"`): a closure of 0 to 4
/// arguments plus a ``GeneratorSink`` becomes a ``GeneratorFunction``; each call returns an
/// ``ObjectRefStream`` of the values the body yields.
///
/// `backpressureNumObjects` is Ray's `_generator_backpressure_num_objects`: -1 (the default,
/// as in Ray) never pauses; n > 0 makes a yield wait while n yielded refs are not yet taken
/// from the stream, so the generator runs at most n objects ahead of its consumer. (Ray pauses
/// right after the yield that reaches n; here the next yield waits, which keeps the same bound
/// and lets the body compute its next value meanwhile, and lets a body whose last yield reaches
/// n return.)
extension RayRuntime {
    /// A generator of no arguments. Throws ``RuntimeError`` for invalid options.
    public func generator<Element: Sendable>(
        _ options: TaskOptions = TaskOptions(), backpressureNumObjects: Int = -1,
        _ body: @escaping @Sendable (GeneratorSink<Element>) throws -> Void
    ) throws(RuntimeError) -> GeneratorFunction<Void, Element> {
        try Self.check(backpressureNumObjects: backpressureNumObjects)
        return GeneratorFunction(
            runtime: self, shape: try dispatcher.shape(for: options), backpressureNumObjects: backpressureNumObjects
        ) { _, sink in try body(sink) }
    }

    /// A generator of one argument.
    public func generator<A: Sendable, Element: Sendable>(
        _ options: TaskOptions = TaskOptions(), backpressureNumObjects: Int = -1,
        _ body: @escaping @Sendable (A, GeneratorSink<Element>) throws -> Void
    ) throws(RuntimeError) -> GeneratorFunction<A, Element> {
        try Self.check(backpressureNumObjects: backpressureNumObjects)
        return GeneratorFunction(
            runtime: self, shape: try dispatcher.shape(for: options), backpressureNumObjects: backpressureNumObjects,
            body: body)
    }

    /// A generator of two arguments.
    public func generator<A: Sendable, B: Sendable, Element: Sendable>(
        _ options: TaskOptions = TaskOptions(), backpressureNumObjects: Int = -1,
        _ body: @escaping @Sendable (A, B, GeneratorSink<Element>) throws -> Void
    ) throws(RuntimeError) -> GeneratorFunction<(A, B), Element> {
        try Self.check(backpressureNumObjects: backpressureNumObjects)
        return GeneratorFunction(
            runtime: self, shape: try dispatcher.shape(for: options), backpressureNumObjects: backpressureNumObjects
        ) { try body($0.0, $0.1, $1) }
    }

    /// A generator of three arguments.
    public func generator<A: Sendable, B: Sendable, C: Sendable, Element: Sendable>(
        _ options: TaskOptions = TaskOptions(), backpressureNumObjects: Int = -1,
        _ body: @escaping @Sendable (A, B, C, GeneratorSink<Element>) throws -> Void
    ) throws(RuntimeError) -> GeneratorFunction<(A, B, C), Element> {
        try Self.check(backpressureNumObjects: backpressureNumObjects)
        return GeneratorFunction(
            runtime: self, shape: try dispatcher.shape(for: options), backpressureNumObjects: backpressureNumObjects
        ) { try body($0.0, $0.1, $0.2, $1) }
    }

    /// A generator of four arguments.
    public func generator<A: Sendable, B: Sendable, C: Sendable, D: Sendable, Element: Sendable>(
        _ options: TaskOptions = TaskOptions(), backpressureNumObjects: Int = -1,
        _ body: @escaping @Sendable (A, B, C, D, GeneratorSink<Element>) throws -> Void
    ) throws(RuntimeError) -> GeneratorFunction<(A, B, C, D), Element> {
        try Self.check(backpressureNumObjects: backpressureNumObjects)
        return GeneratorFunction(
            runtime: self, shape: try dispatcher.shape(for: options), backpressureNumObjects: backpressureNumObjects
        ) { try body($0.0, $0.1, $0.2, $0.3, $1) }
    }

    /// Cancels a streaming generator (Ray's `ray.cancel` of its generator): see
    /// ``ObjectRefStream/cancel()``. Returns false when the stream had ended already; throws
    /// for a stream of another runtime.
    @discardableResult
    public func cancel<Value>(_ stream: ObjectRefStream<Value>) throws(RuntimeError) -> Bool {
        if stream.runtime !== self {
            throw .invalidOption(name: "stream", value: "\(stream.taskID)", reason: "belongs to another runtime")
        }
        return stream.cancel()
    }

    /// -1 (no limit) or a positive count.
    static func check(backpressureNumObjects: Int) throws(RuntimeError) {
        guard backpressureNumObjects == -1 || backpressureNumObjects > 0 else {
            throw .invalidOption(
                name: "backpressureNumObjects", value: "\(backpressureNumObjects)", reason: "must be -1 (no limit) or > 0")
        }
    }
}
