import Foundation
import SpineImaging
import Testing

@testable import SpineAnalysis

@Suite struct InstanceTests {
    /// A 9×9 grid with two components, touching only diagonally.
    static let twoBlobs: Volume<UInt8> = {
        var v = Volume<UInt8>(geometry: ImageGeometry(size: SIMD3(9, 9, 1), spacing: SIMD3(0.5, 0.5, 2)))
        for j in 1...3 { for i in 1...3 { v[i, j, 0] = 1 } }  // 9 voxels
        for j in 4...7 { for i in 4...6 { v[i, j, 0] = 1 } }  // 12 voxels, corner (4,4) touches (3,3)
        return v
    }()

    @Test(arguments: [(Connectivity.faces, 2), (.facesAndEdges, 1), (.full, 1)])
    func componentsByConnectivity(connectivity: Connectivity, expected: Int) {
        let cc = Self.twoBlobs.connectedComponents(connectivity: connectivity)
        #expect(cc.components.count == expected)
        if expected == 2 {
            #expect(cc.components.map(\.voxelCount) == [9, 12])
            #expect(cc.components[0].centroidVoxelIJK == SIMD3(2, 2, 0))
            #expect(cc.components[1].centroidVoxelIJK == SIMD3(5, 5.5, 0))
            #expect(abs(cc.components[1].volumeMM3 - 12 * 0.5) < 1e-12)
            #expect(cc.components[1].centroidLPS == SIMD3(2.5, 2.75, 0))
            #expect(cc.components[1].boundingBox == VoxelBox(lower: SIMD3(4, 4, 0), upper: SIMD3(7, 8, 1)))
        }
    }

    @Test func differentLabelsStayApart() {
        var v = Volume<UInt8>(geometry: ImageGeometry(size: SIMD3(4, 1, 1)))
        v.voxels = [1, 1, 2, 2]
        let cc = v.connectedComponents()
        #expect(cc.components.map(\.sourceLabel) == [1, 2])
    }

    @Test func fragmentsRemovedAndInputUntouched() {
        var v = Volume<UInt8>(geometry: ImageGeometry(size: SIMD3(10, 10, 10)))
        for k in 0..<5 { for j in 0..<5 { for i in 0..<5 { v[i, j, k] = 3 } } }  // 125 voxels
        v[9, 9, 9] = 3  // fragment of label 3
        v[8, 0, 0] = 4  // lone label 4: its own largest component, kept
        let before = v.voxels
        let cleaned = v.removingFragments(minimumFraction: 0.1)
        #expect(v.voxels == before)
        #expect(cleaned[9, 9, 9] == 0)
        #expect(cleaned[8, 0, 0] == 4)
        #expect(cleaned.voxels.filter { $0 == 3 }.count == 125)
        #expect(v.removingFragments(minimumFraction: 0, minimumVolumeMM3: 2)[8, 0, 0] == 0)
    }

    /// A column of cubes shrinking from 20 mm to 6 mm along z (4 mm apart) and a 6 mm sliver beside the largest:
    /// the fraction alone drops the two smallest cubes (6 % and 3 % of the largest); the neighbour rule keeps them,
    /// each holding most of the next cube's voxels, and still drops the sliver (3 % of the cube beside it).
    static let shrinkingColumn: Volume<UInt8> = {
        var v = Volume<UInt8>(geometry: ImageGeometry(size: SIMD3(42, 42, 100)))
        var z = 0
        for edge in [20, 16, 13, 10, 8, 6] {
            let x0 = 20 - edge / 2
            for k in z..<(z + edge) { for j in x0..<(x0 + edge) { for i in x0..<(x0 + edge) { v[i, j, k] = 1 } } }
            z += edge + 4
        }
        for k in 7..<13 { for j in 17..<23 { for i in 33..<39 { v[i, j, k] = 1 } } }  // the sliver
        return v
    }()

