import Glibc

/// A pthread key whose value is an object retained for, and owned by, its thread: released when
/// the thread ends. For per-thread caches found with `pthread_getspecific` (no Swift
/// thread-local in the hot path). Stateless; thread-safe.
enum ThreadOwnedKey {
    /// A new key; store `Unmanaged.passRetained(object).toOpaque()` in it.
    static func make() -> pthread_key_t {
        var key = pthread_key_t()
        pthread_key_create(&key) { pointer in
            guard let pointer else { return }
            Unmanaged<AnyObject>.fromOpaque(pointer).release()
        }
        return key
    }
}
