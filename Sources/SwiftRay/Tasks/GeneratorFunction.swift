/// A streaming generator (Ray's `num_returns="streaming"`): a remote function whose body yields
/// values into a ``GeneratorSink``; each call returns an ``ObjectRefStream`` at once, and every
/// yielded value becomes its own ref in that stream, readable before the task ends, in yield
/// order. Make one with ``RayRuntime/generator(_:backpressureNumObjects:_:)-swift.method``.
///
/// Arguments as for ``RemoteFunction`` (each a value or a ref of it). A body that throws ends
/// the stream with one ref failing with ``RayTaskError`` after the values yielded before it.
/// Retries (``TaskOptions/maxRetries`` with ``TaskOptions/retryExceptions``) run the body again
/// from the start and skip the yields the stream already has, as Ray does: the body should
/// yield the same values in the same order each time.
///
/// Back-pressure and helping workers: a worker that waits runs other jobs on its own stack. If
/// a task that consumes the stream blocks on a worker and that worker then runs the generator,
/// the generator's yields do not wait for that consumer (it lies below them on the stack and
/// cannot take a ref before the generator returns): the generator runs past its limit instead
/// of deadlocking. The converse, a consumer task started on the worker of a generator paused by
/// back-pressure, cannot be undone that way: with back-pressure, consume streams from the
/// driver or from async code (``ObjectRefStream`` is an `AsyncSequence`) where possible.
///
/// A plain value; thread-safe.
public struct GeneratorFunction<Arguments, Element: Sendable>: Sendable {
    let runtime: RayRuntime
    let shape: TaskShape
    let body: @Sendable (Arguments, GeneratorSink<Element>) throws -> Void
    /// Unconsumed refs at which a yield waits (Ray's `_generator_backpressure_num_objects`);
    /// -1: no limit.
    public let backpressureNumObjects: Int
    /// The name of the function's tasks.
    public var name: String { shape.options.name ?? "generator" }
    /// The options its calls run with.
    public var options: TaskOptions { shape.options }

    init(
        runtime: RayRuntime, shape: TaskShape, backpressureNumObjects: Int,
        body: @escaping @Sendable (Arguments, GeneratorSink<Element>) throws -> Void
    ) {
        self.runtime = runtime
        self.shape = shape
        self.backpressureNumObjects = backpressureNumObjects
        self.body = body
    }

    /// The same generator with other options (Ray's `f.options(...)`).
    public func options(_ options: TaskOptions) throws(RuntimeError) -> GeneratorFunction {
        GeneratorFunction(
            runtime: runtime, shape: try runtime.dispatcher.shape(for: options),
            backpressureNumObjects: backpressureNumObjects, body: body)
    }

    /// The same generator with another back-pressure limit (-1: none).
    public func backpressure(numObjects: Int) throws(RuntimeError) -> GeneratorFunction {
        try RayRuntime.check(backpressureNumObjects: numObjects)
        return GeneratorFunction(runtime: runtime, shape: shape, backpressureNumObjects: numObjects, body: body)
    }

    /// Submits one call whose `arguments` must be ready first; `invoke` then reads them and runs
    /// the body with the attempt's sink.
    func submit(
        arguments: [AnyObjectRef], _ invoke: @escaping @Sendable (GeneratorSink<Element>) throws -> Void
    ) throws(RuntimeError) -> ObjectRefStream<Element> {
        if runtime.isShutDown { throw .shutDown }
        let id = runtime.nextTaskID()
        let channel = GeneratorChannel<Element>(
            store: runtime.store, limit: backpressureNumObjects > 0 ? backpressureNumObjects : nil, taskID: id,
            taskName: name)
        let task = GeneratorTask(
            taskID: id, store: runtime.store, shape: shape, arguments: arguments, channel: channel, body: invoke)
        channel.attach(task)
        let stream = ObjectRefStream(channel: channel, runtime: runtime)
        try runtime.submit(task)
        return stream
    }
}

/// A streaming generator's task: runs the body with a fresh ``GeneratorSink`` per attempt and
/// ends the stream when the body returns (or fails it with what the task failed with).
/// Thread safety as for ``TaskRecord``; its channel is thread-safe.
final class GeneratorTask<Element: Sendable>: AnyObjectRef, @unchecked Sendable {
    override class var unnamedTaskName: String { "generator" }

    /// Keeps ``TaskRecord/shape`` alive.
    private let shapeOwner: TaskShape
    private let body: @Sendable (GeneratorSink<Element>) throws -> Void
    let channel: GeneratorChannel<Element>

    init(
        taskID: TaskID, store: ObjectStore, shape: borrowing TaskShape, arguments: [AnyObjectRef],
        channel: GeneratorChannel<Element>, body: @escaping @Sendable (GeneratorSink<Element>) throws -> Void
    ) {
        shapeOwner = copy shape
        self.body = body
        self.channel = channel
        super.init(
            id: .callRecord(in: store), store: store, domain: 0, kind: .callRecord, taskID: taskID,
            shape: Unmanaged.passUnretained(shapeOwner),
            arguments: arguments, releasesInputsAtEnd: false)
    }

    override func runBody() throws {
        try body(GeneratorSink(channel: channel))
        if cancelled.load(ordering: .acquiring) { throw TaskCancelled(taskID: taskID, taskName: name) }
        channel.finish(failing: nil)
        taskState.store(.finished, ordering: .releasing)
    }

    override func failReturns(with error: any Error) {
        channel.finish(failing: error)
    }

    override func cancellationRequested() {
        channel.cancel()
    }
}
