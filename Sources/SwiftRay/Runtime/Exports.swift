// `import SwiftRay` is all a program needs: the machine's description (RayTopology) and the
// scheduler's vocabulary (resources, strategies, placement-group ids from RayScheduling) are
// part of the public API.
@_exported import RayScheduling
@_exported import RayTopology
