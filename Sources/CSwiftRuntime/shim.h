#ifndef SWIFTRAY_CSWIFTRUNTIME_SHIM_H
#define SWIFTRAY_CSWIFTRUNTIME_SHIM_H
// Two reference-count entry points of the Swift runtime (libswiftCore, linked into every Swift
// program), declared as the runtime's HeapObject.h declares them (plain C functions). The object
// store's table holds its entries unretained and takes a reference only to an entry that is not
// already being freed (SwiftRay's ObjectTable). Nothing else.
#include <stddef.h>

/// Takes a strong reference to the Swift object unless its deinit has begun: returns the object
/// when it did, NULL when it did not (the runtime's HeapObject *swift_tryRetain(HeapObject *)).
extern void *swift_tryRetain(void *object);

/// The object's strong reference count.
extern size_t swift_retainCount(void *object);

#endif
