import Glibc

/// The tasks running on the calling thread, innermost last: a worker that waits in a get runs
/// other tasks meanwhile, so one thread may have several frames. The runtime context, the
/// cancellation check and the blocked-wait protocol read the innermost frame.
///
/// One instance per thread, reached through a thread-local key; used only by its thread (not
/// thread-safe, and never shared).
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

    private(set) var frames: [Frame] = []

    private init() { frames.reserveCapacity(4) }

    private static let key = ThreadOwnedKey.make()

    /// The calling thread's frames, made on first use.
    @inline(__always)
    static var current: TaskFrames {
        if let pointer = pthread_getspecific(key) {
            return Unmanaged<TaskFrames>.fromOpaque(pointer).takeUnretainedValue()
        }
        let frames = TaskFrames()
        pthread_setspecific(key, Unmanaged.passRetained(frames).toOpaque())
        return frames
    }

    /// The calling thread's frames if it ever ran a task, without making them.
    @inline(__always)
    static var existing: TaskFrames? {
        guard let pointer = pthread_getspecific(key) else { return nil }
        return Unmanaged<TaskFrames>.fromOpaque(pointer).takeUnretainedValue()
    }

    @inline(__always)
    func push(_ frame: Frame) { frames.append(frame) }

    @inline(__always)
    func pop() { frames.removeLast() }

    /// The frame of the async task or async actor call whose Swift `Task` is running: its body
    /// may resume on any worker, whose thread frames belong to whatever that worker runs, so an
    /// async body carries its frame as a task-local value instead.
    @TaskLocal static var asyncFrame: Frame?

    /// The slot of the lane worker (an async actor's, see ActorCore+LaneWorkers.swift) whose
    /// `Task` is running: set once per worker, its frame changed per call (a task-local value
    /// per call would cost a push, a pop and their executor checks on every call). A `Task`
    /// that a call starts inherits the slot, and reads whatever call the worker runs then.
    @TaskLocal static var laneWorkerSlot: FrameSlot?

    /// The frame of the call a lane worker runs now, if any. Thread-safe (under a lock: the
    /// worker writes it, `Task`s its calls started may read it).
    final class FrameSlot: Sendable {
        private let slot = SpinLocked<Frame?>(nil)

        var frame: Frame? {
            get { slot.withLock { $0 } }
            set { slot.withLock { $0 = newValue } }
        }
    }

    /// The innermost frame of `runtime`'s tasks: the running async body's, else the innermost
    /// one on the calling thread.
    static func innermost(of runtime: ObjectIdentifier) -> Frame? {
        if let frame = asyncFrame ?? laneWorkerSlot?.frame { return frame.runtime == runtime ? frame : nil }
        guard let frame = existing?.frames.last, frame.runtime == runtime else { return nil }
        return frame
    }
}
