#ifndef SWIFTRAY_CHWLOC_SHIM_H
#define SWIFTRAY_CHWLOC_SHIM_H
// hwloc, as RayTopology sees it. Nothing but the header and the one constant
// that Swift cannot import from a macro expression.
#include <hwloc.h>

static inline unsigned swiftray_hwloc_compiled_api_version(void) { return HWLOC_API_VERSION; }

#endif
