import Glibc

/// The tasks running on the calling thread, innermost last: a worker that waits in a get runs
/// other tasks meanwhile, so one thread may have several frames. The runtime context, the
/// cancellation check and the blocked-wait protocol read the innermost frame.
///
/// One instance per thread, reached through a thread-local key (and used through it without
/// retaining it); used only by its thread (not thread-safe, and never shared).
final class TaskFrames {
    /// One running task. Immutable; thread-safe (its references are to thread-safe objects).
    struct Frame: @unchecked Sendable {
        let task: TaskRecord
        /// The lease it runs on (nil for an actor's call).
        let lease: Lease?
        /// The actor whose call it is, if any.
        let actor: ActorCore?
        /// The runtime's identity (frames of another runtime are ignored).
        let runtime: ObjectIdentifier
    }

    /// A frame on this thread, its objects held unretained: the code that pushes it keeps the
    /// task, lease and actor alive until it pops it (a strong frame cost a retain and a release
    /// of each, per task, on objects the submitting thread touches too).
    private struct ThreadFrame {
        unowned(unsafe) let task: TaskRecord
        unowned(unsafe) let lease: Lease?
        unowned(unsafe) let actor: ActorCore?
        let runtime: ObjectIdentifier
    }

    /// The frames, innermost last: a stack in memory of its own, grown by doubling. A Swift
    /// array checked its buffer's uniqueness and ended a mutation at every push and pop, about a
    /// tenth of what a lease's runner did around each task.
    @exclusivity(unchecked) private var stack: UnsafeMutablePointer<ThreadFrame>
    @exclusivity(unchecked) private var capacity = 4
    @exclusivity(unchecked) private var depth = 0

    private init() { stack = .allocate(capacity: capacity) }

    deinit {
        stack.deinitialize(count: depth)
        stack.deallocate()
    }

    @inline(__always)
    private func push(_ frame: ThreadFrame) {
        if depth == capacity { grow() }
        (stack + depth).initialize(to: frame)
        depth &+= 1
    }

    @inline(__always)
    private func pop() {
        depth &-= 1
        (stack + depth).deinitialize(count: 1)
    }

    /// The innermost frame, if any.
    private var innermost: ThreadFrame? { depth > 0 ? stack[depth &- 1] : nil }

    @inline(never)
    private func grow() {
        let larger = UnsafeMutablePointer<ThreadFrame>.allocate(capacity: capacity * 2)
        larger.moveInitialize(from: stack, count: depth)
        stack.deallocate()
        stack = larger
        capacity *= 2
    }

    private static let key = ThreadOwnedKey.make()

    /// Runs `body` with the calling thread's frames (made on first use), touching no reference
    /// count: the thread's key holds them.
    @inline(__always)
    private static func withCurrent<R>(_ body: (TaskFrames) throws -> R) rethrows -> R {
        if let pointer = pthread_getspecific(key) {
            return try Unmanaged<TaskFrames>.fromOpaque(pointer)._withUnsafeGuaranteedRef(body)
        }
        let frames = TaskFrames()
        pthread_setspecific(key, Unmanaged.passRetained(frames).toOpaque())
        return try body(frames)
    }

    /// The calling thread's frames (made on first use), unretained: the thread's key holds them
    /// until the thread ends. For a runner that runs many calls in a row on one thread
    /// (``CallRunnerThread``).
    static func ofCurrentThread() -> Unmanaged<TaskFrames> {
        withCurrent { Unmanaged.passUnretained($0) }
    }

    /// Runs `body` as the innermost frame of `frames`, the calling thread's (from
    /// ``ofCurrentThread()``): `task` (on `lease`, or a call of `actor`) of the runtime
    /// `runtime`. The caller keeps them alive meanwhile.
    @inline(__always)
    static func running<R>(
        on frames: Unmanaged<TaskFrames>, _ task: TaskRecord, lease: Lease?, actor: ActorCore?, runtime: ObjectIdentifier,
        _ body: () throws -> R
    ) rethrows -> R {
        frames._withUnsafeGuaranteedRef {
            $0.push(ThreadFrame(task: task, lease: lease, actor: actor, runtime: runtime))
        }
        defer { frames._withUnsafeGuaranteedRef { $0.pop() } }
        return try body()
    }

    /// The innermost frame on the calling thread if it is `runtime`'s, retained (its objects are
    /// alive: they are running on this thread).
    private static func innermostOnThread(of runtime: ObjectIdentifier) -> Frame? {
        guard let pointer = pthread_getspecific(key) else { return nil }
        return Unmanaged<TaskFrames>.fromOpaque(pointer)._withUnsafeGuaranteedRef { frames in
            guard let frame = frames.innermost, frame.runtime == runtime else { return nil }
            return Frame(task: frame.task, lease: frame.lease, actor: frame.actor, runtime: frame.runtime)
        }
    }

    /// The frame of the async task or async actor call whose Swift `Task` is running: its body
    /// may resume on any worker, whose thread frames belong to whatever that worker runs, so an
    /// async body carries its frame as a task-local value instead.
    @TaskLocal static var asyncFrame: Frame?

    /// The slot of the lane worker (an async actor's, see ActorCore+LaneWorkers.swift) whose
    /// `Task` is running: set once per worker, its frame changed per call (a task-local value
    /// per call would cost a push, a pop and their executor checks on every call). A `Task`
    /// that a call starts inherits the slot, and reads whatever call the worker runs then.
    @TaskLocal static var laneWorkerSlot: FrameSlot?

    /// The frame of the call a lane worker runs now, if any, held unretained: the worker keeps
    /// the call and the actor alive until it clears the slot, and a reader takes its references
    /// under the slot's lock. Thread-safe (under a lock: the worker writes it, `Task`s its calls
    /// started may read it).
    final class FrameSlot: @unchecked Sendable {
        private struct Entry {
            unowned(unsafe) let task: TaskRecord
            unowned(unsafe) let actor: ActorCore
            let runtime: ObjectIdentifier
        }

        private let slot = SpinLocked<Entry?>(nil)

        /// The call's frame, retained.
        var frame: Frame? {
            slot.withLock { entry in
                entry.map { Frame(task: $0.task, lease: nil, actor: $0.actor, runtime: $0.runtime) }
            }
        }

        /// Makes `task`, a call of `actor`, the slot's frame until ``clear()``.
        func set(_ task: TaskRecord, actor: ActorCore, runtime: ObjectIdentifier) {
            slot.withLock { $0 = Entry(task: task, actor: actor, runtime: runtime) }
        }

        /// Empties the slot (before the worker lets go of the call).
        func clear() { slot.withLock { $0 = nil } }
    }

    /// The innermost frame of `runtime`'s tasks: the running async body's, else the innermost
    /// one on the calling thread.
    static func innermost(of runtime: ObjectIdentifier) -> Frame? {
        if let frame = asyncFrame ?? laneWorkerSlot?.frame { return frame.runtime == runtime ? frame : nil }
        return innermostOnThread(of: runtime)
    }
}
