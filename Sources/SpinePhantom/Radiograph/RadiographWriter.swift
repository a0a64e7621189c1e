import Foundation
import SpineImaging

/// Writes synthetic radiographs: DICOM DX files, body label PNGs and `xray-truth.json`.
///
/// Layout: `<view>.dcm`, `<view>_bodies.png` per view, and `xray-truth.json` (`RadiographTruth`).
public enum RadiographWriter {
    /// Digital X-Ray Image Storage – For Presentation.
    public static let dxForPresentationSOPClassUID = "1.2.840.10008.5.1.4.1.1.1.1"

    /// Renders `views` of the phantom for `seed` and writes them to `folder` (replaced if it exists);
    /// returns a one-line summary.
    @discardableResult
    public static func write(
        seed: UInt64, to folder: String, views: [RadiographView] = [.lateral], options: RadiographOptions = .init()
    ) throws -> String {
        try write(parameters: PhantomParameters(seed: seed), to: folder, views: views, options: options)
    }

    /// Renders `views` of the phantom `parameters` describe and writes them to `folder` (replaced if it exists);
    /// returns a one-line summary. Nothing is written when the parameters or options are refused.
    @discardableResult
    public static func write(
        parameters: PhantomParameters, to folder: String, views: [RadiographView] = [.lateral],
        options: RadiographOptions = .init()
    ) throws -> String {
        try options.validate()  // before the folder is touched
        let seed = parameters.seed
        let model = try SpineModel(parameters: parameters)
        let fm = FileManager.default
        if fm.fileExists(atPath: folder) {
            do { try fm.removeItem(atPath: folder) } catch {
                throw PhantomError(.writeFailed, parameter: "out", "cannot replace the existing folder \(folder)")
            }
        }
        do { try fm.createDirectory(atPath: folder, withIntermediateDirectories: true) } catch {
            throw PhantomError(.writeFailed, parameter: "out", "cannot create folder \(folder)")
        }
        let identity = PhantomDICOM.StudyIdentity(seed: seed)
        var images: [RadiographTruth.ImageTruth] = []
        // The findings are decided once and drawn on every view.
        let drawn = options.findings ?? RadiographFindings(drawnFor: model.parameters)
        var options = options
        options.findings = drawn
        for (n, view) in views.enumerated() {
            let radiograph = try Radiograph(model: model, view: view, options: options)
            var truth = radiograph.truth
            truth.dicomFile = "\(view.fileStem).dcm"
            truth.labelFile = "\(view.fileStem)_bodies.png"
            try writeDX(radiograph, to: folder + "/" + truth.dicomFile!, study: identity, seriesNumber: n + 1)
            let labels = PreviewImage(width: radiograph.columns, height: radiograph.rows, pixels: radiograph.bodyLabels)
            do { try labels.writePNG(to: folder + "/" + truth.labelFile!) } catch {
                throw PhantomError(.writeFailed, parameter: "out", "cannot write \(truth.labelFile!): \(error)")
            }
            images.append(truth)
        }
        let truth = RadiographTruth(seed: seed, images: images, parameters: model.parameters, findings: drawn)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data: Data
        do { data = try encoder.encode(truth) } catch {
            throw PhantomError(.writeFailed, parameter: "xray-truth.json", "cannot encode the truth: \(error)")
        }
        try FileIO.writeAtomically([UInt8](data), to: folder + "/xray-truth.json")
        let findings = images.flatMap { im in
            im.lesions.flatMap { l in l.boxes.map { "\(im.view.rawValue): \(l.lesionClass.rawValue) \($0.level)" } }
        }
        return "\(folder): seed \(seed), \(views.map(\.rawValue).joined(separator: " + "))"
            + (findings.isEmpty ? ", normal" : "; " + findings.joined(separator: ", "))
    }

