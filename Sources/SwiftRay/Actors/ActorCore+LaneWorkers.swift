/// The workers of an async actor: long-lived Swift `Task`s on a lane's ``ActorEventLoop``, each
/// taking the lane's calls one after another, so a call that does not suspend costs a lock and
/// an async function call, not a `Task` of its own.
///
/// # Design note: how many workers a lane has
///
/// Ray runs an async actor's calls as coroutines on one event loop: a call that reaches an
/// `await` lets the next call start, up to the lane's limit. Here every call runs inside a lane
/// worker, and a worker runs one call at a time; a lane needs a second worker only when a
/// call *suspends* while mail is waiting. The loop is serial, so that is visible at one place:
/// between the loop's jobs no worker is running, and a worker that is inside a call
/// (`running` counts it) has suspended. The loop's pump runs exactly there.
///
/// Under the actor's lock each lane counts its `workers` and its `running` calls; `workers -
/// running` are between calls, and each of those takes the lane's mail under the same lock
/// before it may end, so mail is never left with no worker coming for it:
/// - A submission asks for the pump (once until it runs: `pumpRequested`) only when no worker is
///   between calls and a slot is free; a worker taking a call does the same when mail is left.
/// - The pump starts one worker when, at that moment, still no worker is between calls, mail
///   waits and a slot is free. A worker that only ran (never suspended) gave the loop back by
///   ending or by yielding between calls, so the pump then finds it ended (and starts one) or
///   between calls (and starts none).
/// - A worker ends when no call can be taken (no mail, no free slot, or the actor is not alive);
///   with no call of the lane in flight it first waits a moment for more mail (default group),
///   as a runner of a threaded actor does. A restart's new instance asks for the pump again.
///
/// So a lane has at most `limit` workers, and at most one more than it has suspended calls.
///
/// Cancelling a running call cancels the `Task` of the worker that runs it: the worker then
/// ends after that call (a cancelled `Task` stays cancelled) and the pump starts another if
/// mail waits.
extension ActorCore {
    /// Calls an async actor's lane worker runs before it lets its event loop's other jobs go
    /// first (a threaded actor's runner ends its turns as RunnerTurn.swift says).
    static let callsPerTurn = 256

    /// The handle a worker needs to be cancelled with its call. Set by the pump right after the
    /// `Task` is made, before the `Task`'s first job can run: both run on the serial loop,
    /// which orders the write before the worker's read.
    final class LaneWorker: @unchecked Sendable {
        nonisolated(unsafe) var task: Swift.Task<Void, Never>?
    }

    /// What a worker does when it takes no call. The call itself is what
    /// ``nextCall(lane:endedCall:retiring:mayLinger:wantsPump:otherwise:)`` returns, not an
    /// enum payload: copied out of one, the call was retained twice, and those retains were the
    /// first touch of a line its caller had just written (about 6% of an async actor's worker
    /// in `1:n async-actor calls async`).
    private enum WorkerStep {
        /// No call now, none in flight: wait a moment for mail (the worker stays counted).
        case linger
        /// End (uncounted already); ask for the pump when `wantsPump`; end the actor for
        /// `endReason` (its last handle went and it is idle).
        case end(wantsPump: Bool, endReason: String?)
    }

    /// Whether `lane` needs another worker now: none is between calls, yet mail waits and a
    /// slot is free.
    static func needsWorker(_ lane: Lane) -> Bool {
        lane.workers == lane.running && lane.running < lane.limit && !lane.mailbox.isEmpty
    }

    /// Asks for a lane's pump if it needs a worker and none is requested already. Whether the
    /// caller must call `requestPump()`.
    static func claimPump(_ lane: inout Lane) -> Bool {
        guard !lane.pumpRequested, needsWorker(lane) else { return false }
        lane.pumpRequested = true
        return true
    }

    /// Starts a worker for `lane` when one is needed now (see the design note). Runs on the
    /// lane's event loop only, between its jobs.
    func pump(lane: Int) {
        let start: Bool = state.withLock { state in
            state.lanes[lane].pumpRequested = false
            guard state.phase == .alive, Self.needsWorker(state.lanes[lane]) else { return false }
            state.lanes[lane].workers += 1
            return true
        }
        guard start else { return }
        let worker = LaneWorker()
        worker.task = Swift.Task(executorPreference: loops[lane]) { [self] in
            await runWorker(worker, lane: lane)
        }
    }

