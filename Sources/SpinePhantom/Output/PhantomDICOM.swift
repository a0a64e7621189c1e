import SpineImaging

/// Writes phantom images as DICOM MR Image Storage series with deterministic UIDs and a synthetic,
/// de-identified patient, so the same seed gives byte-identical files.
public enum PhantomDICOM {
    /// A deterministic UID under the UUID-derived root 2.25 (PS3.5 §B.2) from a seed and a path of numbers.
    public static func uid(seed: UInt64, _ path: UInt64...) -> String {
        var r = PhantomRandom(seed: seed, stream: 0xD1C0)
        for p in path { r = PhantomRandom(seed: r.next() ^ p, stream: p) }
        let hi = r.next(), lo = r.next() & ~(UInt64(0xF) << 60) | (UInt64(0x8) << 60)  // RFC 4122 variant bits
        let bytes =
            (0..<8).map { UInt8(truncatingIfNeeded: hi >> (56 - 8 * $0)) }
            + (0..<8).map { UInt8(truncatingIfNeeded: lo >> (56 - 8 * $0)) }
        var digits: [UInt8] = [0]
        for byte in bytes {
            var carry = Int(byte)
            for i in digits.indices {
                let v = Int(digits[i]) * 256 + carry
                digits[i] = UInt8(v % 10)
                carry = v / 10
            }
            while carry > 0 {
                digits.append(UInt8(carry % 10))
                carry /= 10
            }
        }
        while digits.count > 1 && digits.last == 0 { digits.removeLast() }
        return "2.25." + String(digits.reversed().map { Character(String($0)) })
    }

    /// Identity shared by every series of a study.
    public struct StudyIdentity: Sendable {
        public var seed: UInt64
        public var patientName: String
        public var patientID: String
        public var studyInstanceUID: String
        public var frameOfReferenceUID: String
        public var studyDate: String

        public init(seed: UInt64) {
            self.seed = seed
            patientName = "PHANTOM^\(seed)"
            patientID = "SPK-PH-\(seed)"
            studyInstanceUID = PhantomDICOM.uid(seed: seed, 1)
            frameOfReferenceUID = PhantomDICOM.uid(seed: seed, 2)
            studyDate = "20000101"
        }
    }

