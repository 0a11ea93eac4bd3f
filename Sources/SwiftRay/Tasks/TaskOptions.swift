/// Which errors thrown by a task are retried (Ray's `retry_exceptions`): none (Ray's default),
/// all, or only errors of the listed types (matched exactly; a ``RayTaskError`` rethrown from an
/// inner task matches by its cause). A plain value; thread-safe.
public enum RetryExceptions: Sendable {
    /// Application errors are never retried.
    case never
    /// Every application error is retried, up to `maxRetries`.
    case always
    /// Errors of these types are retried, up to `maxRetries`.
    case only([any Error.Type])

    /// Whether `error` may be retried.
    func allows(_ error: any Error) -> Bool {
        switch self {
        case .never:
            return false
        case .always:
            return true
        case let .only(types):
            let thrown = (error as? RayTaskError)?.cause ?? error
            let identity = ObjectIdentifier(type(of: thrown))
            return types.contains { ObjectIdentifier($0) == identity }
        }
    }
}

/// The options of a remote function, as Ray's `@ray.remote(...)` and `.options(...)` take them:
/// resources (`num_cpus` 1 by default, `num_gpus`, `memory`, custom `resources`), the
/// scheduling strategy, a name, and retries. A plain value; thread-safe.
///
/// Quantities are checked when the function is defined or its options change: a negative, NaN or
/// infinite quantity, one that truncates to 0, a fractional GPU above 1 or CPU/GPU named among
/// the custom resources throw ``RuntimeError/invalidResource(_:)``.
public struct TaskOptions: Sendable {
    /// CPUs held while the task runs (Ray's `num_cpus`, default 1).
    public var numCPUs: Double
    /// GPUs held while it runs (Ray's `num_gpus`); fractions below 1 share a GPU.
    public var numGPUs: Double
    /// Bytes of `memory` resource held while it runs.
    public var memory: Double
    /// Custom resources held while it runs.
    public var resources: [String: Double]
    /// Where it may run; nil: DEFAULT, or the parent's placement group when the parent captures
    /// child tasks.
    public var schedulingStrategy: SchedulingStrategy?
    /// The name shown in errors, the state API and the timeline; nil: the function's name.
    public var name: String?
    /// How many times a failed attempt is run again (Ray's `max_retries`, default 3). In one
    /// process there are no worker crashes, so this bounds retries of the application errors that
    /// `retryExceptions` allows. -1: without limit.
    public var maxRetries: Int
    /// Which thrown errors are retried (Ray's `retry_exceptions`, default none).
    public var retryExceptions: RetryExceptions
    /// Whether its tasks appear in the state API and the timeline (Ray's `enable_task_events`);
    /// off saves recording three events per task.
    public var enableTaskEvents: Bool

    /// Options with Ray's defaults unless given.
    public init(
        numCPUs: Double = 1, numGPUs: Double = 0, memory: Double = 0, resources: [String: Double] = [:],
        schedulingStrategy: SchedulingStrategy? = nil, name: String? = nil, maxRetries: Int = 3,
        retryExceptions: RetryExceptions = .never, enableTaskEvents: Bool = true
    ) {
        self.enableTaskEvents = enableTaskEvents
        self.numCPUs = numCPUs
        self.numGPUs = numGPUs
        self.memory = memory
        self.resources = resources
        self.schedulingStrategy = schedulingStrategy
        self.name = name
        self.maxRetries = maxRetries
        self.retryExceptions = retryExceptions
    }

    /// The resources as the scheduler takes them; throws for invalid quantities.
    func resourceSet() throws(RuntimeError) -> ResourceSet {
        do {
            return try ResourceSet(cpus: numCPUs, gpus: numGPUs, memory: memory, resources: resources)
        } catch {
            throw .invalidResource(error)
        }
    }

    /// Checks everything that can be checked without the scheduler.
    func validate() throws(RuntimeError) {
        _ = try resourceSet()
        guard maxRetries >= -1 else {
            throw .invalidOption(name: "maxRetries", value: "\(maxRetries)", reason: "must be -1 (no limit) or >= 0")
        }
    }
}
