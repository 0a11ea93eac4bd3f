/// What a runner of calls or tasks (``ActorRunner``, ``LeaseRunner``) looks up once per
/// execution instead of once per run: its thread's task frames and, when its calls record
/// events, its way into the event log (``TaskEventWriter``). Each is a thread-local lookup
/// behind a lazily made key (a `swift_once` and a `pthread_getspecific`), and a run took six:
/// two for its frame, four for its two events. Without them a lease's runner ran `single client
/// tasks async` 1.17x as fast; an actor's runner, together with longer gathering
/// (ActorCore+Batches.swift), `1:1 actor calls async` 1.14x (BENCHMARKS.md, twenty-sixth
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
