import Foundation
import SpineImaging
import Testing

/// Reorientation, resampling and cropping: each checked against world positions known by construction.
@Suite struct VolumeOperationTests {
    static let codes = ["LPS", "RAS", "PIR", "IPR", "ASL", "RIA", "SAR", "LIA"]

    /// A 5×4×3 volume with non-uniform spacing, a non-zero origin and the orientation `code`;
    /// voxel values are 1 + linear index, so every value is unique.
    static func numbered(_ code: String, size: SIMD3<Int> = SIMD3(5, 4, 3)) -> Volume<Int32> {
        let geometry = ImageGeometry(
            size: size, spacing: SIMD3(0.7, 1.3, 2.5), origin: SIMD3(10, -20, 30), direction: AxisCodes(code)!.direction
        )
        return Volume(geometry: geometry, voxels: (0..<geometry.voxelCount).map { Int32($0 + 1) })
    }

    /// A rotation by `degrees` about the unit axis `u` (Rodrigues).
    static func rotation(degrees: Double, about u: SIMD3<Double>) -> Matrix3 {
        let a = degrees * .pi / 180
        let (c, s) = (cos(a), sin(a))
        let n = u.normalized
        func column(_ e: SIMD3<Double>) -> SIMD3<Double> { e * c + n.cross(e) * s + n * n.dot(e) * (1 - c) }
        return Matrix3(columns: column(SIMD3(1, 0, 0)), column(SIMD3(0, 1, 0)), column(SIMD3(0, 0, 1)))
    }

    static func forEachVoxel(_ size: SIMD3<Int>, _ body: (SIMD3<Int>) throws -> Void) rethrows {
        for k in 0..<size.z { for j in 0..<size.y { for i in 0..<size.x { try body(SIMD3(i, j, k)) } } }
    }

    /// Checks that every voxel of `moved` sits at the world position of a voxel of `original` with the same value.
    static func expectSameWorldVoxels(
        _ moved: Volume<Int32>, _ original: Volume<Int32>, sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        #expect(moved.geometry.voxelCount == original.geometry.voxelCount, sourceLocation: sourceLocation)
        var seen = Set<Int32>()
        try forEachVoxel(moved.size) { p in
            let world = moved.geometry.worldLPS(voxelIJK: SIMD3<Double>(p))
            let q = try #require(original.geometry.voxelIJK(worldLPS: world), sourceLocation: sourceLocation)
            let r = q.rounded(.toNearestOrAwayFromZero)
            #expect((q - r).length < 1e-9, "voxel \(p) maps to non-integer \(q)", sourceLocation: sourceLocation)
            let v = original[Int(r.x), Int(r.y), Int(r.z)]
            #expect(moved[p.x, p.y, p.z] == v, sourceLocation: sourceLocation)
            seen.insert(v)
        }
        #expect(seen.count == original.voxels.count, sourceLocation: sourceLocation)
    }

