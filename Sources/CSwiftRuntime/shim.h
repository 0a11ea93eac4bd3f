#ifndef SWIFTRAY_CSWIFTRUNTIME_SHIM_H
#define SWIFTRAY_CSWIFTRUNTIME_SHIM_H
// Two reference-count entry points of the Swift runtime (libswiftCore, linked into every Swift
// program), declared as the runtime's HeapObject.h declares them (plain C functions). The object
// store's table holds its entries unretained and takes a reference only to an entry that is not
// already being freed (SwiftRay's ObjectTable). And the CPU's spin-wait hint, which Swift does
// not spell (SwiftRay's SpinGate). Nothing else.
#include <stddef.h>

/// Takes a strong reference to the Swift object unless its deinit has begun: returns the object
/// when it did, NULL when it did not (the runtime's HeapObject *swift_tryRetain(HeapObject *)).
extern void *swift_tryRetain(void *object);

/// The object's strong reference count.
extern size_t swift_retainCount(void *object);

/// Tells the CPU the thread spins on a memory location (x86's PAUSE, ARM's YIELD): it lets a
/// sibling hyperthread run and does not touch memory, so it backs off without a system call.
static inline void swiftray_cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__) || defined(__arm__)
    __asm__ __volatile__("yield");
#endif
}

#endif
