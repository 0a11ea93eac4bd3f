extension Topology {
    /// A compact human view: one block per domain, then the distance matrix.
    ///
    ///     machine: 2 domains, 24 PUs, 12 cores, 3 GPUs
    ///     domain 0  NUMA 0  18.0 GiB  PUs 0-5,12-17 (6 cores, package 0)
    ///               GPU 0  0000:06:00.0  10de:06d2  nVidia Corporation
    public var textDescription: String {
        let cores = domains.reduce(0) { $0 + $1.cores }
        var lines = [
            "\(source): \(plural(domains.count, "domain")), \(plural(allPUs.count, "PU")), "
                + "\(plural(cores, "core")), \(plural(gpus.count, "GPU"))"
        ]
        if isVirtual {
            lines.append("virtual: runs on this machine's PUs \(domains.reduce(CPUSet()) { $0.union($1.hostPUs) }), threads not bound")
        }
        for domain in domains {
            let packages = domain.packages.isEmpty ? "" : ", package \(domain.packages.map(String.init).joined(separator: ","))"
            let memory = domain.memoryTiers.map { tier in
                "NUMA \(tier.numaOSIndex) \(gibibytes(tier.bytes))" + (tier.kind.map { " \($0)" } ?? "")
            }.joined(separator: " + ")
            lines.append(
                "domain \(domain.id)  \(memory.isEmpty ? "no NUMA memory" : memory)  PUs \(domain.pus) "
                    + "(\(plural(domain.cores, "core"))\(packages))")
            if !domain.borrowedPUs.isEmpty {
                lines.append("          borrowed PUs \(domain.borrowedPUs) (their own NUMA node is not allowed)")
            }
            for gpu in domain.gpus {
                lines.append(
                    "          GPU \(gpu.index)  \(gpu.pciBusID)  \(gpu.vendorID.hex(4)):\(gpu.deviceID.hex(4))"
                        + (gpu.name.map { "  \($0)" } ?? ""))
            }
        }
        if let distances {
            lines.append("distances:")
            lines.append("      " + domains.map { pad("\($0.id)", 5) }.joined())
            for (row, values) in distances.enumerated() {
                lines.append(pad("\(row)", 6) + values.map { pad("\($0)", 5) }.joined())
            }
        }
        return lines.joined(separator: "\n")
    }

    private func plural(_ count: Int, _ noun: String) -> String { "\(count) \(noun)\(count == 1 ? "" : "s")" }

    private func gibibytes(_ bytes: UInt64) -> String {
        let tenths = (bytes * 10 + (1 << 29)) >> 30
        return "\(tenths / 10).\(tenths % 10) GiB"
    }

    private func pad(_ text: String, _ width: Int) -> String {
        text + String(repeating: " ", count: Swift.max(1, width - text.count))
    }
}
