import Foundation

// # Why the suite names the process's malloc
//
// Every remote call makes a small heap object (its return ref, which is also its record; two
// objects before the twenty-seventh sitting) and the thread that drops the refs frees them, a thousand at a time in Ray's loop shapes. With
// glibc's malloc as Debian configures it, the thread cache keeps 7 chunks a size, the rest go
// to fast bins, and the loop's next 8 KB array makes malloc consolidate them all: malloc and
// free were about two fifths of the caller's samples in `1:1 actor calls async`. The same
// binary ran that line 1.20x as fast with mimalloc preloaded, and 1.25x as fast with a thread
// cache of 2,048 chunks (`GLIBC_TUNABLES=glibc.malloc.tcache_count=2048`; BENCHMARKS.md,
// twenty-sixth sitting). A library cannot choose its program's malloc, so the figures this
// repository quotes are glibc's defaults; the suite prints which malloc it ran with, so that
// figures taken with another one are never mistaken for them.

/// Which malloc the running process uses, read from its mapped libraries and its environment.
/// Stateless; thread-safe.
public enum MallocProbe {
    /// A one-line description: a preloaded allocator by its library's name, else glibc's
    /// malloc with its tunables, if any.
    public static func describe() -> String {
        // Read to the end: /proc files report a size of 0, which `String(contentsOfFile:)` trusts.
        let data = FileHandle(forReadingAtPath: "/proc/self/maps")?.readDataToEndOfFile() ?? Data()
        let maps = String(decoding: data, as: UTF8.self)
        for name in ["mimalloc", "jemalloc", "tcmalloc"] {
            if let line = maps.split(separator: "\n").first(where: { $0.contains("lib\(name)") }),
               let path = line.split(separator: " ").last
            {
                return "\(name) (\(path))"
            }
        }
        let tunables = ProcessInfo.processInfo.environment["GLIBC_TUNABLES"] ?? ""
        return tunables.isEmpty ? "glibc (default settings)" : "glibc (GLIBC_TUNABLES=\(tunables))"
    }
}
