import Foundation
import SpineImaging

@testable import SpineAnalysis

/// Hand-made label maps whose answers are known by construction.
enum Phantoms {
    /// A grid with every voxel where `inside(worldLPS)` returns a non-zero label.
    static func labelMap(
        size: SIMD3<Int>, spacing: SIMD3<Double> = .one, origin: SIMD3<Double> = .zero, direction: Matrix3 = .identity,
        _ inside: (SIMD3<Double>) -> UInt8
    ) -> Volume<UInt8> {
        let g = ImageGeometry(size: size, spacing: spacing, origin: origin, direction: direction)
        var v = Volume<UInt8>(geometry: g)
        for k in 0..<size.z {
            for j in 0..<size.y {
                for i in 0..<size.x {
                    v[i, j, k] = inside(g.worldLPS(voxelIJK: SIMD3(Double(i), Double(j), Double(k))))
                }
            }
        }
        return v
    }

    /// A rotation about LPS x (left) by `degrees`.
    static func rotationX(_ degrees: Double) -> Matrix3 {
        let a = degrees * .pi / 180
        return Matrix3(rows: [[1, 0, 0], [0, cos(a), -sin(a)], [0, sin(a), cos(a)]])
    }
}
