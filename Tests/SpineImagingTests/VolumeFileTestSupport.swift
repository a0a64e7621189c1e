import Foundation
import Testing

@testable import SpineImaging

/// Shared helpers for the file-format suites: sample volumes, comparisons, fixture expectations.
enum VolumeFileTestSupport {
    /// A voxel with its expected LPS position [mm] and value, as computed by the fixture script.
    struct Sample: Decodable {
        var ijk: [Int]
        var lps: [Double]
        var value: Double
    }

    /// One fixture file and what reading it must give (`Tests/Fixtures/*/expected.json`).
    struct Expectation: Decodable {
        var file: String
        var volumeIndex: Int
        var size: [Int]
        var type: String
        var axisCodes: String?
        var samples: [Sample]
    }

    static func expectations(_ folder: String) throws -> [Expectation] {
        let url = TestData.fixtures.appendingPathComponent(folder).appendingPathComponent("expected.json")
        return try JSONDecoder().decode([Expectation].self, from: Data(contentsOf: url))
    }

    /// A fresh empty folder under the system temporary directory.
    static func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("spinekit-formats-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// An oblique geometry: rotated about all three axes, optionally left-handed (third axis flipped).
    static func obliqueGeometry(size: SIMD3<Int> = SIMD3(5, 4, 3), leftHanded: Bool = false) -> ImageGeometry {
        let (ax, ay, az) = (0.3, -0.45, 0.7)
        let rx = Matrix3(rows: [[1, 0, 0], [0, cos(ax), -sin(ax)], [0, sin(ax), cos(ax)]])
        let ry = Matrix3(rows: [[cos(ay), 0, sin(ay)], [0, 1, 0], [-sin(ay), 0, cos(ay)]])
        let rz = Matrix3(rows: [[cos(az), -sin(az), 0], [sin(az), cos(az), 0], [0, 0, 1]])
        var d = rz * ry * rx
        if leftHanded { d = d * Matrix3(rows: [[1, 0, 0], [0, 1, 0], [0, 0, -1]]) }
        // Origins exactly representable in Float32 so NIfTI-1's float fields keep them.
        return ImageGeometry(
            size: size, spacing: SIMD3(0.75, 1.25, 3.5), origin: SIMD3(-40.5, 12.25, 101.125), direction: d)
    }

    /// A volume of `type` whose values span negative, zero and extreme values where the type allows.
    static func sampleVolume(_ type: VoxelDataType, geometry: ImageGeometry) -> AnyVolume {
        let n = geometry.voxelCount
        func values<T: VoxelScalar>(_ f: (Int) -> T) -> [T] { (0..<n).map(f) }
        switch type {
        case .uint8: return .uint8(Volume(geometry: geometry, voxels: values { UInt8(($0 * 37) % 256) }))
        case .int16:
            return .int16(
                Volume(
                    geometry: geometry,
                    voxels: values { $0 == 0 ? .min : $0 == 1 ? .max : Int16(truncatingIfNeeded: $0 * 911 - 20000) }))
        case .uint16:
            return .uint16(
                Volume(geometry: geometry, voxels: values { $0 == 1 ? .max : UInt16(truncatingIfNeeded: $0 * 1031) }))
        case .int32:
            return .int32(
                Volume(
                    geometry: geometry,
                    voxels: values {
                        $0 == 0 ? .min : $0 == 1 ? .max : Int32(truncatingIfNeeded: $0 * 70_001 - 3_000_000)
                    }))
        case .float32:
            return .float32(
                Volume(
                    geometry: geometry, voxels: values { $0 == 0 ? -.greatestFiniteMagnitude : Float($0) * 0.37 - 9.5 })
            )
        case .float64:
            return .float64(
                Volume(
                    geometry: geometry,
                    voxels: values { $0 == 0 ? .leastNonzeroMagnitude : Double($0) * -1e-3 + 1e6 / 3 }))
        }
    }

    static func doubles(_ v: AnyVolume) -> [Double] { v.value.converted(to: Double.self).voxels }

    static func value(_ v: AnyVolume, _ ijk: [Int]) -> Double {
        let g = v.geometry
        return doubles(v)[g.linearIndex(ijk[0], ijk[1], ijk[2])]
    }

    /// Expects equal size and geometry within `tolerance` (mm for origin, relative for the rest).
    static func expectGeometry(
        _ a: ImageGeometry, _ b: ImageGeometry, tolerance: Double, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(a.size == b.size, sourceLocation: sourceLocation)
        #expect(
            (a.spacing - b.spacing).length < tolerance, "spacing \(a.spacing) vs \(b.spacing)",
            sourceLocation: sourceLocation)
        #expect(
            (a.origin - b.origin).length < tolerance, "origin \(a.origin) vs \(b.origin)",
            sourceLocation: sourceLocation)
        let dd = zip(a.direction.elements, b.direction.elements).map { abs($0 - $1) }.max() ?? 0
        #expect(dd < tolerance, "direction \(a.direction.rows) vs \(b.direction.rows)", sourceLocation: sourceLocation)
    }

    /// Expects the same type, the same voxels and the same geometry (within `tolerance`).
    static func expectSameVolume(
        _ a: AnyVolume, _ b: AnyVolume, tolerance: Double = 1e-6, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(a.dataType == b.dataType, sourceLocation: sourceLocation)
        expectGeometry(a.geometry, b.geometry, tolerance: tolerance, sourceLocation: sourceLocation)
        let (x, y) = (doubles(a), doubles(b))
        let same = x.count == y.count && zip(x, y).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) }
        #expect(same, "voxel values differ", sourceLocation: sourceLocation)
    }

    /// Checks a volume read from a fixture against the script's expectations.
    static func check(_ v: AnyVolume, against e: Expectation, sourceLocation: SourceLocation = #_sourceLocation) {
        let file = e.file
        #expect(
            [v.geometry.size.x, v.geometry.size.y, v.geometry.size.z] == e.size, "\(file) size",
            sourceLocation: sourceLocation)
        #expect(v.dataType.rawValue == e.type, "\(file) type \(v.dataType)", sourceLocation: sourceLocation)
        if let codes = e.axisCodes {
            #expect(v.geometry.axisCodes.description == codes, "\(file) axis codes", sourceLocation: sourceLocation)
        }
        for s in e.samples {
            let p = SIMD3(Double(s.ijk[0]), Double(s.ijk[1]), Double(s.ijk[2]))
            let w = v.geometry.worldLPS(voxelIJK: p)
            let err = (w - SIMD3(s.lps[0], s.lps[1], s.lps[2])).length
            #expect(err < 1e-5, "\(file) voxel \(s.ijk): LPS \(w) vs expected \(s.lps)", sourceLocation: sourceLocation)
            let got = value(v, s.ijk)
            #expect(
                abs(got - s.value) <= 1e-6 * max(1, abs(s.value)), "\(file) voxel \(s.ijk): \(got) vs \(s.value)",
                sourceLocation: sourceLocation)
        }
    }

    /// Runs `body` and returns the `ImagingError` it throws (fails the test when it does not throw one).
    static func imagingError(
        sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void
    ) -> ImagingError? {
        do {
            try body()
            Issue.record("expected an ImagingError, but nothing was thrown", sourceLocation: sourceLocation)
        } catch let e as ImagingError {
            return e
        } catch {
            Issue.record("expected an ImagingError, got \(error)", sourceLocation: sourceLocation)
        }
        return nil
    }

    /// Expects `body` to throw an `ImagingError` with `code` whose message contains `fragment`.
    static func expectError(
        _ code: ImagingError.Code, _ fragment: String, sourceLocation: SourceLocation = #_sourceLocation,
        _ body: () throws -> Void
    ) {
        guard let e = imagingError(sourceLocation: sourceLocation, body) else { return }
        #expect(e.code == code, "code \(e.code) for: \(e)", sourceLocation: sourceLocation)
        #expect(
            e.message.contains(fragment), "message '\(e.message)' lacks '\(fragment)'", sourceLocation: sourceLocation)
    }
}
