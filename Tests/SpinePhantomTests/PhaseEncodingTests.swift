import Foundation
import SpineImaging
import SpineTestSupport
import Testing

@testable import SpinePhantom

/// The phase-encoding axis: resolved anatomically (the image axis closest to anteroposterior) by the renderer for
/// every stack, and written as InPlanePhaseEncodingDirection (0018,1312) on every MR image.
@Suite struct PhaseEncodingTests {
    /// A coarse study (sagittal slab to the abdominal wall, axial stacks) with `imaging` given by the caller.
    static func study(imaging: MRImagingOptions?, ghostingProbability: Double = 0) throws -> (MRStudy, MRStudyOptions) {
        var o = MRStudyOptions()
        o.contrasts = ["T2"]
        o.axialStacks = true
        o.sagittalGeometry = ImageGeometry(
            size: SIMD3(100, 64, 1), spacing: SIMD3(4, 4, 5), origin: SIMD3(5, -250, 150),
            direction: Matrix3(columns: SIMD3(0, 1, 0), SIMD3(0, 0, -1), SIMD3(-1, 0, 0)))
        o.imaging = imaging
        o.motionGhostingProbability = ghostingProbability
        return (try MRStudy(seed: 5, options: o), o)
    }

    @Test func theAnteroposteriorAxisIsRowsOnSagittalAndColumnsOnAxialGrids() throws {
        let (s, _) = try Self.study(imaging: nil)
        #expect(MotionGhosting.Axis.anteroposterior(in: s.sagittal.rendered.classLabels.geometry) == .row)
        #expect(!s.axials.isEmpty)
        for a in s.axials {
            #expect(MotionGhosting.Axis.anteroposterior(in: a.rendered.classLabels.geometry) == .column)
        }
    }

    /// Review debt: a caller's own imaging options used to keep the sagittal axis (rows) on the axial stacks, so
    /// their ghosts ran left-right; an unset axis is now resolved per grid, and a set one is kept.
    @Test func callersImagingOptionsGetAnteroposteriorGhostsOnAxials() throws {
        var imaging = MRImagingOptions()
        imaging.supersampling = [1, 1, 1]
        imaging.ghosting = MotionGhosting(phaseErrorRad: 0.9, spacingFraction: 0.3)
        let (s, _) = try Self.study(imaging: imaging)
        #expect(s.sagittal.ghosting?.phaseEncoding == .row)
        #expect(s.axials.allSatisfy { $0.ghosting?.phaseEncoding == .column })
        // The axial images differ from those rendered with row phase encoding: the axis reaches the renderer.
        imaging.ghosting?.phaseEncoding = .row
        let (r, _) = try Self.study(imaging: imaging)
        #expect(r.axials.allSatisfy { $0.ghosting?.phaseEncoding == .row })
        #expect(r.axials[0].rendered.images[0].voxels != s.axials[0].rendered.images[0].voxels)
        #expect(r.sagittal.rendered.images[0].voxels == s.sagittal.rendered.images[0].voxels)
    }

    /// Every image carries (0018,1312): ROW on the sagittal series, COL on the axials, equal to the ghosting axis
    /// recorded in the truth; read back by SpineImaging's DICOM reader and shown by DCMTK's dcmdump.
    @Test(arguments: [0.0, 1.0])
    func dicomCarriesThePhaseEncodingDirection(ghostingProbability: Double) throws {
        let (s, o) = try Self.study(imaging: nil, ghostingProbability: ghostingProbability)
        let dir = PhantomTestSupport.temporaryFolder("pe-\(Int(ghostingProbability))")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try MRStudyWriter.write(s, to: dir, options: o)
        let data = try Data(contentsOf: URL(fileURLWithPath: dir + "/truth.json"))
        let truth = try JSONDecoder().decode(PhantomTruth.self, from: data)
        #expect(truth.series.count == 1 + s.axials.count)
        for series in truth.series {
            let folder = dir + "/" + (try #require(series.dicomFolder))
            let files = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".dcm") }
            #expect(!files.isEmpty)
            let expected = series.plane == "sagittal" ? "ROW" : "COL"
            if let g = series.motionGhosting { #expect(g.phaseEncoding?.rawValue == expected) }
            for f in files {
                let file = try DICOMFile.read(path: folder + "/" + f, headerOnly: true)
                #expect(file.dataSet.string(DICOMTag(0x0018, 0x1312)) == expected, "\(series.name)/\(f)")
            }
            if let dcmdump = ExternalProgram.which("dcmdump") {
                let out = try ExternalProgram.run(dcmdump, ["-dc", "-M", folder + "/" + files[0]], mergingOutput: true)
                #expect(out.status == 0, "\(out.output)")
                #expect(!out.output.contains("E: ") && !out.output.contains("W: "), "\(out.output)")
                #expect(out.output.contains("(0018,1312) CS [\(expected)"), "\(out.output)")
            }
        }
    }
}