    @Test func fragmentsBesideAKeptNeighbourOfTheirSizeAreKept() {
        let cc = Self.shrinkingColumn.connectedComponents()
        #expect(cc.components.map(\.voxelCount) == [8000, 216, 4096, 2197, 1000, 512, 216])
        let byFraction = cc.removingFragments(minimumFraction: 0.1)
        #expect(byFraction.components.map(\.voxelCount) == [8000, 4096, 2197, 1000])
        let byNeighbours = cc.removingFragments(minimumFraction: 0.1, neighbours: .init())
        #expect(byNeighbours.components.map(\.voxelCount) == [8000, 4096, 2197, 1000, 512, 216])
        #expect(byNeighbours.components.map(\.id) == [1, 2, 3, 4, 5, 6])
        // Exactly the components of the cleaned map.
        let cleaned = Self.shrinkingColumn.removingFragments(minimumFraction: 0.1)
        let recomputed = cleaned.connectedComponents()
        #expect(recomputed.components == byFraction.components)
        #expect(recomputed.labels.voxels == byFraction.labels.voxels)
    }

    @Test func holesFilledPerLabel() {
        var v = Volume<UInt8>(geometry: ImageGeometry(size: SIMD3(7, 7, 7)))
        for k in 1...5 { for j in 1...5 { for i in 1...5 { v[i, j, k] = 2 } } }
        v[3, 3, 3] = 0  // enclosed hole
        v[2, 2, 2] = 0
        v[1, 3, 3] = 0  // dent open to the outside? (1,3,3) touches (0,3,3) which is background outside
        let filled = v.fillingHoles()
        #expect(filled[3, 3, 3] == 2 && filled[2, 2, 2] == 2)
        #expect(filled[1, 3, 3] == 0)
        #expect(v[3, 3, 3] == 0)
        // A hole bordered by two labels stays open.
        var w = v
        w[4, 3, 3] = 5
        #expect(w.fillingHoles()[3, 3, 3] == 0)
    }

    @Test func distanceTransformMatchesBruteForce() {
        let g = ImageGeometry(size: SIMD3(9, 7, 5), spacing: SIMD3(0.7, 1.3, 2.1))
        var feature = [Bool](repeating: false, count: g.voxelCount)
        for p in [3, 50, 177, 260] { feature[p] = true }
        let d = DistanceTransform.squaredDistanceMM2(geometry: g, isFeature: feature)
        func ijk(_ p: Int) -> SIMD3<Double> { SIMD3(Double(p % 9), Double((p / 9) % 7), Double(p / 63)) * g.spacing }
        for p in 0..<g.voxelCount {
            let brute = feature.indices.filter { feature[$0] }.map { ((ijk(p) - ijk($0)) * (ijk(p) - ijk($0))).sum() }
                .min()!
            #expect(abs(d[p] - brute) < 1e-9)
        }
        #expect(
            DistanceTransform.squaredDistanceMM2(geometry: g, isFeature: feature.map { _ in false }).allSatisfy {
                $0 == .infinity
            })
    }

    @Test func touchingBallsAreSeparated() {
        // Two balls of radius 8 mm whose centres are 14 mm apart: they overlap in a neck.
        let c1 = SIMD3<Double>(12, 15, 15), c2 = SIMD3<Double>(26, 15, 15)
        let v = Phantoms.labelMap(size: SIMD3(40, 30, 30)) { p in
            (p - c1).length <= 8 || (p - c2).length <= 8 ? 1 : 0
        }
        #expect(v.connectedComponents().components.count == 1)
        let split = v.separatingTouchingBodies()
        #expect(split.components.count == 2)
        let centroids = split.components.map(\.centroidLPS).sorted { $0.x < $1.x }
        #expect((centroids[0] - c1).length < 1.5)
        #expect((centroids[1] - c2).length < 1.5)
        #expect(split.labels.voxels.filter { $0 != 0 }.count == v.voxels.filter { $0 != 0 }.count)
    }

    @Test func cubesTouchingOnPartOfAFaceAreSeparated() {
        // Cube A [2,14)³ and cube B [14,26)×[8,20)×[8,20): they share a 6×6 mm patch of face.
        let v = Phantoms.labelMap(size: SIMD3(28, 22, 22)) { p in
            let a = (2..<14).contains(p.x) && (2..<14).contains(p.y) && (2..<14).contains(p.z)
            let b = (14..<26).contains(p.x) && (8..<20).contains(p.y) && (8..<20).contains(p.z)
            return a || b ? 1 : 0
        }
        let split = v.separatingTouchingBodies()
        #expect(split.components.count == 2)
        #expect(split.components.map(\.voxelCount).sorted() == [1728, 1728])
    }
}
