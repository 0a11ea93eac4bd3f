import ArgumentParser
import Foundation
import RayTopology

/// `swiftray topology`: what swift-ray found, as text or as JSON.
struct TopologyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "topology",
        abstract: "Show the compute domains (Ray nodes), their PUs, memory and GPUs.",
        discussion: """
            Without --xml or --synthetic, the topology is the one SWIFTRAY_TOPOLOGY names \
            ('xml:PATH' or 'synthetic:DESC'), else the running machine.
            """
    )

    @Option(name: .long, help: ArgumentHelp("Read an hwloc XML export instead of the running machine.", valueName: "file"))
    var xml: String?

    @Option(name: .long, help: ArgumentHelp("Use an hwloc synthetic description, such as 'pack:2 numa:2 core:4 pu:2'.", valueName: "desc"))
    var synthetic: String?

    @Flag(name: .long, help: "Print JSON instead of text.")
    var json = false

    func validate() throws {
        if xml != nil && synthetic != nil {
            throw ValidationError("--xml and --synthetic exclude each other")
        }
    }

    func run() throws {
        do {
            let source: TopologySource =
                if let xml { .xml(path: xml) } else if let synthetic { .synthetic(synthetic) } else {
                    try TopologySource.fromEnvironment()
                }
            let topology = try Topology.load(source)
            if json {
                FileHandle.standardOutput.write(try topology.jsonData())
                print()
            } else {
                print(topology.textDescription)
            }
        } catch let error as TopologyError {
            throw InputError(error)
        }
    }
}
