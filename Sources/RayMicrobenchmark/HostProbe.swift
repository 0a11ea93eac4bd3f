import Foundation
import RayTopology
import Synchronization

// # Why a benchmark line carries the host's core-to-core round trip
//
// On the shared virtual machines these figures come from, the time a cache line takes to go
// from one vCPU to another and back is not a constant of the machine: the hypervisor moves
// vCPUs between physical cores, and a plain C ping-pong of one line between two threads ran
// at 125-131 ns a round trip for some seconds and at 330-383 ns for the next ones, over and
// over (twenty-first sitting; nothing else ran). Every line whose caller and worker hand work
// across cores slows with it: `1:1 actor calls sync` ran at 1.2M/s in one process and at
// 0.36-0.43M/s in the next, the code and everything else unchanged. Earlier sittings called
// these "slow phases of the host"; the probe shows them. It runs just before each line (20 ms,
// two fresh threads bound to two PUs, one atomic word passed back and forth) so a reader can
// tell a slow figure of the code from a figure taken while the host was slow. It measures;
// it changes nothing in how the line runs.

/// The host's core-to-core round trip, measured now (the design note above). Made once per
/// suite (it reads the machine's topology for the two PUs); thread-safe: each measurement uses
/// threads and state of its own.
public struct HostProbe: Sendable {
    /// The machine's topology and the two PUs the threads are bound to; nil topology when it
    /// cannot be read (threads then run unbound).
    private let topology: Topology?
    private let pus: [Int]
    /// Whether the machine has two PUs to measure between.
    private let canMeasure: Bool

    public init() {
        topology = try? Topology.load(.machine)
        pus = topology.map { Array($0.allPUs.prefix(2)) } ?? []
        canMeasure = pus.count >= 2 || (topology == nil && ProcessInfo.processInfo.activeProcessorCount >= 2)
    }

    /// The median nanoseconds of one round trip of a cache line between two threads bound to
    /// two different PUs (the first two the machine allows; unbound where binding is refused),
    /// over blocks of 256 round trips for about `milliseconds`; nil on a machine with one PU.
    public func coreToCoreRoundTrip(milliseconds: Int = 20) -> Double? {
        guard canMeasure else { return nil }
        let line = PingPongLine()
        let done = DispatchSemaphore(value: 0)
        let ponger = Thread { [topology, pus] in
            if let topology, pus.count == 2 { _ = try? topology.bindCurrentThread(toPU: pus[1]) }
            line.answer()
            done.signal()
        }
        let blocks = Mutex<[Double]>([])
        let pinger = Thread { [topology, pus] in
            if let topology, pus.count == 2 { _ = try? topology.bindCurrentThread(toPU: pus[0]) }
            let measured = line.ask(forMilliseconds: milliseconds)
            blocks.withLock { $0 = measured }
            done.signal()
        }
        ponger.start()
        pinger.start()
        done.wait()
        done.wait()
        let sorted = blocks.withLock { $0 }.sorted()
        return sorted.isEmpty ? nil : sorted[sorted.count / 2]
    }
}

/// One word passed between two threads: the asker writes odd values, the answerer the next
/// even one; -1 ends the answerer. Thread-safe (one atomic).
private final class PingPongLine: Sendable {
    static let roundTripsPerBlock = 256
    private let word = Atomic<Int>(0)

    /// Asks until `milliseconds` have passed (at least one block); nanoseconds per round trip of
    /// each whole block of ``roundTripsPerBlock``. Gives up at five times that plus
    /// 100 ms (the answerer may share a CPU with the asker, under a CPU quota or a loaded
    /// machine, and then each round trip waits for a time slice), keeping the whole blocks.
    func ask(forMilliseconds milliseconds: Int) -> [Double] {
        let duration = UInt64(milliseconds) * 1_000_000
        let start = DispatchTime.now().uptimeNanoseconds
        let end = start + duration
        let giveUp = start + duration * 5 + 100_000_000
        var blocks: [Double] = []
        var value = 0
        repeat {
            let blockStart = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<Self.roundTripsPerBlock {
                word.store(value + 1, ordering: .releasing)
                var spins = 0
                while word.load(ordering: .acquiring) != value + 2 {
                    spins &+= 1
                    if spins & 0xFFF == 0, DispatchTime.now().uptimeNanoseconds > giveUp {
                        word.store(-1, ordering: .releasing)
                        return blocks
                    }
                }
                value += 2
            }
            let elapsed = DispatchTime.now().uptimeNanoseconds - blockStart
            blocks.append(Double(elapsed) / Double(Self.roundTripsPerBlock))
        } while DispatchTime.now().uptimeNanoseconds < end
        word.store(-1, ordering: .releasing)
        return blocks
    }

    /// Answers each odd value with the next even one until the word is -1 (by exchange, so
    /// that an asker that gave up meanwhile is never answered over).
    func answer() {
        while true {
            let value = word.load(ordering: .acquiring)
            if value == -1 { return }
            if value & 1 == 1 {
                _ = word.compareExchange(expected: value, desired: value + 1, ordering: .acquiringAndReleasing)
            }
        }
    }
}
