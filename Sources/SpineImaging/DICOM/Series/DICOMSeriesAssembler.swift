import Foundation

/// Groups DICOM image objects into volumes (PS3.3 C.7.6.2 image plane geometry).
///
/// Objects are grouped by Series Instance UID, then split when orientation, image size, echo
/// or temporal position differ; slices are sorted by the projection of ImagePositionPatient on the
/// slice normal and the slice spacing is derived from positions (never from SliceThickness).
/// Missing slices, non-uniform spacing and gantry tilt are reported as warnings.
public enum DICOMSeriesAssembler {
    /// Relative deviation from the median slice step above which spacing is called non-uniform.
    static let spacingTolerance = 0.05

    public static func assemble(_ instances: [DICOMInstance]) -> [DICOMSeries] {
        var groups: [String: [DICOMSeries.Slice]] = [:]
        var order: [String] = []
        for inst in instances {
            for f in 0..<(inst.isEnhanced ? inst.numberOfFrames : 1) {
                let slice = DICOMSeries.Slice(instance: inst, frameIndex: f)
                let key = groupKey(slice)
                if groups[key] == nil { order.append(key) }
                groups[key, default: []].append(slice)
            }
        }
        var result: [DICOMSeries] = []
        var perUID: [String: Int] = [:]
        for key in order {
            guard let slices = groups[key] else { continue }
            let uid = slices[0].instance.seriesInstanceUID ?? "no-series-uid"
            let n = perUID[uid, default: 0]
            perUID[uid] = n + 1
            result.append(contentsOf: build(slices, identifier: n == 0 ? uid : "\(uid)#\(n + 1)"))
        }
        // Give split series distinct identifiers (#1 for the first when there are several).
        var counts: [String: Int] = [:]
        for s in result { counts[s.seriesInstanceUID ?? "no-series-uid", default: 0] += 1 }
        return result.map { s in
            var s = s
            if counts[s.seriesInstanceUID ?? "no-series-uid", default: 0] > 1, !s.identifier.contains("#") {
                s.identifier += "#1"
            }
            return s
        }
    }

    private static func groupKey(_ s: DICOMSeries.Slice) -> String {
        let inst = s.instance
        let g = s.geometry
        // Without a Series Instance UID (some anonymisers blank it), fall back to the attributes that
        // still tell series apart; orientation, size and position sorting do the rest.
        var key =
            inst.seriesInstanceUID
            ?? "no-uid|\(inst.studyInstanceUID ?? "")|\(inst.frameOfReferenceUID ?? "")|\(inst.seriesNumber ?? -1)|\(inst.modality ?? "")|\(inst.seriesDescription ?? "")"
        key += "|\(inst.rows)x\(inst.columns)x\(inst.samplesPerPixel)|\(inst.photometricInterpretation)"
        if let r = g.rowDirection, let c = g.columnDirection {
            key +=
                "|"
                + [r.x, r.y, r.z, c.x, c.y, c.z].map { String(format: "%.3f", $0 == 0 ? 0 : $0) }.joined(separator: ",")
        } else {
            // Without orientation, each object is its own image (radiographs, secondary captures).
            key += "|\(inst.source.description)"
        }
        if let e = inst.echoNumber { key += "|echo\(e)" }
        if let t = inst.temporalPosition { key += "|t\(t)" }
        // Legacy multi-frame (cine, NM) without per-frame geometry: one volume per object.
        if !inst.isEnhanced && inst.numberOfFrames > 1 { key += "|obj:\(inst.source.description)" }
        if inst.isEnhanced { key += "|sop:\(inst.sopInstanceUID ?? inst.source.description)" }
        return key
    }

