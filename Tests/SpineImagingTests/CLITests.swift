import Foundation
import SpineTestSupport
import Testing

/// The `spine` command as a user runs it: exit codes, one-line errors, no partial output, no patient data.
@Suite struct CLITests {
    static func run(_ args: [String]) throws -> ExternalProgram.Run { try ExternalProgram.spine(args) }

    static func fixture(_ name: String) -> String { TestData.fixtures.appendingPathComponent(name).path }

    static func tempFolder() throws -> String { try ExternalProgram.tempFolder("spinekit-cli") }

    @Test func infoJSONHasTheDocumentedKeys() throws {
        let r = try Self.run(["info", "--json", Self.fixture("dicom/series.zip")])
        #expect(r.status == 0, "\(r.stderr)")
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let volumes = try #require(doc["volumes"] as? [[String: Any]])
        #expect(volumes.count == 1)
        let v = try #require(volumes.first)
        #expect(v["size"] as? [Int] == [32, 24, 3])
        #expect(v["axisCodes"] as? String == "PIR")
        #expect(v["dataType"] as? String == "int16")
        #expect((v["direction"] as? [[Double]])?.count == 3)
        #expect(v["origin"] != nil && v["spacing"] != nil)
        #expect(!r.stdout.contains("Fixture^Synthetic") && !r.stdout.contains("SYN0001"), "no patient data in output")
    }

    @Test func convertWritesNIfTIThatReadsBackWithTheSameGeometry() throws {
        let dir = try Self.tempFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let out = dir + "/series.nii.gz"
        let r = try Self.run(["convert", Self.fixture("dicom/series.zip"), out])
        #expect(r.status == 0, "\(r.stderr)")
        let info = try Self.run(["info", "--json", out])
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(info.stdout.utf8)) as? [String: Any])
        let v = try #require((doc["volumes"] as? [[String: Any]])?.first)
        #expect(v["size"] as? [Int] == [32, 24, 3])
        #expect(v["axisCodes"] as? String == "PIR")
    }

    @Test func convertReplacesAnExistingOutputAtomically() throws {
        let dir = try Self.tempFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let out = dir + "/series.mha"
        try Data("old".utf8).write(to: URL(fileURLWithPath: out))
        let r = try Self.run(["convert", Self.fixture("dicom/series.zip"), out])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: out)).count > 1000)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["series.mha"], "no temporary files left")
    }

    /// Each bad input: one line on stderr naming the file, the documented exit code, nothing written.
    @Test(arguments: [
        (["info", "/no/such/file.dcm"], Int32(3), "no such file"),
        (["convert", "/no/such/dir", "OUT/x.nii"], Int32(3), "no such file"),
        (["info", "README.md"], Int32(5), "unrecognised file format"),
        (["convert", "Tests/Fixtures/dicom/series.zip", "OUT/x.png"], Int32(2), "must end in"),
        (
            ["convert", "Tests/Fixtures/dicom/series.zip", "OUT/missing-folder/x.nii"], Int32(6),
            "folder does not exist"
        ),
    ])
    func badInputGivesOneLineAndExitCode(args: [String], code: Int32, message: String) throws {
        let dir = try Self.tempFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let root = TestData.fixtures.deletingLastPathComponent().deletingLastPathComponent().path
        let resolved = args.map {
            $0.hasPrefix("OUT/")
                ? dir + $0.dropFirst(3) : ($0.hasPrefix("Tests/") || $0 == "README.md" ? root + "/" + $0 : $0)
        }
        let r = try Self.run(resolved)
        #expect(r.status == code, "\(r.stderr)")
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].contains(message), "\(r.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty, "no partial output")
    }

    @Test func truncatedDICOMNamesTheFileAndLeavesNoOutput() throws {
        let dir = try Self.tempFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let bytes = try Data(contentsOf: URL(fileURLWithPath: Self.fixture("dicom/series_0.dcm")))
        let cut = dir + "/cut.dcm"
        try bytes.prefix(bytes.count - 100).write(to: URL(fileURLWithPath: cut))
        // An existing output must survive a failed conversion untouched.
        let existing = dir + "/out.nii"
        try Data("keep me".utf8).write(to: URL(fileURLWithPath: existing))
        let r = try Self.run(["convert", cut, existing])
        #expect(r.status == 4)
        #expect(r.stderr.contains("cut.dcm") && r.stderr.contains("truncated"), "\(r.stderr)")
        #expect(!r.stderr.contains("Fixture^Synthetic") && !r.stderr.contains("SYN0001"))
        #expect(try String(contentsOfFile: existing, encoding: .utf8) == "keep me")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == ["cut.dcm", "out.nii"])
    }
}
