import ArgumentParser
import Foundation
import SpineImaging
import SpinePipeline

@main
struct Spine: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spine",
        abstract: "SpineKit: read, segment, measure and grade spine imaging studies.",
        discussion: """
            Exit codes: 0 success; 1 unexpected failure; 2 bad command line; 3 input not found;
            4 input unreadable, truncated or malformed; 5 input valid but not supported; 6 output could not be written.
            """,
        version: SpineKitVersion.current,
        subcommands: [
            Info.self, Convert.self, Measure.self, Evaluate.self, ReportLabelsCommand.self, Phantom.self,
            ONNXCommand.self, Analyze.self, Segment.self, ModelsCommand.self, Train.self,
            Demo.self, BenchLoad.self,
        ]
    )
}

/// Runs a command body, turning errors into one line on stderr and a documented exit code.
func runReportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let e as ImagingError {
        FileHandle.standardError.write(Data("spine: error: \(e.description)\n".utf8))
        throw ExitCode(spineExitCode(for: e.code))
    }
}

func spineExitCode(for code: ImagingError.Code) -> Int32 {
    switch code {
    case .fileNotFound: 3
    case .unreadable, .truncated, .malformed, .invalidGeometry, .noImageData, .tooLarge: 4
    case .unsupported: 5
    case .writeFailed: 6
    case .invalidArgument: 2
    }
}
