/// A function that runs as a task: what Ray's `@ray.remote` makes of a Python function. Calling
/// it with ``remote()`` (or `remote(a, b, ...)`) submits a task and returns an
/// ``ObjectRef`` to its result at once.
///
/// `Arguments` is the function's parameter list as one type: `Void`, `A`, `(A, B)`,
/// `(A, B, C)` or `(A, B, C, D)`. Each argument may be passed as a value or as an
/// `ObjectRef` of that value, in any mix: a ref is resolved first (the task starts only when
/// the value exists and receives the value itself). A parameter whose type is an `ObjectRef`
/// receives the ref unresolved, as Ray passes refs nested inside other values.
///
/// Make one with ``RayRuntime/remote(_:_:)-swift.method`` (the overload matching the closure's
/// arity); change options per call with ``options(_:)``. A plain value; thread-safe.
public struct RemoteFunction<Arguments, Result: Sendable>: Sendable {
    @usableFromInline let runtime: RayRuntime
    @usableFromInline let shape: TaskShape
    @usableFromInline let body: @Sendable (Arguments) throws -> Result
    /// For a function of no arguments, its body as it is: a call then needs no closure around it
    /// (one allocation fewer per task).
    @usableFromInline let bodyWithoutArguments: (@Sendable () throws -> Result)?
    /// The name of the function's tasks.
    public var name: String { shape.options.name ?? "remote function" }
    /// The options its calls run with.
    public var options: TaskOptions { shape.options }

    init(
        runtime: RayRuntime, shape: TaskShape, body: @escaping @Sendable (Arguments) throws -> Result,
        bodyWithoutArguments: (@Sendable () throws -> Result)? = nil
    ) {
        self.runtime = runtime
        self.shape = shape
        self.body = body
        self.bodyWithoutArguments = bodyWithoutArguments
    }

    /// The same function with other options (Ray's `f.options(...)`). Throws
    /// ``RuntimeError`` for invalid quantities or strategies.
    public func options(_ options: TaskOptions) throws(RuntimeError) -> RemoteFunction {
        RemoteFunction(
            runtime: runtime, shape: try runtime.dispatcher.shape(for: options), body: body,
            bodyWithoutArguments: bodyWithoutArguments)
    }

    /// Submits one call whose `arguments` (the entries of the refs passed) must be ready first;
    /// `invoke` then reads them and runs the body. Inlinable down to the task's and the
    /// entry's initializers: specialized in the caller's module, a call looks no generic
    /// metadata up at run time.
    @inlinable
    func submit(
        arguments: [AnyObjectRef], _ invoke: consuming @escaping @Sendable () throws -> Result
    ) throws(RuntimeError) -> ObjectRef<Result> {
        let task = try runtime.makeCall { id, taskID, domain, store in
            SingleReturnTask(
                id: id, store: store, domain: domain, taskID: taskID, shape: shape,
                arguments: arguments, body: copy invoke,
                releasesInputsAtEnd: TaskRecord.releasesInputs(arguments: arguments, values: Arguments.self))
        }
        try runtime.submit(task)
        return task
    }
}

/// A remote function declared with `numReturns`: its body returns an array of exactly
/// `numReturns` values and each call returns that many refs, one per value (Ray's
/// `num_returns`). A body returning another count fails every ref of the call with a
/// ``RayTaskError`` whose cause is ``RuntimeError/numReturnsMismatch(task:declared:returned:)``.
/// Arguments as for ``RemoteFunction``. A plain value; thread-safe.
public struct MultipleReturnFunction<Arguments, Element: Sendable>: Sendable {
    let runtime: RayRuntime
    let shape: TaskShape
    let body: @Sendable (Arguments) throws -> [Element]
    /// How many refs each call returns.
    public let numReturns: Int
    /// The name of the function's tasks.
    public var name: String { shape.options.name ?? "remote function" }

    init(runtime: RayRuntime, shape: TaskShape, numReturns: Int, body: @escaping @Sendable (Arguments) throws -> [Element]) {
        self.runtime = runtime
        self.shape = shape
        self.numReturns = numReturns
        self.body = body
    }

    /// The same function with other options.
    public func options(_ options: TaskOptions) throws(RuntimeError) -> MultipleReturnFunction {
        MultipleReturnFunction(
            runtime: runtime, shape: try runtime.dispatcher.shape(for: options), numReturns: numReturns, body: body)
    }

    @inline(__always)
    func submit(
        arguments: [AnyObjectRef], _ invoke: @escaping @Sendable () throws -> [Element]
    ) throws(RuntimeError) -> [ObjectRef<Element>] {
        var outputs: [ObjectRef<Element>] = []
        outputs.reserveCapacity(numReturns)
        do {
            for _ in 0..<numReturns { outputs.append(try runtime.store.makePending(of: Element.self)) }
        } catch {
            for output in outputs { try? runtime.store.fail(output, with: RuntimeError.shutDown) }
            throw .shutDown
        }
        let task = MultipleReturnTask(
            taskID: runtime.nextTaskID(), store: runtime.store, shape: shape, arguments: arguments,
            outputs: outputs, body: invoke)
        for output in outputs { output.setProducer(task) }
        try runtime.submit(task)
        return outputs
    }
}

extension ObjectRef {
    /// The value of a ref whose object is known to be complete (a resolved task argument):
    /// the value, or the producer's error.
    @inlinable
    func resolvedValue() throws -> Value {
        guard let value = try result() else { throw ObjectStoreError.unknownObject(id) }
        return value
    }
}
