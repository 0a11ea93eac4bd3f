#ifndef SWIFTRAY_CCYCLECOUNTER_SHIM_H
#define SWIFTRAY_CCYCLECOUNTER_SHIM_H
// Two CPU instructions Swift cannot issue itself: the cycle counter, for the timestamps of task
// events (SwiftRay's EventClock reads it where it runs at one constant rate on every core, and
// converts to nanoseconds when events are read), and the spin-wait hint, for a worker that waits
// a moment without polling (Worker.swift). Nothing else.
#include <stdint.h>

/// The cycle counter (x86-64: the time-stamp counter), or 0 where the CPU has none we read.
static inline uint64_t swiftray_cycle_counter(void) {
#if defined(__x86_64__)
    uint32_t low, high;
    __asm__ __volatile__("rdtsc" : "=a"(low), "=d"(high));
    return ((uint64_t)high << 32) | low;
#else
    return 0;
#endif
}

/// Whether the CPU reports its counter as invariant: one constant rate in every power state
/// (x86-64: CPUID leaf 0x80000007, EDX bit 8). 0 elsewhere.
static inline int swiftray_cycle_counter_is_invariant(void) {
#if defined(__x86_64__)
    uint32_t eax = 0x80000000u, ebx, ecx = 0, edx;
    __asm__ __volatile__("cpuid" : "+a"(eax), "=b"(ebx), "+c"(ecx), "=d"(edx));
    if (eax < 0x80000007u) return 0;
    eax = 0x80000007u;
    ecx = 0;
    __asm__ __volatile__("cpuid" : "+a"(eax), "=b"(ebx), "+c"(ecx), "=d"(edx));
    return (int)((edx >> 8) & 1u);
#else
    return 0;
#endif
}

/// The CPU's spin-wait hint (x86-64: `pause`; arm64: `yield`), for a thread that polls shared
/// memory: it waits a little without issuing loads, so the lines it polls stay with their writer.
static inline void swiftray_spin_hint(void) {
#if defined(__x86_64__)
    __asm__ __volatile__("pause");
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

#endif
