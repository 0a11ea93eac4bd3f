import Testing

@testable import RayScheduling

@Suite("ResourceSet validation and interning")
struct ResourceSetTests {
    @Test("Ray's option form: num_cpus, num_gpus, memory and custom resources; zeros are dropped")
    func optionForm() throws {
        let set = try ResourceSet(cpus: 2, gpus: 0.5, memory: 1024, resources: ["accel": 1, "unused": 0])
        #expect(set["CPU"] == FixedPoint(rawValue: 20_000))
        #expect(set["GPU"] == FixedPoint(rawValue: 5_000))
        #expect(set["memory"] == FixedPoint(rawValue: 1024 * 10_000))
        #expect(set["accel"] == .one)
        #expect(set["unused"] == .zero)
        #expect(set.count == 4)
        #expect(set.description == "{'CPU': 2.0, 'GPU': 0.5, 'accel': 1.0, 'memory': 1024.0}")
        #expect(try ResourceSet(cpus: 0).isEmpty)
        #expect(try ResourceSet(gpus: 2).count == 1)
    }

    @Test("a fractional GPU above 1 is a typed error naming the value")
    func fractionalGPU() {
        #expect(throws: ResourceError.fractionalUnitAboveOne(name: "GPU", value: 1.5)) { try ResourceSet(gpus: 1.5) }
        #expect(throws: ResourceError.fractionalUnitAboveOne(name: "GPU", value: 2.25)) { try ResourceSet(["GPU": 2.25]) }
        #expect(ResourceError.fractionalUnitAboveOne(name: "GPU", value: 1.5).description.contains("1.5"))
    }

    @Test("CPU or GPU inside the custom resources is an error naming it", arguments: ["CPU", "GPU", "memory"])
    func predefinedInCustom(name: String) {
        #expect(throws: ResourceError.predefinedResourceInCustom(name: name)) {
            try ResourceSet(cpus: 1, resources: [name: 1])
        }
    }

    @Test("empty and reserved names are errors")
    func badNames() {
        #expect(throws: ResourceError.emptyResourceName) { try ResourceSet(["": 1]) }
        #expect(throws: ResourceError.reservedResourceName("bundle")) { try ResourceSet(["bundle": 1]) }
        #expect(throws: ResourceError.reservedResourceName("bundle")) { try ResourceSet(resources: ["bundle": 1]) }
        #expect(throws: ResourceError.invalidQuantity(name: "x", value: -1)) { try ResourceSet(["x": -1]) }
        #expect(throws: ResourceError.invalidQuantity(name: "CPU", value: 0.00001)) { try ResourceSet(cpus: 0.00001) }
    }

    @Test("names intern to small ids: predefined fixed, custom in order of first use")
    func interning() throws {
        var names = ResourceNameTable()
        #expect(names.id(of: "CPU") == .cpu && names.id(of: "GPU") == .gpu)
        #expect(names.id(of: "memory") == .memory && names.id(of: "object_store_memory") == .objectStoreMemory)
        #expect(names.id(of: "accel") == nil)
        let request = names.request(for: try ResourceSet(cpus: 1, resources: ["zeta": 2, "accel": 1]))
        #expect(request.entries.map(\.resource.rawValue) == [0, 6, 7])
        #expect(names.name(of: ResourceID(rawValue: 6)) == "accel")
        #expect(names.name(of: ResourceID(rawValue: 7)) == "zeta")
        #expect(request.amount(of: names.intern("zeta")) == FixedPoint(rawValue: 20_000))
        #expect(names.count == 8)
        #expect(names.resourceSet(for: request) == (try ResourceSet(cpus: 1, resources: ["zeta": 2, "accel": 1])))
    }
}
