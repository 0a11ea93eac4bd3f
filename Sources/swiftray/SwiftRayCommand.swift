import ArgumentParser
import Foundation

/// `swiftray`: the command-line face of swift-ray.
///
/// Errors follow Ray's CLI (click): a usage error or bad input prints one line naming the bad
/// value on standard error and exits with code 2.
@main
struct SwiftRayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swiftray",
        abstract: "Ray's programming model inside one Swift process, one Ray node per NUMA domain.",
        subcommands: [TopologyCommand.self, MicrobenchmarkCommand.self, StatusCommand.self, TimelineCommand.self]
    )

    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                exit(withError: error)
            }
            FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
            Foundation.exit(code == .failure || code == .validationFailure ? 2 : code.rawValue)
        }
    }
}

/// A user-facing failure: its message goes to standard error, and the process exits with code 2.
struct InputError: Error, CustomStringConvertible {
    var description: String
    init(_ error: any Error) { description = "\(error)" }
    init(message: String) { description = message }
}
