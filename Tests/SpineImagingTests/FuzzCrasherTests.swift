import Foundation
import Testing

@testable import SpineImaging

/// Regression tests for inputs found by `Scripts/fuzz` (`Tests/Fixtures/crashers`): each must be refused
/// with an `ImagingError`, not crash, hang or allocate without bound.
@Suite struct FuzzCrasherTests {
    static let folder = TestData.fixtures.appendingPathComponent("crashers")

    static var crashers: [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { !$0.hasSuffix(".md") }.sorted()
    }

    @Test func crasherFolderIsNotEmpty() {
        #expect(!Self.crashers.isEmpty)
    }

    @Test(.timeLimit(.minutes(1)), arguments: crashers)
    func crasherIsRefusedWithAnError(name: String) throws {
        let path = Self.folder.appendingPathComponent(name).path
        let error = try #require(throws: ImagingError.self) {
            if name.hasPrefix("dicom-") {
                _ = try DICOMFile.read(path: path).decodedFrames()
            } else if name.hasPrefix("nifti-") {
                _ = try NIfTI.read(path: path)
            } else if name.hasPrefix("metaimage-") {
                _ = try MetaImage.read(path: path)
            } else {
                Issue.record("crasher \(name) does not start with dicom-, nifti- or metaimage-")
                throw ImagingError(.invalidArgument, "unknown reader")
            }
        }
        #expect(!error.description.isEmpty)
    }
}