    /// Writes one series (a file per slice k, `IM00001.dcm`…) into an existing folder; returns the paths.
    ///
    /// - Parameter phaseEncoding: written as InPlanePhaseEncodingDirection (0018,1312) on every image: the axis
    ///   along which any motion ghosts of the series run; nil: the grid's axis closest to anteroposterior
    ///   (`MotionGhosting.Axis.anteroposterior(in:)`), the renderer's choice for an unset axis.
    @discardableResult
    public static func writeMR(
        _ volume: Volume<UInt16>, to folder: String, study: StudyIdentity, seriesNumber: Int, description: String,
        sequence: MRSequence?, phaseEncoding: MotionGhosting.Axis? = nil
    ) throws -> [String] {
        let phaseAxis = phaseEncoding ?? MotionGhosting.Axis.anteroposterior(in: volume.geometry)
        let g = volume.geometry
        let plane = g.size.x * g.size.y
        let seriesUID = uid(seed: study.seed, 3, UInt64(seriesNumber))
        var paths: [String] = []
        var maxValue: UInt16 = 0
        for v in volume.voxels where v > maxValue { maxValue = v }
        for k in 0..<g.size.z {
            var ds = DataSet()
            ds.set(.specificCharacterSet, .CS, "ISO_IR 100")
            ds.set(.imageType, .CS, ["ORIGINAL", "PRIMARY", "OTHER"])
            ds.set(.sopClassUID, .UI, "1.2.840.10008.5.1.4.1.1.4")
            ds.set(.sopInstanceUID, .UI, uid(seed: study.seed, 4, UInt64(seriesNumber), UInt64(k)))
            ds.set(.studyDate, .DA, study.studyDate)
            ds.set(DICOMTag(0x0008, 0x0021), .DA, study.studyDate)  // Series Date
            ds.set(DICOMTag(0x0008, 0x0030), .TM, "120000")  // Study Time
            ds.set(DICOMTag(0x0008, 0x0050), .SH, "PH\(study.seed % 1_000_000_000)")  // Accession Number
            ds.set(.modality, .CS, "MR")
            ds.set(.manufacturer, .LO, "SpineKit SpinePhantom (synthetic)")
            ds.set(DICOMTag(0x0008, 0x0090), .PN, "")  // Referring Physician's Name
            ds.set(DICOMTag(0x0008, 0x1030), .LO, "Synthetic lumbar spine MRI")  // Study Description
            ds.set(.seriesDescription, .LO, description)
            ds.set(.patientName, .PN, study.patientName)
            ds.set(.patientID, .LO, study.patientID)
            ds.set(DICOMTag(0x0010, 0x0030), .DA, "")  // Birth Date
            ds.set(DICOMTag(0x0010, 0x0040), .CS, "O")  // Sex
            ds.set(DICOMTag(0x0012, 0x0062), .CS, "YES")  // Patient Identity Removed
            ds.set(DICOMTag(0x0012, 0x0063), .LO, "Synthetic phantom: no patient data")  // De-identification Method
            ds.set(.bodyPartExamined, .CS, "LSPINE")
            // Scanning Sequence
            ds.set(DICOMTag(0x0018, 0x0020), .CS, sequence?.kind == .inversionRecovery ? "IR" : "SE")
            ds.set(DICOMTag(0x0018, 0x0021), .CS, "NONE")  // Sequence Variant
            ds.set(DICOMTag(0x0018, 0x0022), .CS, "")  // Scan Options
            ds.set(DICOMTag(0x0018, 0x0023), .CS, "2D")  // MR Acquisition Type
            ds.set(.sliceThickness, decimals: [g.spacing.z])
            ds.set(.spacingBetweenSlices, decimals: [g.spacing.z])
            if let s = sequence {
                ds.set(.repetitionTime, decimals: [s.repetitionTimeMS])
                ds.set(.echoTime, decimals: [s.echoTimeMS])
                if s.kind == .inversionRecovery { ds.set(DICOMTag(0x0018, 0x0082), decimals: [s.inversionTimeMS]) }
            }
            ds.set(DICOMTag(0x0018, 0x0091), .IS, "1")  // Echo Train Length (conventional spin echo)
            ds.set(DICOMTag(0x0018, 0x1312), .CS, phaseAxis.rawValue)  // In-plane Phase Encoding Direction
            ds.set(DICOMTag(0x0018, 0x0087), decimals: [1.5])  // Magnetic Field Strength
            ds.set(DICOMTag(0x0018, 0x5100), .CS, "HFS")  // Patient Position
            ds.set(.studyInstanceUID, .UI, study.studyInstanceUID)
            ds.set(.seriesInstanceUID, .UI, seriesUID)
            ds.set(DICOMTag(0x0020, 0x0010), .SH, "1")  // Study ID
            ds.set(.seriesNumber, .IS, String(seriesNumber))
            ds.set(.instanceNumber, .IS, String(k + 1))
            let p = g.worldLPS(voxelIJK: SIMD3(0, 0, Double(k)))
            ds.set(.imagePositionPatient, decimals: [p.x, p.y, p.z])
            let r = g.direction.column(0), c = g.direction.column(1)
            ds.set(.imageOrientationPatient, decimals: [r.x, r.y, r.z, c.x, c.y, c.z])
            ds.set(.frameOfReferenceUID, .UI, study.frameOfReferenceUID)
            ds.set(DICOMTag(0x0020, 0x1040), .LO, "")  // Position Reference Indicator
            let n = g.direction.column(2)
            ds.set(DICOMTag(0x0020, 0x1041), decimals: [p.x * n.x + p.y * n.y + p.z * n.z])  // Slice Location
            ds.set(.samplesPerPixel, .US, numbers: [1])
            ds.set(.photometricInterpretation, .CS, "MONOCHROME2")
            ds.set(.rows, .US, numbers: [Double(g.size.y)])
            ds.set(.columns, .US, numbers: [Double(g.size.x)])
            ds.set(.pixelSpacing, decimals: [g.spacing.y, g.spacing.x])
            ds.set(.bitsAllocated, .US, numbers: [16])
            ds.set(.bitsStored, .US, numbers: [16])
            ds.set(.highBit, .US, numbers: [15])
            ds.set(.pixelRepresentation, .US, numbers: [0])
            ds.set(.windowCenter, decimals: [Double(maxValue) * 0.4])
            ds.set(.windowWidth, decimals: [Double(maxValue) * 0.8])
            var pixels = [UInt8](repeating: 0, count: plane * 2)
            for q in 0..<plane {
                let w = volume.voxels[k * plane + q]
                pixels[2 * q] = UInt8(w & 0xFF)
                pixels[2 * q + 1] = UInt8(w >> 8)
            }
            ds.set(.pixelData, .OW, bytes: pixels)
            let path = folder + "/IM" + String(repeating: "0", count: 5 - String(k + 1).count) + String(k + 1) + ".dcm"
            try DICOMWriter.write(ds, to: path)
            paths.append(path)
        }
        return paths
    }
}
