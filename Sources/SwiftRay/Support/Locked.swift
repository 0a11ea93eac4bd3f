import Glibc

/// A value guarded by a `pthread_mutex_t`.
///
/// Thread-safe. Why not `Synchronization.Mutex`: on Linux its lock lives in a library built
/// without ThreadSanitizer, so TSan cannot see the ordering it provides and reports races on
/// the value it guards; pthread mutexes are intercepted by TSan, so this lock keeps the
/// sanitizer's verdicts exact. Uncontended lock and unlock cost about the same. The mutex is adaptive (see `init`).
final class Locked<Value>: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private var value: Value

    init(_ value: Value) {
        self.value = value
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        var attributes = pthread_mutexattr_t()
        pthread_mutexattr_init(&attributes)
        // Adaptive: a contended lock spins briefly before it sleeps in the kernel. Critical
        // sections here are a few dozen nanoseconds; a futex sleep and wake costs microseconds.
        pthread_mutexattr_settype(&attributes, Int32(PTHREAD_MUTEX_ADAPTIVE_NP))
        pthread_mutex_init(mutex, &attributes)
        pthread_mutexattr_destroy(&attributes)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deinitialize(count: 1)
        mutex.deallocate()
    }

    @inline(__always)
    func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}