    /// A worker's life: takes the lane's calls in mailbox order and runs them, until none can
    /// be taken or it was cancelled with a call. Its calls' frames go in one task-local slot.
    nonisolated(nonsending) private func runWorker(_ worker: LaneWorker, lane: Int) async {
        let slot = TaskFrames.FrameSlot()
        await TaskFrames.$laneWorkerSlot.withValue(slot) {
            var ended = false
            var retiring = false
            var mayLinger = lane == 0
            var ran = 0
            var wantsPump = false
            var otherwise = WorkerStep.linger
            while true {
                if let call = nextCall(
                    lane: lane, endedCall: ended, retiring: retiring, mayLinger: mayLinger,
                    wantsPump: &wantsPump, otherwise: &otherwise)
                {
                    if wantsPump { loops[lane].requestPump() }
                    ended = true
                    mayLinger = lane == 0
                    ran &+= 1
                    retiring = await runCall(call, lane: lane, worker: worker, slot: slot)
                    if ran % Self.callsPerTurn == 0, !retiring {
                        // Lets the loop's other jobs (resumed calls, the pump) go first, as a
                        // worker between calls (else the pump would take it for suspended).
                        state.withLock { $0.lanes[lane].running -= 1 }
                        ended = false
                        await Swift.Task.yield()
                    }
                    continue
                }
                switch otherwise {
                case .linger:
                    ended = false
                    mayLinger = false
                    _ = mailLinger.wait(for: mailboxHint, by: nil, adapting: false)
                case let .end(pumpWanted, endReason):
                    if pumpWanted { loops[lane].requestPump() }
                    if let endReason { die(reason: endReason, restartable: false) }
                    return
                }
            }
        }
    }

    /// Runs one call in `worker` (as ``runOnTask(_:lane:)`` does, its frame in the worker's
    /// `slot`), the worker's `Task` attached to the call for the call's cancellation. Whether
    /// the worker must end after it (it was cancelled with the call). Inlined into the worker's
    /// loop: every `await` level costs an executor check when it returns.
    @inline(__always)
    nonisolated(nonsending) private func runCall(
        _ call: TaskRecord, lane: Int, worker: LaneWorker, slot: TaskFrames.FrameSlot
    ) async -> Bool {
        guard callMayStart(call) else { return false }
        // Attached before the arguments are awaited: a cancel then ends that wait too.
        let isAsync = call.isAsyncActorCall
        if isAsync, let task = worker.task, call.attach(task) { task.cancel() }
        if !call.arguments.isEmpty, !(await argumentsArrived(for: call)) { return isAsync && call.detach() }
        beginAttempt(call)
        guard isAsync else {
            runSyncBody(call, lane: lane)
            return false
        }
        slot.set(call, actor: self, runtime: runtimeID)
        let run = call.asyncRun
        do {
            try await run(call)
            call.recordEvent(.finished)
        } catch {
            failed(call, with: error, lane: lane)
        }
        slot.clear()
        return call.detach()
    }

    /// Under the actor's lock: ends the worker's last call (`endedCall`), then takes the next
    /// call and returns it (`wantsPump`: ask the loop for its pump first); with no call to
    /// take, sets `otherwise` to lingering or to the worker's end (always when `retiring`).
    private func nextCall(
        lane: Int, endedCall: Bool, retiring: Bool, mayLinger: Bool,
        wantsPump: inout Bool, otherwise: inout WorkerStep
    ) -> TaskRecord? {
        withLockReleasingRetired { state in
            if endedCall { state.lanes[lane].running -= 1 }
            let alive = state.phase == .alive
            if !retiring, alive, state.lanes[lane].running < state.lanes[lane].limit,
               let call = state.lanes[lane].mailbox.popFirst()
            {
                state.lanes[lane].running += 1
                if lane == 0 { mailboxHint.note(count: state.lanes[0].mailbox.count) }
                wantsPump = Self.claimPump(&state.lanes[lane])
                return call
            }
            if !retiring, mayLinger, alive, state.lanes[lane].running == 0, state.lanes[lane].mailbox.isEmpty {
                otherwise = .linger
                return nil
            }
            state.lanes[lane].workers -= 1
            let endReason = alive && state.isIdle ? state.endWhenIdle : nil
            otherwise = .end(wantsPump: alive && Self.claimPump(&state.lanes[lane]), endReason: endReason)
            return nil
        }
    }
}
