import ArgumentParser
import SpineImaging

@main
struct Spine: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spine",
        abstract: "SpineKit: read, segment, measure and grade spine imaging studies.",
        version: "0.1.0",
        subcommands: []
    )
}
