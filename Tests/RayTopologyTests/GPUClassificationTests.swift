import Testing

@testable import RayTopology

@Suite("Which PCI devices are GPUs")
struct GPUClassificationTests {
    @Test("compute stacks, 3D controllers and NVIDIA/AMD VGA count; server video never does")
    func rules() {
        func gpu(_ vendor: UInt16, _ device: UInt16, _ pciClass: UInt16, _ kinds: [String] = []) -> Bool {
            GPUDiscovery.isGPU(vendorID: vendor, deviceID: device, pciClass: pciClass, osDeviceKinds: kinds)
        }
        #expect(gpu(0x10de, 0x06d2, 0x0302))  // NVIDIA 3D controller
        #expect(gpu(0x10de, 0x2330, 0x0302, ["CUDA", "NVML"]))  // H100: several OS devices, one GPU
        #expect(gpu(0x10de, 0x1eb8, 0x0300))  // NVIDIA VGA
        #expect(gpu(0x1002, 0x740f, 0x0380, ["RSMI"]))  // AMD Instinct (display class 0x0380)
        #expect(gpu(0x1002, 0x73bf, 0x0300))  // AMD VGA
        #expect(gpu(0x8086, 0x0bd5, 0x0380, ["LevelZero"]))  // Intel Max with Level Zero
        #expect(gpu(0x8086, 0x56a0, 0x0300, ["OpenCL"]))  // Intel Arc with OpenCL
        #expect(gpu(0x13fe, 0x1234, 0x0302))  // any 3D controller
        #expect(!gpu(0x1002, 0x515e, 0x0300))  // ATI ES1000 server video
        #expect(!gpu(0x1002, 0x515e, 0x0300, ["OpenCL"]))
        #expect(!gpu(0x1a03, 0x2000, 0x0300, [""]))  // ASPEED BMC with a DRM card
        #expect(!gpu(0x1a03, 0x2000, 0x0302))
        #expect(!gpu(0x102b, 0x0522, 0x0300))  // Matrox G200
        #expect(!gpu(0x8086, 0x3e92, 0x0300, [""]))  // Intel iGPU, DRM only
        #expect(!gpu(0x15b3, 0x6746, 0x0c06))  // InfiniBand
    }

    @Test("OS device names map to their compute stack when hwloc gives no subtype")
    func osDeviceNames() {
        #expect(GPUDiscovery.stack(ofOSDeviceNamed: "cuda0") == "CUDA")
        #expect(GPUDiscovery.stack(ofOSDeviceNamed: "nvml3") == "NVML")
        #expect(GPUDiscovery.stack(ofOSDeviceNamed: "rsmi1") == "RSMI")
        #expect(GPUDiscovery.stack(ofOSDeviceNamed: "ze0") == "LevelZero")
        #expect(GPUDiscovery.stack(ofOSDeviceNamed: "opencl0d1") == "OpenCL")
        #expect(GPUDiscovery.stack(ofOSDeviceNamed: "card0") == "")
        #expect(GPUDiscovery.stack(ofOSDeviceNamed: "zero") == "")
    }

    @Test("PCI bus ids print as lspci -D does")
    func busID() {
        #expect(String(format4: 0, bus: 0x06, device: 0, function: 0) == "0000:06:00.0")
        #expect(String(format4: 0x10, bus: 0xaf, device: 0x1f, function: 7) == "0010:af:1f.7")
    }
}
