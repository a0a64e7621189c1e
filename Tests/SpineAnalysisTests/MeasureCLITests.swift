import Foundation
import SpineImaging
import SpineTestSupport
import Testing

@testable import SpineAnalysis

/// `spine measure LABELMAP --out DIR` as a user runs it: the report.json schema fields, measurements.csv,
/// and bad input answered by one line and a non-zero exit, with no output folder left behind.
@Suite struct MeasureCLITests {
    static func run(_ args: [String]) throws -> ExternalProgram.Run { try ExternalProgram.spine(args) }

    static func tempFolder() throws -> String { try ExternalProgram.tempFolder("spinekit-measure") }

    @Test func writesReportAndCSVWithTheDocumentedFields() throws {
        let dir = try Self.tempFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try NIfTI.write(AnyVolume(SyntheticForaminalSpine.make()), to: dir + "/labels.nii.gz")
        let r = try Self.run(["measure", dir + "/labels.nii.gz", "--out", dir + "/out"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("5 vertebrae (L1 L2 L3 L4 L5), 5 discs"))
        #expect(
            Set(try FileManager.default.contentsOfDirectory(atPath: dir + "/out")) == [
                "report.json", "measurements.csv",
            ])

        let data = try Data(contentsOf: URL(fileURLWithPath: dir + "/out/report.json"))
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(json["schemaVersion"] as? Int == AnalysisReport.schemaVersion)
        #expect(AnalysisReport.schemaVersion == 3)
        let grading = try #require(json["grading"] as? [String: [String: Double]], "the thresholds graded with")
        #expect(grading["centralCanal"]?["relativeAreaMM2"] == 100 && grading["centralCanal"]?["absoluteAreaMM2"] == 75)
        #expect(grading["foraminal"]?["severeHeightMM"] == 8)
        let vertebrae = try #require(json["vertebrae"] as? [[String: Any]])
        #expect(vertebrae.compactMap { $0["label"] as? String } == ["L1", "L2", "L3", "L4", "L5"])
        for v in vertebrae {
            #expect((v["centroidLPS"] as? [Double])?.count == 3)
            for key in ["anteriorHeightMM", "middleHeightMM", "posteriorHeightMM"] {
                let h = try #require(v[key] as? Double, "\(key)")
                #expect(abs(h - 24) < 1, "\(key) \(h)")
            }
        }
        let discs = try #require(json["discs"] as? [[String: Any]])
        #expect(discs.compactMap { $0["level"] as? String } == ["L1-L2", "L2-L3", "L3-L4", "L4-L5", "L5-S1"])
        for d in discs {
            let level = d["level"] as? String ?? "?"
            #expect(abs((d["middleHeightMM"] as? Double ?? 0) - 10) < 1, "\(level)")
            let canal = try #require(d["canal"] as? [String: Any], "\(level)")
            #expect(abs((canal["areaMM2"] as? Double ?? 0) - .pi * 25) / (.pi * 25) < 0.1, "\(level) \(canal)")
            #expect(canal["grade"] as? String != nil)
            let foraminal = try #require(d["foraminal"] as? [String: Any], "\(level)")
            for side in ["left", "right"] {
                let f = try #require(foraminal[side] as? [String: Any], "\(level) \(side)")
                #expect(abs((f["heightMM"] as? Double ?? 0) - 24) <= 0.5, "\(level) \(side) \(f)")
                #expect(abs((f["areaMM2"] as? Double ?? 0) - 288) / 288 < 0.04, "\(level) \(side) \(f)")
                #expect(f["grade"] as? Int == 0)
            }
        }
        #expect(json["findings"] is [Any])
        let alignment = try #require(json["alignment"] as? [String: Any])
        #expect(alignment["coronalCobb"] is [String: Any])

        let csv = try String(contentsOfFile: dir + "/out/measurements.csv", encoding: .utf8)
        let rows = csv.split(separator: "\n").map(String.init)
        #expect(rows.first == "structure,level,measurement,value,unit")
        #expect(rows.dropFirst().allSatisfy { $0.split(separator: ",", omittingEmptySubsequences: false).count == 5 })
        for needle in [
            "vertebra,L3,middle_height,", "disc,L4-L5,dural_sac_area,", "disc,L4-L5,foraminal_height_left,",
            "disc,L5-S1,foraminal_area_right,", "disc,L2-L3,foraminal_grade_left,",
        ] {
            #expect(rows.contains { $0.hasPrefix(needle) }, "no row \(needle)")
        }
    }

    /// Each bad input: exit status, and a message fragment.
    static let badInputs: [(name: String, status: Int32, message: String)] = [
        ("empty", 4, "label map is empty"),
        ("flat", 5, "label map is 2D"),
        ("mismatched", 2, "image and label map grids differ"),
    ]

    @Test(arguments: badInputs.map(\.name))
    func badInputIsOneLineAndNoOutput(_ name: String) throws {
        let dir = try Self.tempFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let expected = try #require(Self.badInputs.first { $0.name == name })
        let g = ImageGeometry(size: SIMD3(30, 30, 30))
        var args = ["measure", dir + "/labels.nii.gz", "--out", dir + "/out"]
        switch name {
        case "empty":
            try NIfTI.write(AnyVolume(Volume<UInt8>(geometry: g)), to: dir + "/labels.nii.gz")
        case "flat":
            let flat = Volume<UInt8>(geometry: ImageGeometry(size: SIMD3(40, 40, 1)), repeating: 1)
            try NIfTI.write(AnyVolume(flat), to: dir + "/labels.nii.gz")
        default:
            try NIfTI.write(AnyVolume(SyntheticForaminalSpine.make()), to: dir + "/labels.nii.gz")
            try NIfTI.write(AnyVolume(Volume<Int16>(geometry: g)), to: dir + "/image.nii.gz")
            args += ["--image", dir + "/image.nii.gz"]
        }
        let r = try Self.run(args)
        #expect(r.status == expected.status, "\(r.stderr)")
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(r.stderr)")
        #expect(lines.first?.hasPrefix("spine: error: ") == true)
        #expect(r.stderr.contains(expected.message), "\(r.stderr)")
        #expect(!r.stderr.contains("Fatal error") && !r.stderr.contains("Stack"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/out"), "partial output left behind")
        #expect(r.stdout.isEmpty)
    }
}
