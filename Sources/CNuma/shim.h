#ifndef SWIFTRAY_CNUMA_SHIM_H
#define SWIFTRAY_CNUMA_SHIM_H
// libnuma, as RayTopology sees it: placing memory on a NUMA node and asking
// where a page lives. Nothing else.
#include <numa.h>
#include <numaif.h>

#endif
