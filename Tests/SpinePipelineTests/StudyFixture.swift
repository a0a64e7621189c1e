import Foundation
import SpineImaging
import Testing

/// DICOM studies made of `ReportFixture`'s volume: sagittal series of named contrasts, axial stacks centred on
/// its discs, and the bad inputs `spine analyze` must refuse — each answer known by construction.
enum StudyFixture {
    /// One study's shared identity.
    struct Study {
        var studyInstanceUID = DICOMWriter.makeUID()
        var frameOfReferenceUID = DICOMWriter.makeUID()
        var nextNumber = 1
    }

    /// Writes `volume` as a series into `folder/name` with the study's identity; returns the file paths.
    @discardableResult
    static func write<S: VoxelScalar>(
        _ volume: Volume<S>, _ folder: String, _ name: String, description: String, modality: String = "MR",
        study: inout Study, edit: ((inout DataSet) -> Void)? = nil
    ) throws -> [String] {
        let dir = folder + "/" + name
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var options = DICOMSeriesWriter.Options()
        options.modality = modality
        options.seriesDescription = description
        options.seriesNumber = study.nextNumber
        options.studyInstanceUID = study.studyInstanceUID
        options.frameOfReferenceUID = study.frameOfReferenceUID
        study.nextNumber += 1
        let paths = try DICOMSeriesWriter.write(volume, to: dir, options: options)
        if let edit {
            for path in paths {
                var file = try DICOMFile.read(path: path)
                edit(&file.dataSet)
                try DICOMWriter.write(file.dataSet, to: path)
            }
        }
        return paths
    }

    /// An axial stack of `slices` slices `stepMM` apart, centred on z = `zMM` (LPS) over the fixture's body:
    /// rows along L (+x), columns along P (+y), 60 × 96 mm at 1 mm.
    static func axialStack(zMM: Double, slices: Int = 5, stepMM: Double = 3) -> Volume<Int16> {
        let g = ImageGeometry(
            size: SIMD3(60, 96, slices), spacing: SIMD3(1, 1, stepMM),
            origin: SIMD3(-30, -40, zMM - stepMM * Double(slices - 1) / 2), direction: .identity)
        var v = Volume<Int16>(geometry: g)
        for k in 0..<slices {
            for j in 0..<96 {
                for i in 0..<60 {
                    let p = g.worldLPS(voxelIJK: SIMD3(Double(i), Double(j), Double(k)))
                    v[i, j, k] = ReportFixture.structure(p).map { 400 + Int16($0.rawValue * 30) } ?? 40
                }
            }
        }
        return v
    }

    /// Disc levels of the fixture's label map with the z (LPS, mm) of each disc centre.
    static let discZ: [(String, Double)] = [
        ("L1-L2", 35), ("L2-L3", 15), ("L3-L4", -5), ("L4-L5", -25), ("L5-S1", -44),
    ]

    /// A lumbar study: sagittal T1, STIR and T2 (in that order, T2 last and highest-numbered so that neither
    /// "first" nor "lowest number" picks it by accident), and an axial T2 stack on each disc from L2-L3 down.
    static func lumbarStudy(in folder: String, axial: Bool = true) throws {
        var study = Study()
        try write(ReportFixture.image, folder, "SAG_T1", description: "sag T1 TSE", study: &study)
        try write(ReportFixture.image, folder, "SAG_STIR", description: "SAG STIR", study: &study)
        try write(ReportFixture.image, folder, "SAG_T2", description: "T2 sagittal (fixture)", study: &study)
        guard axial else { return }
        for (level, z) in discZ.dropFirst() {
            try write(
                axialStack(zMM: z), folder, "AX_" + level.replacingOccurrences(of: "-", with: ""),
                description: "ax T2 \(level)", study: &study)
        }
    }

    /// Writes the fixture's label map as NIfTI; returns its path.
    static func labels(in folder: String) throws -> String {
        let path = folder + "/labels.nii.gz"
        try NIfTI.write(AnyVolume(ReportFixture.labels), to: path)
        return path
    }

    /// Whether a file or folder exists.
    static func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

    /// `report.json` of an output folder.
    static func reportJSON(_ folder: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: folder + "/report.json"))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }
}
