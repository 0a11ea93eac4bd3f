import Glibc

/// Nanoseconds of CLOCK_MONOTONIC: a vDSO call of about 20 ns, cheap enough to bound spin
/// loops by time. Stateless; thread-safe.
enum MonotonicClock {
    @inline(__always)
    static var nanoseconds: Int {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return time.tv_sec &* 1_000_000_000 &+ time.tv_nsec
    }
}