    static func expectSameGeometry(
        _ a: ImageGeometry, _ b: ImageGeometry, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(a.size == b.size, sourceLocation: sourceLocation)
        #expect((a.spacing - b.spacing).length < 1e-9, sourceLocation: sourceLocation)
        #expect((a.origin - b.origin).length < 1e-9, sourceLocation: sourceLocation)
        #expect(
            zip(a.direction.elements, b.direction.elements).allSatisfy { abs($0 - $1) < 1e-9 },
            sourceLocation: sourceLocation)
    }

    // MARK: Reorientation

    @Test(arguments: codes, codes)
    func reorientationKeepsEveryVoxelInPlace(from: String, to: String) throws {
        let volume = Self.numbered(from)
        let target = try #require(AxisCodes(to))
        let moved = volume.reoriented(to: target)
        #expect(moved.geometry.axisCodes == target)
        try Self.expectSameWorldVoxels(moved, volume)
        let back = moved.reoriented(toMatch: volume.geometry)
        #expect(back.voxels == volume.voxels)
        Self.expectSameGeometry(back.geometry, volume.geometry)
    }

    @Test(arguments: codes)
    func obliqueReorientationKeepsWorldPositions(to: String) throws {
        var volume = Self.numbered("PIR")
        volume.geometry.direction = Self.rotation(degrees: 20, about: SIMD3(1, 2, 0.5)) * volume.geometry.direction
        let target = try #require(AxisCodes(to))
        let moved = volume.reoriented(to: target)
        #expect(moved.geometry.axisCodes == target)
        try Self.expectSameWorldVoxels(moved, volume)
        // Direction columns are the original ones permuted and negated, not snapped to the axes.
        for c in 0..<3 {
            let column = moved.geometry.direction.column(c)
            #expect((0..<3).contains { abs(abs(column.dot(volume.geometry.direction.column($0))) - 1) < 1e-12 })
        }
        let back = moved.reoriented(toMatch: volume.geometry)
        #expect(back.voxels == volume.voxels)
        Self.expectSameGeometry(back.geometry, volume.geometry)
    }

    /// A volume large enough for the tiled, parallel copy, with sizes that are not multiples of the tiles.
    @Test(arguments: ["RAS", "PIR", "SAR"])
    func largeReorientationRoundTrips(to: String) throws {
        let volume = Self.numbered("ASL", size: SIMD3(70, 67, 61))
        let moved = volume.reoriented(to: AxisCodes(to)!)
        let back = moved.reoriented(toMatch: volume.geometry)
        #expect(back.voxels == volume.voxels)
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<500 {
            let p = SIMD3(
                Int.random(in: 0..<moved.size.x, using: &generator),
                Int.random(in: 0..<moved.size.y, using: &generator),
                Int.random(in: 0..<moved.size.z, using: &generator))
            let q = try #require(
                volume.geometry.voxelIJK(worldLPS: moved.geometry.worldLPS(voxelIJK: SIMD3<Double>(p))))
            #expect(moved[p.x, p.y, p.z] == volume[Int(q.x.rounded()), Int(q.y.rounded()), Int(q.z.rounded())])
        }
    }

    @Test func anyVolumeReorientationKeepsTheVoxelType() {
        let volume = AnyVolume(Self.numbered("PIR").converted(to: Int16.self))
        let moved = volume.reoriented(to: AxisCodes("LPS")!)
        #expect(moved.dataType == .int16)
        #expect(moved.geometry.axisCodes.description == "LPS")
    }

    // MARK: Resampling

    /// A Double volume whose value is `f(world LPS)` at every voxel centre.
    static func sampled(_ geometry: ImageGeometry, _ f: (SIMD3<Double>) -> Double) -> Volume<Double> {
        var volume = Volume<Double>(geometry: geometry)
        forEachVoxel(geometry.size) { p in volume[p.x, p.y, p.z] = f(geometry.worldLPS(voxelIJK: SIMD3<Double>(p))) }
        return volume
    }

    static let obliqueSource = ImageGeometry(
        size: SIMD3(9, 8, 7), spacing: SIMD3(0.7, 1.3, 2.5), origin: SIMD3(10, -20, 30),
        direction: rotation(degrees: 20, about: SIMD3(1, 2, 0.5)) * AxisCodes("PIR")!.direction)

    /// A grid rotated 35° against the source, well inside its voxel centres (≥ 1.5 voxels from the border).
    static var innerTarget: ImageGeometry {
        let s = obliqueSource
        let centre = s.worldLPS(voxelIJK: SIMD3<Double>(s.size &- 1) / 2)
        let direction = rotation(degrees: 35, about: SIMD3(0.3, -1, 2)) * s.direction
        let spacing = SIMD3(0.45, 0.6, 1.1)
        let size = SIMD3(4, 4, 3)
        return ImageGeometry(
            size: size, spacing: spacing, origin: centre - direction * (spacing * SIMD3<Double>(size &- 1) / 2),
            direction: direction)
    }

    @Test(arguments: Interpolation.allCases)
    func identityGridKeepsValues(interpolation: Interpolation) throws {
        let volume = Self.sampled(Self.obliqueSource) { sin($0.x) + $0.y * $0.z }
        let same = try volume.resampled(to: volume.geometry, interpolation: interpolation)
        #expect(same.voxels == volume.voxels)
        let labels = Self.numbered("RIA")
        #expect(try labels.resampled(to: labels.geometry, interpolation: interpolation).voxels == labels.voxels)
    }

    @Test(arguments: [Interpolation.linear, .cubic])
    func linearRampsAreExact(interpolation: Interpolation) throws {
        let ramp: (SIMD3<Double>) -> Double = { 2 * $0.x - 3 * $0.y + 0.5 * $0.z + 7 }
        let volume = Self.sampled(Self.obliqueSource, ramp)
        let target = Self.innerTarget
        let result = try volume.resampled(to: target, interpolation: interpolation)
        Self.forEachVoxel(target.size) { p in
            let expected = ramp(target.worldLPS(voxelIJK: SIMD3<Double>(p)))
            #expect(abs(result[p.x, p.y, p.z] - expected) < 1e-9)
        }
    }

    @Test func cubicReproducesQuadratics() throws {
        // Quadratic in the source's voxel index, so that the separable kernel reproduces it exactly.
        let source = Self.obliqueSource
        let q: (SIMD3<Double>) -> Double = { p in
            let c = source.voxelIJK(worldLPS: p)!
            return 0.3 * c.x * c.x - 0.2 * c.y * c.y + 0.1 * c.z * c.z + 0.5 * c.x * c.y - c.z + 4
        }
        let volume = Self.sampled(source, q)
        let target = Self.innerTarget
        let cubic = try volume.resampled(to: target, interpolation: .cubic)
        let linear = try volume.resampled(to: target, interpolation: .linear)
        var linearError = 0.0
        Self.forEachVoxel(target.size) { p in
            let expected = q(target.worldLPS(voxelIJK: SIMD3<Double>(p)))
            #expect(abs(cubic[p.x, p.y, p.z] - expected) < 1e-9)
            linearError = max(linearError, abs(linear[p.x, p.y, p.z] - expected))
        }
        #expect(linearError > 1e-3)  // the quadratic is a real test: linear cannot reproduce it
    }

    @Test func nearestNeverInventsLabels() throws {
        let labels: [UInt8] = [0, 3, 7, 20]
        var volume = Volume<UInt8>(geometry: Self.obliqueSource)
        Self.forEachVoxel(volume.size) { p in volume[p.x, p.y, p.z] = labels[(p.x / 2 + p.y / 3 + p.z) % 4] }
        var target = Self.innerTarget
        target.size = SIMD3(15, 14, 13)  // reaches outside the source too
        let result = try volume.resampled(to: target, interpolation: .nearest, outsideValue: 0)
        #expect(Set(result.voxels).isSubset(of: Set(labels)))
        #expect(Set(result.voxels).count == labels.count)
        #expect(try volume.resampledLabels(to: target).voxels == result.voxels)
    }

    @Test func downsamplingByTwoKeepsTheFieldOfView() throws {
        let volume = Self.sampled(Self.obliqueSource.cropped(to: VoxelBox(lower: .zero, size: SIMD3(8, 6, 4)))) { $0.x }
        let coarse = try volume.resampled(spacingMM: volume.geometry.spacing * 2, interpolation: .linear)
        #expect(coarse.size == SIMD3(4, 3, 2))
        #expect(coarse.geometry.direction == volume.geometry.direction)
        #expect((coarse.geometry.spacing - volume.geometry.spacing * 2).length < 1e-12)
        // The outer voxel edges (index −0.5 and size − 0.5 on every axis) stay where they were.
        for corner in 0..<8 {
            func edge(_ g: ImageGeometry) -> SIMD3<Double> {
                let n = SIMD3<Double>(g.size)
                let p = SIMD3<Double>(
                    corner & 1 == 0 ? -0.5 : n.x - 0.5, corner & 2 == 0 ? -0.5 : n.y - 0.5,
                    corner & 4 == 0 ? -0.5 : n.z - 0.5)
                return g.worldLPS(voxelIJK: p)
            }
            #expect((edge(coarse.geometry) - edge(volume.geometry)).length < 1e-9)
        }
        // A linear ramp in x stays exact: new voxel centres lie between old ones.
        Self.forEachVoxel(coarse.size) { p in
            #expect(abs(coarse[p.x, p.y, p.z] - coarse.geometry.worldLPS(voxelIJK: SIMD3<Double>(p)).x) < 1e-9)
        }
    }

    @Test func resamplingToASpacingThatDoesNotDivideTheExtentStaysCentred() throws {
        let g = ImageGeometry(size: SIMD3(5, 4, 1), spacing: SIMD3(1, 1, 3), origin: SIMD3(1, 2, 3))
        let r = try g.resampled(spacingMM: SIMD3(2, 0.75, 3))
        #expect(r.size == SIMD3(2, 5, 1))  // 2.5 rounds to even, 5.33 to 5
        let centre = { (g: ImageGeometry) in g.worldLPS(voxelIJK: SIMD3<Double>(g.size &- 1) / 2) }
        #expect((centre(r) - centre(g)).length < 1e-12)
        #expect(r.spacing == SIMD3(2, 0.75, 3))
    }

    @Test(arguments: ["RAS", "PIR", "IPR", "SAR"])
    func resamplingOntoAPermutedGridEqualsReorientation(to: String) throws {
        let volume = Self.numbered("ASL")
        let codes = AxisCodes(to)!
        let target = volume.geometry.reoriented(to: codes)
        #expect(try volume.resampled(to: target, interpolation: .nearest).voxels == volume.reoriented(to: codes).voxels)
        #expect(try volume.resampled(to: target, interpolation: .linear).voxels == volume.reoriented(to: codes).voxels)
    }

    @Test func integerTypesRoundAndClamp() throws {
        let g = ImageGeometry(size: SIMD3(2, 1, 1))
        let volume = Volume<UInt8>(geometry: g, voxels: [10, 13])
        let half = ImageGeometry(size: SIMD3(1, 1, 1), origin: SIMD3(0.5, 0, 0))
        #expect(try volume.resampled(to: half, interpolation: .linear).voxels == [12])  // 11.5 rounds away from zero
        // Catmull-Rom overshoots next to a step; UInt8 clamps instead of wrapping.
        let step = Volume<UInt8>(geometry: ImageGeometry(size: SIMD3(4, 1, 1)), voxels: [0, 0, 255, 255])
        let quarter = ImageGeometry(size: SIMD3(1, 1, 1), origin: SIMD3(2.25, 0, 0))
        #expect(try step.resampled(to: quarter, interpolation: .cubic).voxels == [255])
        let signed = Volume<Int16>(geometry: ImageGeometry(size: SIMD3(4, 1, 1)), voxels: [0, 0, 100, 100])
        // 100 · (1 + 0.0703125) = 107.03: the overshoot is kept where the type can hold it.
        #expect(try signed.resampled(to: quarter, interpolation: .cubic).voxels == [107])
    }

    @Test func twoDimensionalImagesResample() throws {
        let image = Self.sampled(ImageGeometry(size: SIMD3(6, 5, 1), spacing: SIMD3(0.5, 0.5, 1))) { 3 * $0.x + $0.y }
        let fine = try image.resampled(spacingMM: SIMD3(0.25, 0.25, 1), interpolation: .linear)
        #expect(fine.size == SIMD3(12, 10, 1))
        // Inside the voxel-centre range a ramp stays exact; the outer quarter voxel is held constant.
        for j in 1..<9 {
            for i in 1..<11 {
                let w = fine.geometry.worldLPS(voxelIJK: SIMD3(Double(i), Double(j), 0))
                #expect(abs(fine[i, j, 0] - (3 * w.x + w.y)) < 1e-9)
            }
        }
    }

    @Test func outsideVoxelsGetTheOutsideValue() throws {
        let volume = Volume<Float>(geometry: ImageGeometry(size: SIMD3(3, 3, 3)), repeating: 5)
        let shifted = ImageGeometry(size: SIMD3(3, 3, 3), origin: SIMD3(2, 0, 0))
        let result = try volume.resampled(to: shifted, interpolation: .linear, outsideValue: -1)
        Self.forEachVoxel(result.size) { p in #expect(result[p.x, p.y, p.z] == (p.x == 0 ? 5 : -1)) }
    }

    @Test func invalidRequestsThrow() {
        let volume = Self.numbered("LPS")
        #expect(throws: ImagingError.self) { try volume.resampled(spacingMM: SIMD3(0, 1, 1), interpolation: .linear) }
        #expect(throws: ImagingError.self) {
            try volume.resampled(spacingMM: SIMD3(1e-6, 1e-6, 1e-6), interpolation: .linear)
        }
        let flat = ImageGeometry(size: SIMD3(2, 2, 2), direction: Matrix3(rows: [[1, 0, 0], [1, 0, 0], [0, 0, 1]]))
        #expect(throws: ImagingError.self) { try volume.resampled(to: flat, interpolation: .nearest) }
    }

    @Test func anyVolumeResamplingKeepsTheVoxelType() throws {
        let volume = AnyVolume(Self.numbered("PIR").converted(to: UInt16.self))
        let result = try volume.resampled(spacingMM: SIMD3(1, 1, 1), interpolation: .linear)
        #expect(result.dataType == .uint16)
        #expect(result.geometry.spacing == SIMD3(1, 1, 1))
    }

    // MARK: Cropping and padding

    @Test func croppingKeepsWorldPositions() throws {
        let volume = Self.numbered("PIR")
        let box = VoxelBox(lower: SIMD3(1, 2, 0), upper: SIMD3(4, 4, 2))
        let crop = volume.cropped(to: box)
        #expect(crop.size == SIMD3(3, 2, 2))
        Self.forEachVoxel(crop.size) { p in
            let source = p &+ box.lower
            #expect(crop[p.x, p.y, p.z] == volume[source.x, source.y, source.z])
            let world = crop.geometry.worldLPS(voxelIJK: SIMD3<Double>(p))
            #expect((world - volume.geometry.worldLPS(voxelIJK: SIMD3<Double>(source))).length < 1e-12)
        }
        #expect(AnyVolume(volume).cropped(to: box).geometry == crop.geometry)
    }

    @Test func paddingFillsNewVoxelsAndKeepsOldOnesInPlace() throws {
        let volume = Self.numbered("RAS")
        let lower = SIMD3(1, 2, 0)
        let padded = volume.padded(lower: lower, upper: SIMD3(0, 1, 3), value: -5)
        #expect(padded.size == volume.size &+ SIMD3(1, 3, 3))
        let inner = VoxelBox(lower: lower, size: volume.size)
        Self.forEachVoxel(padded.size) { p in
            if inner.contains(p) {
                let q = p &- lower
                #expect(padded[p.x, p.y, p.z] == volume[q.x, q.y, q.z])
                let world = padded.geometry.worldLPS(voxelIJK: SIMD3<Double>(p))
                #expect((world - volume.geometry.worldLPS(voxelIJK: SIMD3<Double>(q))).length < 1e-12)
            } else {
                #expect(padded[p.x, p.y, p.z] == -5)
            }
        }
    }

    @Test func cropBoxesMayReachOutsideTheVolume() throws {
        let volume = Self.numbered("LPS")
        let box = VoxelBox(lower: SIMD3(-2, 1, -1), upper: SIMD3(7, 6, 2))
        let window = volume.cropped(to: box, paddingWith: 99)
        #expect(window.size == SIMD3(9, 5, 3))
        Self.forEachVoxel(window.size) { p in
            let q = p &+ box.lower
            let inside = VoxelBox(covering: volume.size).contains(q)
            #expect(window[p.x, p.y, p.z] == (inside ? volume[q.x, q.y, q.z] : 99))
        }
        // A window entirely outside is all padding.
        let far = volume.cropped(to: VoxelBox(lower: SIMD3(10, 10, 10), size: SIMD3(2, 2, 2)), paddingWith: 7)
        #expect(far.voxels == Array(repeating: 7, count: 8))
        #expect(AnyVolume(volume).cropped(to: box, paddingWith: 99).geometry == window.geometry)
    }

    @Test func boundingBoxOfABlob() {
        var labels = Volume<UInt8>(geometry: ImageGeometry(size: SIMD3(9, 9, 5)))
        #expect(labels.boundingBox { $0 != 0 } == nil)
        for p in [SIMD3(2, 3, 1), SIMD3(6, 4, 1), SIMD3(4, 7, 3), SIMD3(3, 5, 2)] { labels[p.x, p.y, p.z] = 1 }
        labels[8, 0, 4] = 2
        #expect(labels.boundingBox { $0 == 1 } == VoxelBox(lower: SIMD3(2, 3, 1), upper: SIMD3(7, 8, 4)))
        #expect(labels.boundingBox { $0 != 0 } == VoxelBox(lower: SIMD3(2, 0, 1), upper: SIMD3(9, 8, 5)))
        let box = labels.boundingBox { $0 == 2 }
        #expect(box == VoxelBox(lower: SIMD3(8, 0, 4), size: SIMD3(1, 1, 1)))
    }

    @Test func voxelBoxSetOperations() {
        let a = VoxelBox(lower: SIMD3(0, 0, 0), upper: SIMD3(4, 4, 4))
        let b = VoxelBox(lower: SIMD3(2, -1, 3), upper: SIMD3(6, 2, 9))
        #expect(a.intersection(b) == VoxelBox(lower: SIMD3(2, 0, 3), upper: SIMD3(4, 2, 4)))
        #expect(a.union(b) == VoxelBox(lower: SIMD3(0, -1, 0), upper: SIMD3(6, 4, 9)))
        #expect(a.intersection(VoxelBox(lower: SIMD3(4, 0, 0), size: SIMD3(1, 1, 1))) == nil)
        #expect(a.expanded(by: SIMD3(1, 1, 1)).size == SIMD3(6, 6, 6))
        #expect(VoxelBox(lower: SIMD3(1, 1, 1), upper: SIMD3(0, 3, 3)).isEmpty)
    }
}
