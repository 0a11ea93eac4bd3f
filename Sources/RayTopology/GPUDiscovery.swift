import CHwloc

/// Which PCI devices are GPUs, and where they sit; internal to topology discovery.
///
/// The rule (pure, in ``isGPU(vendorID:deviceID:pciClass:osDeviceKinds:)``): a PCI device is a
/// GPU when it carries a GPU or co-processor OS device from a compute stack (CUDA, NVML, RSMI,
/// LevelZero, OpenCL), or is a 3D controller (class 0x0302), or a VGA controller (0x0300) from
/// NVIDIA or AMD that is not a server-management chip. Matrox and ASPEED devices and the ATI
/// ES1000 (1002:515e) never count: they are the on-board video of servers.
enum GPUDiscovery {
    static let nvidia: UInt16 = 0x10de
    static let amd: UInt16 = 0x1002
    static let matrox: UInt16 = 0x102b
    static let aspeed: UInt16 = 0x1a03
    static let computeStacks = ["CUDA", "NVML", "RSMI", "LevelZero", "OpenCL"]

    static func isGPU(vendorID: UInt16, deviceID: UInt16, pciClass: UInt16, osDeviceKinds: [String]) -> Bool {
        if vendorID == matrox || vendorID == aspeed { return false }
        if vendorID == amd && deviceID == 0x515e { return false }
        if osDeviceKinds.contains(where: computeStacks.contains) { return true }
        if pciClass == 0x0302 { return true }
        return pciClass == 0x0300 && (vendorID == nvidia || vendorID == amd)
    }

    /// The GPUs of a loaded topology, numbered in PCI bus order, each attached to the domain whose
    /// PUs overlap most with the GPU's nearest non-I/O ancestor (the lowest id on a tie).
    static func gpus(in hwloc: HwlocTopology, domainPUs: [CPUSet]) -> [GPU] {
        var found: [(bus: (UInt32, UInt32, UInt32, UInt32), gpu: GPU)] = []
        var current: hwloc_obj_t? = nil
        while let device = hwloc_get_next_pcidev(hwloc.handle, current) {
            current = device
            let pci = device.pointee.attr.pointee.pcidev
            let osDevices = osDevicesOf(device)
            guard isGPU(vendorID: pci.vendor_id, deviceID: pci.device_id, pciClass: pci.class_id,
                        osDeviceKinds: osDevices.map(\.kind))
            else { continue }
            let busID = String(
                format4: pci.domain, bus: pci.bus, device: pci.dev, function: pci.func)
            let local = CPUSet(hwloc_get_non_io_ancestor_obj(hwloc.handle, device).map(\.cpus) ?? [])
            let domain = domainPUs.indices.max {
                (domainPUs[$0].intersection(local).count, -$0) < (domainPUs[$1].intersection(local).count, -$1)
            } ?? 0
            let gpu = GPU(
                index: 0, pciBusID: busID, vendorID: pci.vendor_id, deviceID: pci.device_id,
                pciClass: pci.class_id,
                name: device.info("GPUModel") ?? device.info("PCIDevice"),
                osDevices: osDevices.map(\.name), domainID: domain)
            found.append(((UInt32(pci.domain), UInt32(pci.bus), UInt32(pci.dev), UInt32(pci.func)), gpu))
        }
        found.sort { $0.bus < $1.bus }
        return found.enumerated().map { index, entry in
            var gpu = entry.gpu
            gpu.index = index
            return gpu
        }
    }

    /// The OS devices below a PCI device: their names and the compute stack each belongs to
    /// (hwloc's subtype, such as "CUDA"; empty for plain GPU devices such as DRM's `card0`).
    private static func osDevicesOf(_ device: hwloc_obj_t) -> [(name: String, kind: String)] {
        var result: [(String, String)] = []
        var child = device.pointee.io_first_child
        while let object = child {
            if object.pointee.type == HWLOC_OBJ_OS_DEVICE {
                let type = object.pointee.attr.pointee.osdev.type
                if type == HWLOC_OBJ_OSDEV_GPU || type == HWLOC_OBJ_OSDEV_COPROC {
                    let name = object.name ?? ""
                    result.append((name, object.subtype ?? stack(ofOSDeviceNamed: name)))
                }
            }
            child = object.pointee.next_sibling
        }
        return result
    }

    /// The compute stack an OS device name belongs to, for exports that lack hwloc's subtype:
    /// `cuda0`, `nvml0`, `rsmi0`, `ze0`, `opencl0d0`.
    static func stack(ofOSDeviceNamed name: String) -> String {
        let prefixes = [("cuda", "CUDA"), ("nvml", "NVML"), ("rsmi", "RSMI"), ("ze", "LevelZero"),
                        ("opencl", "OpenCL")]
        for (prefix, stack) in prefixes where name.hasPrefix(prefix) {
            if name.dropFirst(prefix.count).first?.isNumber == true { return stack }
        }
        return ""
    }
}

extension String {
    /// `dddd:bb:dd.f` in lowercase hex.
    init<D: BinaryInteger, B: BinaryInteger, V: BinaryInteger, F: BinaryInteger>(
        format4 domain: D, bus: B, device: V, function: F
    ) {
        self = "\(domain.hex(4)):\(bus.hex(2)):\(device.hex(2)).\(function.hex(1))"
    }
}

extension BinaryInteger {
    /// Lowercase hex, zero-padded to `width` digits.
    func hex(_ width: Int) -> String {
        let digits = String(self, radix: 16)
        return String(repeating: "0", count: Swift.max(0, width - digits.count)) + digits
    }
}