    private static func build(_ input: [DICOMSeries.Slice], identifier: String) -> [DICOMSeries] {
        let first = input[0]
        let inst = first.instance
        let g0 = first.geometry
        var warnings: [String] = []
        let inPlane = g0.pixelSpacing ?? SIMD2(1, 1)
        if g0.pixelSpacing == nil {
            warnings.append("pixel spacing unknown: assuming 1 mm")
        } else if inst.spacingSource == .imagerPixelSpacing {
            warnings.append("spacing from ImagerPixelSpacing (at the detector, not corrected for magnification)")
        }

        // Legacy multi-frame object without per-frame positions: frames stacked in order.
        if !inst.isEnhanced && inst.numberOfFrames > 1 {
            let dir = directionMatrix(g0)
            let dz = g0.spacingBetweenSlices ?? g0.sliceThickness ?? 1
            if g0.spacingBetweenSlices == nil {
                warnings.append("multi-frame object without per-frame positions: frames stacked \(format(dz)) mm apart")
            }
            let geometry = ImageGeometry(
                size: SIMD3(inst.columns, inst.rows, inst.numberOfFrames), spacing: SIMD3(inPlane.x, inPlane.y, dz),
                origin: g0.position ?? .zero, direction: dir)
            let slices = (0..<inst.numberOfFrames).map { DICOMSeries.Slice(instance: inst, frameIndex: $0) }
            return [DICOMSeries(slices: slices, geometry: geometry, warnings: warnings, identifier: identifier)]
        }

        guard let row = g0.rowDirection, let col = g0.columnDirection else {
            // No orientation: each object is a 2D image (radiograph) — already one per group.
            if g0.position == nil && input.count == 1 && inst.modality != "CR" && inst.modality != "DX"
                && inst.modality != "MG" && inst.modality != "IO" && inst.modality != "PX" && inst.modality != "XA"
                && inst.modality != "RF"
            {
                warnings.append("no ImageOrientationPatient: orientation assumed (rows along L, columns along P)")
            }
            let geometry = ImageGeometry(
                size: SIMD3(inst.columns, inst.rows, 1), spacing: SIMD3(inPlane.x, inPlane.y, g0.sliceThickness ?? 1),
                origin: g0.position ?? .zero, direction: .identity)
            return input.map {
                DICOMSeries(slices: [$0], geometry: geometry, warnings: warnings, identifier: identifier)
            }
        }
        let normal = row.cross(col).normalized
        // Sort along the normal; slices without a position go last by instance number (with a warning).
        var located = input.filter { $0.geometry.position != nil }
        if located.count < input.count {
            warnings.append("\(input.count - located.count) slice(s) without ImagePositionPatient were left out")
        }
        if located.isEmpty { located = [input[0]] }
        located.sort { a, b in
            let da = a.geometry.position.map { $0.dot(normal) } ?? 0,
                db = b.geometry.position.map { $0.dot(normal) } ?? 0
            if da != db { return da < db }
            return (a.instance.instanceNumber ?? 0, a.frameIndex) < (b.instance.instanceNumber ?? 0, b.frameIndex)
        }
        // Drop duplicate positions (keep the first by instance number), with a warning.
        var unique: [DICOMSeries.Slice] = []
        var dropped = 0
        for s in located {
            if let last = unique.last, let p = last.geometry.position, let q = s.geometry.position,
                abs((q - p).dot(normal)) < 1e-3
            {
                dropped += 1
                continue
            }
            unique.append(s)
        }
        if dropped > 0 { warnings.append("\(dropped) slice(s) at duplicate positions were left out") }

        let positions = unique.map { $0.geometry.position ?? .zero }
        let projections = positions.map { $0.dot(normal) }
        var dz = g0.spacingBetweenSlices ?? g0.sliceThickness ?? 1
        if unique.count > 1 {
            let steps = zip(projections.dropFirst(), projections).map { $0 - $1 }
            let sorted = steps.sorted()
            let median = sorted[sorted.count / 2]
            dz = (projections.last! - projections.first!) / Double(unique.count - 1)
            if let maxStep = sorted.last, let minStep = sorted.first, median > 0 {
                if maxStep > 1.5 * median {
                    let missing = steps.reduce(0) { $0 + max(0, Int(($1 / median).rounded()) - 1) }
                    warnings.append(
                        "slices appear to be missing: a gap of \(format(maxStep)) mm where the step is \(format(median)) mm (about \(missing) missing)"
                    )
                } else if (maxStep - minStep) > spacingTolerance * median {
                    warnings.append(
                        "non-uniform slice spacing: \(format(minStep))–\(format(maxStep)) mm (mean \(format(dz)) mm used)"
                    )
                }
            }
            // Gantry tilt: slices displaced along a direction that is not the normal.
            let displacement = (positions.last! - positions.first!).normalized
            let angle = acos(min(1, abs(displacement.dot(normal)))) * 180 / .pi
            if angle > 0.5 {
                warnings.append(
                    "gantry tilt of \(format(angle))° (slices sheared): geometry uses the slice normal; positions off by up to \(format((positions.last! - positions.first!).length * sin(angle * .pi / 180))) mm"
                )
            } else if let tilt = inst.gantryTiltDegrees, abs(tilt) > 0.5 {
                warnings.append("GantryDetectorTilt is \(format(tilt))°")
            }
        } else if inst.modality != "CR" && inst.modality != "DX" {
            if g0.spacingBetweenSlices == nil && g0.sliceThickness == nil { dz = 1 }
        }
        let direction = Matrix3(columns: row, col, normal)
        let geometry = ImageGeometry(
            size: SIMD3(inst.columns, inst.rows, unique.count),
            spacing: SIMD3(inPlane.x, inPlane.y, abs(dz) > 0 ? abs(dz) : 1),
            origin: positions[0], direction: direction)
        return [DICOMSeries(slices: unique, geometry: geometry, warnings: warnings, identifier: identifier)]
    }

    private static func directionMatrix(_ g: DICOMInstance.FrameGeometry) -> Matrix3 {
        guard let r = g.rowDirection, let c = g.columnDirection else { return .identity }
        return Matrix3(columns: r, c, r.cross(c).normalized)
    }

    static func format(_ v: Double) -> String { String(format: "%.2f", v) }
}
