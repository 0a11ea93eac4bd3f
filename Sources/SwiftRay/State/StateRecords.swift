/// A task's or actor call's row in the state API (Ray's `ray list tasks`), folded from its
/// events. A plain value; thread-safe.
public struct TaskInfo: Sendable, Hashable {
    /// Ray's task states.
    public enum State: String, Sendable, Hashable, CaseIterable {
        case pendingArgsAvail = "PENDING_ARGS_AVAIL"
        case pendingNodeAssignment = "PENDING_NODE_ASSIGNMENT"
        case running = "RUNNING"
        case runningInRayGet = "RUNNING_IN_RAY_GET"
        case finished = "FINISHED"
        case failed = "FAILED"
    }

    public let taskID: TaskID
    /// The function's (or actor's) name; nil when its submission event was overwritten.
    public let name: String?
    public let state: State
    /// The actor whose call it is.
    public let actorID: TaskID?
    /// The domain of its latest run.
    public let nodeID: Int?
    /// The worker of its latest run (its index in the executor).
    public let workerIndex: Int?
    /// Runs started (retries included).
    public let attempts: Int
    /// The error of its latest failure.
    public let errorMessage: String?

    /// The fields filters match, by Ray's names.
    var fields: [String: String] {
        [
            "task_id": "\(taskID.rawValue)", "name": name ?? "", "state": state.rawValue,
            "actor_id": actorID.map { "\($0.rawValue)" } ?? "", "node_id": nodeID.map(String.init) ?? "",
            "type": actorID == nil ? "NORMAL_TASK" : "ACTOR_TASK",
        ]
    }
}

/// An actor's row in the state API (Ray's `ray list actors`). A plain value; thread-safe.
public struct ActorInfo: Sendable, Hashable {
    /// Ray's actor states.
    public enum State: String, Sendable, Hashable, CaseIterable {
        case pendingCreation = "PENDING_CREATION"
        case alive = "ALIVE"
        case restarting = "RESTARTING"
        case dead = "DEAD"
    }

    public let actorID: TaskID
    /// The class and id (or given name).
    public let className: String
    /// The name it can be looked up by.
    public let name: String?
    public let state: State
    public let nodeID: Int?
    /// Why it died.
    public let deathCause: String?
    public let restarts: Int
    /// Calls queued (in every concurrency group), not yet running.
    public let pendingCalls: Int

    var fields: [String: String] {
        [
            "actor_id": "\(actorID.rawValue)", "class_name": className, "name": name ?? "", "state": state.rawValue,
            "node_id": nodeID.map(String.init) ?? "",
        ]
    }
}

/// An object's row in the state API (Ray's `ray list objects` / `ray memory`). A plain value;
/// thread-safe.
public struct ObjectInfo: Sendable, Hashable {
    /// Where the object is in its life.
    public enum State: String, Sendable, Hashable, CaseIterable {
        case pending = "PENDING_CREATION"
        case ready = "SEALED"
        case failed = "FAILED"
    }

    public let objectID: ObjectID
    /// Bytes charged for it.
    public let sizeBytes: Int
    /// The domain whose memory holds it.
    public let nodeID: Int
    public let state: State
    /// Strong references to the object's ref (one instance per object): the program's, values
    /// containing the ref, and the runtime's own (a pending task holds its arguments and its
    /// result until it runs). A snapshot.
    public let referenceCount: Int
    /// Ray's reference type: a pending object is `USED_BY_PENDING_TASK`, else `LOCAL_REFERENCE`.
    public var referenceType: String { state == .pending ? "USED_BY_PENDING_TASK" : "LOCAL_REFERENCE" }

    var fields: [String: String] {
        [
            "object_id": "\(objectID)", "state": state.rawValue, "node_id": "\(nodeID)",
            "reference_type": referenceType,
        ]
    }
}

/// A filter of the state API, as Ray's `filters=[("state", "=", "RUNNING")]`. A plain value;
/// thread-safe.
public struct StateFilter: Sendable, Hashable {
    /// `=` or `!=`.
    public enum Predicate: String, Sendable, Hashable {
        case equal = "="
        case notEqual = "!="
    }

    public let key: String
    public let predicate: Predicate
    public let value: String

    /// `key predicate value`, as Ray's `(key, predicate, value)` tuple.
    public init(_ key: String, _ predicate: Predicate, _ value: String) {
        self.key = key
        self.predicate = predicate
        self.value = value
    }

    /// `key = value`.
    public init(_ key: String, _ value: String) { self.init(key, .equal, value) }

    func matches(_ fields: [String: String]) throws(StateError) -> Bool {
        guard let field = fields[key] else { throw .unknownFilterKey(key, valid: fields.keys.sorted()) }
        return (field == value) == (predicate == .equal)
    }
}

/// What the state API refuses. A plain value; thread-safe.
public enum StateError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A filter names a field the rows do not have.
    case unknownFilterKey(String, valid: [String])
    /// A limit below 1.
    case invalidLimit(Int)

    public var description: String {
        switch self {
        case let .unknownFilterKey(key, valid): "unknown filter key '\(key)' (valid keys: \(valid.joined(separator: ", ")))"
        case let .invalidLimit(limit): "invalid limit \(limit): must be >= 1"
        }
    }
}

/// A row of the state API: its fields by Ray's names, for filters. Implemented by the row types.
protocol StateRow {
    /// The names of the fields a filter may name.
    static var fieldNames: [String] { get }
    /// The row's fields as text.
    var fields: [String: String] { get }
}

extension TaskInfo: StateRow {
    static let fieldNames = ["task_id", "name", "state", "actor_id", "node_id", "type"]
}

extension ActorInfo: StateRow {
    static let fieldNames = ["actor_id", "class_name", "name", "state", "node_id"]
}

extension ObjectInfo: StateRow {
    static let fieldNames = ["object_id", "state", "node_id", "reference_type"]
}

/// Rows matching every filter, at most `limit`. Throws for a filter on an unknown field (even
/// when there are no rows) or a limit below 1.
func filtered<Row: StateRow>(_ rows: [Row], _ filters: [StateFilter], limit: Int?) throws(StateError) -> [Row] {
    if let limit, limit < 1 { throw .invalidLimit(limit) }
    for filter in filters where !Row.fieldNames.contains(filter.key) {
        throw .unknownFilterKey(filter.key, valid: Row.fieldNames.sorted())
    }
    var result: [Row] = []
    for row in rows {
        let rowFields = row.fields
        var keep = true
        for filter in filters where keep { keep = try filter.matches(rowFields) }
        if keep { result.append(row) }
        if let limit, result.count >= limit { break }
    }
    return result
}
