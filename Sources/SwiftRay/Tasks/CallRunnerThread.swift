/// What a runner of calls or tasks (``ActorRunner``, ``LeaseRunner``) looks up once per
/// execution instead of once per run: its thread's task frames and, when its calls record
/// events, its way into the event log (``TaskEventWriter``). Each is a thread-local lookup
/// behind a lazily made key, and a run took four of them: with them gone, `1:1 actor calls
/// async` and `single client tasks async` ran 1.05-1.17x faster (BENCHMARKS.md, twenty-sixth
/// sitting).
///
/// Made on the runner's thread for the calls it runs there, all of one shape (an actor's
/// calls, or the tasks of one lease queue), whose event log it follows; valid while the
/// runner runs. Not thread-safe: one thread's value.
struct CallRunnerThread {
    /// The thread's frames (held by the thread's key).
    let frames: Unmanaged<TaskFrames>
    /// Where the calls' events go; nil when their shape records none.
    let events: TaskEventWriter?

    /// The calling thread's, for calls of `shape`.
    init(shape: TaskShape) {
        frames = TaskFrames.ofCurrentThread()
        events = shape.eventLog?._withUnsafeGuaranteedRef { $0.writerForCurrentThread() }
    }
}
