import Foundation

extension Topology {
    /// The JSON that `swiftray topology --json` prints. The fields `source`, `domains` (with
    /// `id`, `numa_os_indexes`, `memory_bytes`, `pus`, `cores`, `gpus` with `index`, `pci_bus_id`,
    /// `vendor_id`, `device_id`) and `distances` (null without a matrix) are a fixed interface;
    /// the others are extra detail.
    public func jsonData(pretty: Bool = true) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(TopologyJSON(self))
    }
}

/// The wire form of a ``Topology``; internal.
private struct TopologyJSON: Encodable {
    struct Domain: Encodable {
        var id: Int
        var numa_os_indexes: [Int]
        var memory_bytes: UInt64
        var pus: [Int]
        var cores: Int
        var gpus: [GPUJSON]
        var packages: [Int]
        var borrowed_pus: [Int]
        var host_pus: [Int]
        var memory_tiers: [Tier]
    }
    struct Tier: Encodable {
        var numa_os_index: Int
        var bytes: UInt64
        var kind: String?
        var has_cpus: Bool

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(numa_os_index, forKey: .numa_os_index)
            try container.encode(bytes, forKey: .bytes)
            try container.encode(kind, forKey: .kind)
            try container.encode(has_cpus, forKey: .has_cpus)
        }
        enum CodingKeys: String, CodingKey { case numa_os_index, bytes, kind, has_cpus }
    }
    struct GPUJSON: Encodable {
        var index: Int
        var pci_bus_id: String
        var vendor_id: String
        var device_id: String
        var pci_class: String
        var name: String?
        var os_devices: [String]
    }

    var source: String
    var description: String
    var virtual: Bool
    var domains: [Domain]
    var distances: [[Int]]?

    init(_ topology: Topology) {
        source = topology.source.kind
        description = topology.source.description
        virtual = topology.isVirtual
        distances = topology.distances
        domains = topology.domains.map { domain in
            Domain(
                id: domain.id, numa_os_indexes: domain.numaOSIndexes, memory_bytes: domain.memoryBytes,
                pus: domain.pus.indexes, cores: domain.cores,
                gpus: domain.gpus.map { gpu in
                    GPUJSON(
                        index: gpu.index, pci_bus_id: gpu.pciBusID, vendor_id: gpu.vendorID.hex(4),
                        device_id: gpu.deviceID.hex(4), pci_class: gpu.pciClass.hex(4), name: gpu.name,
                        os_devices: gpu.osDevices)
                },
                packages: domain.packages, borrowed_pus: domain.borrowedPUs.indexes,
                host_pus: domain.hostPUs.indexes,
                memory_tiers: domain.memoryTiers.map {
                    Tier(numa_os_index: $0.numaOSIndex, bytes: $0.bytes, kind: $0.kind, has_cpus: $0.hasCPUs)
                })
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(source, forKey: .source)
        try container.encode(description, forKey: .description)
        try container.encode(virtual, forKey: .virtual)
        try container.encode(domains, forKey: .domains)
        try container.encode(distances, forKey: .distances)  // null when hwloc has no matrix
    }
    enum CodingKeys: String, CodingKey { case source, description, virtual, domains, distances }
}
