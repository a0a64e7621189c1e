import Foundation
import SpineImaging
import Testing

/// `spine evaluate` as a user runs it: each task prints a table and writes metrics.json/metrics.csv; bad input is one line.
@Suite struct EvaluateCLITests {
    static func write(_ text: String, _ dir: String, _ name: String) throws -> String {
        let p = dir + "/" + name
        try Data(text.utf8).write(to: URL(fileURLWithPath: p))
        return p
    }

    @Test func segmentationOnFixturesWritesJSONAndCSV() throws {
        let dir = try CLITests.tempFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try CLITests.run([
            "evaluate", "--task", "segmentation", "--pred", CLITests.fixture("metrics/blobs_a_pred.nii.gz"),
            "--truth", CLITests.fixture("metrics/blobs_a_truth.nii.gz"), "--out", dir + "/seg",
        ])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("Dice") && r.stdout.contains("HD95 [mm]") && r.stdout.contains("vertebral_body"))
        let doc = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/seg/metrics.json")))
                as? [String: Any])
        #expect((doc["labels"] as? [[String: Any]])?.count == 3)
        let csv = try String(contentsOfFile: dir + "/seg/metrics.csv", encoding: .utf8)
        #expect(csv.hasPrefix("label,name,truth_voxels,prediction_voxels,dice,iou,hd95_mm,assd_mm,hausdorff_mm\n"))
        #expect(csv.split(separator: "\n").count == 4)
    }

    @Test func mismatchedGridsGiveOneLineAndNoOutput() throws {
        let dir = try CLITests.tempFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try CLITests.run([
            "evaluate", "--task", "segmentation", "--pred", CLITests.fixture("metrics/blobs_b_pred.nii.gz"),
            "--truth", CLITests.fixture("metrics/blobs_a_truth.nii.gz"), "--out", dir + "/seg",
        ])
        #expect(r.status == 2)
        #expect(r.stderr.split(separator: "\n").count == 1 && r.stderr.contains("grids differ"), "\(r.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty)
    }

    @Test func labellingOnInstanceMaps() throws {
        let dir = try CLITests.tempFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // L3, L4, L5 (VerSe 22–24) as 10 mm slabs along k; the prediction calls L4 "L3" and L3 "L2".
        let g = ImageGeometry(size: SIMD3(8, 8, 30), spacing: SIMD3(1, 1, 1))
        var t = Volume<Int16>(geometry: g), p = Volume<Int16>(geometry: g)
        for k in 0..<30 {
            for j in 2..<6 {
                for i in 2..<6 {
                    let n = g.linearIndex(i, j, k)
                    t.voxels[n] = [24, 23, 22][k / 10]
                    p.voxels[n] = [24, 22, 21][k / 10]
                }
            }
        }
        try NIfTI.write(AnyVolume(t), to: dir + "/t.nii")
        try NIfTI.write(AnyVolume(p), to: dir + "/p.nii")
        let r = try CLITests.run([
            "evaluate", "--task", "labelling", "--pred", dir + "/p.nii", "--truth", dir + "/t.nii",
        ])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("identification rate: 1/3"), "\(r.stdout)")
        #expect(r.stdout.contains("predicted but not in truth: 21"), "\(r.stdout)")
    }

    @Test func classificationGradingDetection() throws {
        let dir = try CLITests.tempFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let ps = try Self.write("id,score\na,0.9\nb,0.2\nc,0.7\nd,0.4\ne,0.8\n", dir, "p.csv")
        let ts = try Self.write("id,label\na,1\nb,0\nc,1\nd,0\ne,0\n", dir, "t.csv")
        var r = try CLITests.run([
            "evaluate", "--task", "classification", "--pred", ps, "--truth", ts, "--out", dir + "/c",
        ])
        #expect(r.status == 0 && r.stdout.contains("AUROC: 0.8333"), "\(r.stdout)\(r.stderr)")
        #expect(try String(contentsOfFile: dir + "/c/metrics.csv", encoding: .utf8).contains("auroc,0.833333"))

        let pg = try Self.write("id,grade\na,mild\nb,none\nc,severe\nd,2\ne,1\n", dir, "pg.csv")
        let tg = try Self.write("# grades\nid,grade\na,1\nb,0\nc,2\nd,2\ne,1\n", dir, "tg.csv")
        r = try CLITests.run(["evaluate", "--task", "grading", "--pred", pg, "--truth", tg])
        // scikit-learn: 0.87805
        #expect(r.status == 0 && r.stdout.contains("quadratically weighted kappa: 0.8780"), "\(r.stdout)\(r.stderr)")

        let pd = try Self.write(
            #"[{"image":"a","label":"disc","box":[0,0,10,10],"score":0.9},{"image":"a","label":"disc","box":[0,0,10,10],"score":0.8}]"#,
            dir, "p.json")
        let td = try Self.write(
            #"[{"image":"a","label":"disc","box":[0,0,10,10]},{"image":"b","label":"disc","box":[0,0,10,10]}]"#, dir,
            "t.json")
        r = try CLITests.run(["evaluate", "--task", "detection", "--pred", pd, "--truth", td])
        #expect(r.status == 0 && r.stdout.contains("mAP@0.5: 0.5050"), "\(r.stdout)\(r.stderr)")  // 51/101

        let missing = try Self.write("id,score\na,0.9\n", dir, "m.csv")
        r = try CLITests.run(["evaluate", "--task", "classification", "--pred", missing, "--truth", ts])
        #expect(r.status == 2 && r.stderr.contains("ids differ"), "\(r.stderr)")
        r = try CLITests.run(["evaluate", "--task", "detection", "--pred", ps, "--truth", td])
        #expect(r.status == 4 && r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
    }
}

/// `spine report-labels` as a user runs it.
@Suite struct ReportLabelsCLITests {
    @Test func reportToJSON() throws {
        let dir = try CLITests.tempFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let p = try EvaluateCLITests.write(
            "L4-5: Moderate central canal stenosis. No disc herniation.\nNo spondylolisthesis.\n", dir, "r.txt")
        let r = try CLITests.run(["report-labels", p, "--out", dir + "/r.json"])
        #expect(r.status == 0, "\(r.stderr)")
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let level = try #require((doc["levels"] as? [[String: Any]])?.first)
        #expect(level["level"] as? String == "L4-L5" && level["centralCanal"] as? String == "moderate")
        #expect(level["foraminal"] == nil)
        #expect(FileManager.default.fileExists(atPath: dir + "/r.json"))
        let missing = try CLITests.run(["report-labels", dir + "/none.txt"])
        #expect(missing.status == 3 && missing.stderr.split(separator: "\n").count == 1)
    }
}
