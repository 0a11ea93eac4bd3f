/// A remote function whose body is `async`: what `ray.remote { (x: Int) async throws -> R in
/// ... }` makes. Calling it with ``remote()`` (or `remote(a, b, ...)`, each argument a value or
/// an ``ObjectRef`` of it, as for ``RemoteFunction``) submits a task and returns an
/// ``ObjectRef`` to its result at once.
///
/// Each attempt of the task runs its body as a Swift `Task` whose executor preference is the
/// leased node's ``DomainExecutor``: the body starts and resumes only on that domain's workers.
/// The lease (the task's CPUs, GPUs...) is held until the body returns; the worker that runs the
/// lease runs other jobs while it waits for the body (it never blocks its thread).
///
/// Inside the body, `try await ref.value` and `await ray.wait(...)` suspend without holding a
/// thread; check cancellation with `Task.isCancelled` / `Task.checkCancellation()`
/// (``RayRuntime/cancel(_:)`` cancels the Swift `Task`); `ray.isCancelled` and
/// `ray.runtimeContext` work too (the body carries its task as a task-local value, wherever it
/// resumes). Errors and retries are as for sync tasks.
///
/// A plain value; thread-safe.
public struct AsyncRemoteFunction<Arguments, Result: Sendable>: Sendable {
    let runtime: RayRuntime
    let shape: TaskShape
    let body: @Sendable (Arguments) async throws -> Result
    /// The name of the function's tasks.
    public var name: String { shape.options.name ?? "remote function" }
    /// The options its calls run with.
    public var options: TaskOptions { shape.options }

    init(runtime: RayRuntime, shape: TaskShape, body: @escaping @Sendable (Arguments) async throws -> Result) {
        self.runtime = runtime
        self.shape = shape
        self.body = body
    }

    /// The same function with other options (Ray's `f.options(...)`). Throws
    /// ``RuntimeError`` for invalid quantities or strategies.
    public func options(_ options: TaskOptions) throws(RuntimeError) -> AsyncRemoteFunction {
        AsyncRemoteFunction(runtime: runtime, shape: try runtime.dispatcher.shape(for: options), body: body)
    }

    /// Submits one call whose `arguments` (the entries of the refs passed) must be ready first;
    /// `invoke` then reads them and runs the body.
    func submit(
        arguments: [AnyObjectRef], _ invoke: @escaping @Sendable () async throws -> Result
    ) throws(RuntimeError) -> ObjectRef<Result> {
        let task = try runtime.makeCall { id, taskID, domain, store in
            AsyncSingleReturnTask(
                id: id, store: store, domain: domain, taskID: taskID, shape: shape,
                arguments: arguments, dispatcher: runtime.dispatcher, body: invoke)
        }
        try runtime.submit(task)
        return task
    }
}