    /// Writes one radiograph as a DX For Presentation object: 12 bits stored, MONOCHROME1 or 2 as the
    /// truth says (MONOCHROME1 stores 4095 − value), ImagerPixelSpacing at the detector and PixelSpacing
    /// corrected for magnification at the isocentre (PixelSpacingCalibrationType GEOMETRY).
    public static func writeDX(
        _ radiograph: Radiograph, to path: String, study: PhantomDICOM.StudyIdentity, seriesNumber: Int
    ) throws {
        let t = radiograph.truth
        let monochrome1 = t.photometricInterpretation == "MONOCHROME1"
        var ds = DataSet()
        ds.set(.specificCharacterSet, .CS, "ISO_IR 100")
        ds.set(.imageType, .CS, ["DERIVED", "PRIMARY"])
        ds.set(.sopClassUID, .UI, dxForPresentationSOPClassUID)
        ds.set(.sopInstanceUID, .UI, PhantomDICOM.uid(seed: study.seed, 14, UInt64(seriesNumber)))
        ds.set(.studyDate, .DA, study.studyDate)
        ds.set(DICOMTag(0x0008, 0x0021), .DA, study.studyDate)  // Series Date
        ds.set(DICOMTag(0x0008, 0x0023), .DA, study.studyDate)  // Content Date
        ds.set(DICOMTag(0x0008, 0x0030), .TM, "120000")  // Study Time
        ds.set(DICOMTag(0x0008, 0x0033), .TM, "120000")  // Content Time
        ds.set(DICOMTag(0x0008, 0x0050), .SH, "PX\(study.seed % 1_000_000_000)")  // Accession Number
        ds.set(.modality, .CS, "DX")
        ds.set(DICOMTag(0x0008, 0x0068), .CS, "FOR PRESENTATION")  // Presentation Intent Type
        ds.set(.manufacturer, .LO, "SpineKit SpinePhantom (synthetic)")
        ds.set(DICOMTag(0x0008, 0x0090), .PN, "")  // Referring Physician's Name
        ds.set(DICOMTag(0x0008, 0x1030), .LO, "Synthetic lumbar spine radiographs")  // Study Description
        let viewName =
            switch radiograph.view {
            case .lateral: "left lateral"
            case .anteroposterior: "AP"
            case .cervicalLateral: "left lateral cervical"
            }
        let cervical = radiograph.view == .cervicalLateral
        ds.set(.seriesDescription, .LO, "\(cervical ? "Cervical" : "Lumbar") spine \(viewName) (synthetic)")
        ds.set(.patientName, .PN, study.patientName)
        ds.set(.patientID, .LO, study.patientID)
        ds.set(DICOMTag(0x0010, 0x0030), .DA, "")  // Birth Date
        ds.set(DICOMTag(0x0010, 0x0040), .CS, "O")  // Sex
        ds.set(DICOMTag(0x0012, 0x0062), .CS, "YES")  // Patient Identity Removed
        ds.set(DICOMTag(0x0012, 0x0063), .LO, "Synthetic phantom: no patient data")  // De-identification Method
        ds.set(.bodyPartExamined, .CS, cervical ? "CSPINE" : "LSPINE")
        var region = DataSet()  // Anatomic Region: lumbar or cervical spine (SNOMED CT, CID 4031)
        region.set(DICOMTag(0x0008, 0x0100), .SH, cervical ? "122494005" : "122496007")
        region.set(DICOMTag(0x0008, 0x0102), .SH, "SCT")
        region.set(DICOMTag(0x0008, 0x0104), .LO, cervical ? "Cervical spine" : "Lumbar spine")
        ds.set(DICOMTag(0x0008, 0x2218), items: [region])
        ds.set(DICOMTag(0x0040, 0x0555), items: [])  // Acquisition Context Sequence (empty)
        ds.set(DICOMTag(0x0018, 0x7004), .CS, "SCINTILLATOR")  // Detector Type
        ds.set(DICOMTag(0x0018, 0x1508), .CS, "")  // Positioner Type (unknown)
        // Presentation LUT Shape: IDENTITY for MONOCHROME2, INVERSE for MONOCHROME1 (DX Image module).
        ds.set(DICOMTag(0x2050, 0x0020), .CS, monochrome1 ? "INVERSE" : "IDENTITY")
        ds.set(DICOMTag(0x0018, 0x0060), decimals: [85])  // KVP
        ds.set(DICOMTag(0x0018, 0x1110), decimals: [t.sourceImageDistanceMM])  // Distance Source to Detector
        ds.set(DICOMTag(0x0018, 0x1111), decimals: [t.sourceIsocentreDistanceMM])  // Distance Source to Patient
        // Estimated Radiographic Magnification Factor
        ds.set(DICOMTag(0x0018, 0x1114), decimals: [t.sourceImageDistanceMM / t.sourceIsocentreDistanceMM])
        ds.set(.imagerPixelSpacing, decimals: t.imagerPixelSpacingMM)
        ds.set(DICOMTag(0x0018, 0x5101), .CS, radiograph.view.isLateral ? "LL" : "AP")  // View Position
        ds.set(.studyInstanceUID, .UI, study.studyInstanceUID)
        ds.set(.seriesInstanceUID, .UI, PhantomDICOM.uid(seed: study.seed, 13, UInt64(seriesNumber)))
        ds.set(DICOMTag(0x0020, 0x0010), .SH, "1")  // Study ID
        ds.set(.seriesNumber, .IS, String(seriesNumber))
        ds.set(.instanceNumber, .IS, "1")
        // Patient Orientation: the directions of increasing column and row.
        ds.set(DICOMTag(0x0020, 0x0020), .CS, radiograph.view.isLateral ? ["P", "F"] : ["L", "F"])
        ds.set(DICOMTag(0x0020, 0x0062), .CS, "U")  // Image Laterality (unpaired)
        ds.set(.samplesPerPixel, .US, numbers: [1])
        ds.set(.photometricInterpretation, .CS, t.photometricInterpretation)
        ds.set(.rows, .US, numbers: [Double(radiograph.rows)])
        ds.set(.columns, .US, numbers: [Double(radiograph.columns)])
        ds.set(.pixelSpacing, decimals: t.pixelSpacingMM)
        ds.set(DICOMTag(0x0028, 0x0A02), .CS, "GEOMETRY")  // Pixel Spacing Calibration Type
        ds.set(DICOMTag(0x0028, 0x0A04), .LO, "magnification at the isocentre")  // … Description
        ds.set(.bitsAllocated, .US, numbers: [16])
        ds.set(.bitsStored, .US, numbers: [12])
        ds.set(.highBit, .US, numbers: [11])
        ds.set(.pixelRepresentation, .US, numbers: [0])
        ds.set(DICOMTag(0x0028, 0x0301), .CS, "NO")  // Burned In Annotation (the marker is a lead marker)
        ds.set(DICOMTag(0x0028, 0x1040), .CS, "LOG")  // Pixel Intensity Relationship
        // Sign +1: lower values mean less beam intensity (MONOCHROME1 here); −1: higher values do.
        ds.set(DICOMTag(0x0028, 0x1041), .SS, numbers: [monochrome1 ? 1 : -1])
        ds.set(.windowCenter, decimals: [2048])
        ds.set(.windowWidth, decimals: [4096])
        ds.set(.rescaleIntercept, decimals: [0])
        ds.set(.rescaleSlope, decimals: [1])
        ds.set(DICOMTag(0x0028, 0x1054), .LO, "US")  // Rescale Type
        ds.set(DICOMTag(0x0028, 0x2110), .CS, "00")  // Lossy Image Compression
        var bytes = [UInt8](repeating: 0, count: radiograph.pixels.count * 2)
        for (q, v) in radiograph.pixels.enumerated() {
            let s = monochrome1 ? 4095 - v : v
            bytes[2 * q] = UInt8(s & 0xFF)
            bytes[2 * q + 1] = UInt8(s >> 8)
        }
        ds.set(.pixelData, .OW, bytes: bytes)
        try DICOMWriter.write(ds, to: path)
    }
}
