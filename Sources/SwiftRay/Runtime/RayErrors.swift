/// A task threw: what every get of its refs throws (Ray's `RayTaskError`). It carries the
/// original error, which stays matchable by type (`error.cause as? MyError`, or
/// ``cause(as:)``), the name and id of the task that threw it, and the chain of tasks the
/// error passed through on its way here (a dependent task whose argument failed, a task that
/// rethrew a failed get), innermost first. A plain value; thread-safe.
public struct RayTaskError: Error, Sendable, CustomStringConvertible {
    /// The error the innermost task threw.
    public let cause: any Error
    /// The task that threw `cause`.
    public let taskName: String
    /// That task's id.
    public let taskID: TaskID
    /// The tasks the error passed through after it was thrown, innermost first (their names).
    public let chain: [String]

    init(cause: any Error, taskName: String, taskID: TaskID, chain: [String] = []) {
        self.cause = cause
        self.taskName = taskName
        self.taskID = taskID
        self.chain = chain
    }

    /// The original error as `type`, or nil when it is of another type.
    public func cause<E: Error>(as type: E.Type) -> E? { cause as? E }

    /// The same error, one more task further along the chain.
    func passing(through name: String) -> RayTaskError {
        RayTaskError(cause: cause, taskName: taskName, taskID: taskID, chain: chain + [name])
    }

    /// `error` as a task named `name` (id `id`) reports it: a ``RayTaskError`` coming from an
    /// inner task (or a failed argument) gains a link, anything else becomes the cause.
    static func wrapping(_ error: any Error, task name: String, id: TaskID) -> RayTaskError {
        if let inner = error as? RayTaskError { return inner.passing(through: name) }
        return RayTaskError(cause: error, taskName: name, taskID: id)
    }

    public var description: String {
        let path = chain.isEmpty ? "" : " (then through \(chain.joined(separator: " -> ")))"
        return "RayTaskError: task '\(taskName)' (\(taskID)) threw \(String(reflecting: cause))\(path)"
    }
}

/// The task that produces a ref was cancelled (Ray's `TaskCancelledError`): what a get of its
/// refs throws. A plain value; thread-safe.
public struct TaskCancelled: Error, Sendable, Hashable, CustomStringConvertible {
    /// The cancelled task.
    public let taskID: TaskID
    /// Its name.
    public let taskName: String

    @usableFromInline
    init(taskID: TaskID, taskName: String) {
        self.taskID = taskID
        self.taskName = taskName
    }

    public var description: String { "TaskCancelled: task '\(taskName)' (\(taskID)) was cancelled" }
}

/// The scheduler can never run the task (Ray's `TaskUnschedulableError`): hard affinity to a
/// node that does not exist or can never fit it, a placement group that was removed. A plain
/// value; thread-safe.
public struct TaskUnschedulable: Error, Sendable, CustomStringConvertible {
    /// The task.
    public let taskName: String
    /// Why, naming the node, group or request.
    public let reason: SchedulingError

    public var description: String { "TaskUnschedulable: task '\(taskName)' cannot be scheduled: \(reason)" }
}

/// What the runtime refuses: bad options, a runtime that is shut down, a mismatch between what a
/// function declares and what it returns. Each case names the value. A plain value; thread-safe.
public enum RuntimeError: Error, Sendable, CustomStringConvertible {
    /// The runtime was shut down; nothing more can be submitted, put or read.
    case shutDown
    /// An option of `ray.init`, a task or an actor is invalid.
    case invalidOption(name: String, value: String, reason: String)
    /// A resource quantity or name is invalid.
    case invalidResource(ResourceError)
    /// The scheduler refused the request (unknown node or group, bad bundle index...).
    case scheduling(SchedulingError)
    /// A function declared `numReturns` values but returned `returned` (Ray's ValueError).
    case numReturnsMismatch(task: String, declared: Int, returned: Int)
    /// The topology could not be loaded or the executor could not start.
    case startFailed(String)

    public var description: String {
        switch self {
        case .shutDown:
            "the runtime is shut down"
        case let .invalidOption(name, value, reason):
            "invalid option \(name) = \(value): \(reason)"
        case let .invalidResource(error):
            "invalid resource: \(error)"
        case let .scheduling(error):
            "scheduling: \(error)"
        case let .numReturnsMismatch(task, declared, returned):
            "task '\(task)' declared numReturns = \(declared) but returned \(returned) values"
        case let .startFailed(reason):
            "the runtime could not start: \(reason)"
        }
    }
}
