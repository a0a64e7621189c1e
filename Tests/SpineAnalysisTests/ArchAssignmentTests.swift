import SpineImaging
import Testing

@testable import SpineAnalysis

/// ``Volume/assigningArches(in:bodies:)`` on a hand-made column whose answer follows from the slab rule: bodies
/// 40 mm apart along a tilted axis, arch voxels at known distances from the boundaries.
@Suite struct ArchAssignmentTests {
    /// A 1 mm grid, 1 × 1 × 200 voxels along z (superior), rotated so that the column runs along the unit axis
    /// `axis` in LPS; voxel k sits at k mm from the origin along it.
    static func column(axis: SIMD3<Double>) -> ImageGeometry {
        // Any orthonormal frame whose third column is `axis`.
        let a = axis / (axis * axis).sum().squareRoot()
        let helper = abs(a.x) < 0.9 ? SIMD3<Double>(1, 0, 0) : SIMD3<Double>(0, 1, 0)
        var u = helper - a * (helper * a).sum()
        u /= (u * u).sum().squareRoot()
        let v = SIMD3(a.y * u.z - a.z * u.y, a.z * u.x - a.x * u.z, a.x * u.y - a.y * u.x)
        return ImageGeometry(
            size: SIMD3(1, 1, 200), spacing: SIMD3(1, 1, 1), origin: .zero, direction: Matrix3(columns: u, v, a))
    }

    @Test(arguments: [SIMD3<Double>(0, 0, 1), SIMD3<Double>(0, 0.6, 0.8), SIMD3<Double>(0.28, -0.96, 0)])
    func slabsFollowTheBodiesAnyOrientation(axis: SIMD3<Double>) throws {
        let g = Self.column(axis: axis)
        let labels = Volume<UInt8>(geometry: g)
        let region = [Bool](repeating: true, count: 200)
        // T13 (VerSe 28, but cranial to L1) at 140 mm, L1 (20) at 100 mm, L2 (21) at 60 mm; given out of order.
        func at(_ mm: Double) -> SIMD3<Double> { g.worldLPS(voxelIJK: SIMD3(0, 0, mm)) }
        let bodies: [(vertebra: Vertebra, centroidLPS: SIMD3<Double>)] = [
            (.l2, at(60)), (.t13, at(140)), (.l1, at(100)),
        ]
        let out = labels.assigningArches(in: region, bodies: bodies)
        // Boundaries at the midpoints moved 8 % of 40 mm = 3.2 mm caudally: 116.8 and 76.8 mm; slabs reach
        // 40 × (0.5 − 0.08) = 16.8 mm above T13 and 40 × 0.58 = 23.2 mm below L2.
        for k in 0..<200 {
            let expected: UInt8 =
                k > 156 ? 0 : k > 116 ? 28 : k > 76 ? 20 : k >= 37 ? 21 : 0
            #expect(out.voxels[k] == expected, "voxel at \(k) mm along the axis")
        }
        // Outside the region nothing changes, and one body alone labels nothing.
        var marked = labels
        marked.voxels[10] = 7
        #expect(marked.assigningArches(in: [Bool](repeating: false, count: 200), bodies: bodies).voxels == marked.voxels)
        #expect(labels.assigningArches(in: region, bodies: [(.l1, at(100))]).voxels == labels.voxels)
    }
}
