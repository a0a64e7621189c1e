import Testing

@testable import SpineImaging

@Suite struct GeometryTests {
    @Test(arguments: ["LPS", "RAS", "PIR", "IPR", "ASL", "RIA"])
    func axisCodesRoundTrip(code: String) throws {
        let codes = try #require(AxisCodes(code))
        #expect(codes.description == code)
        #expect(AxisCodes(direction: codes.direction) == codes)
    }

    @Test func invalidAxisCodesAreRejected() {
        #expect(AxisCodes("LLS") == nil)
        #expect(AxisCodes("LP") == nil)
        #expect(AxisCodes("XYZ") == nil)
    }

    @Test func voxelWorldRoundTrip() throws {
        let dir = Matrix3(columns: SIMD3(0, 1, 0), SIMD3(0, 0, -1), SIMD3(-1, 0, 0))  // P, I, R
        let g = ImageGeometry(
            size: SIMD3(10, 20, 5), spacing: SIMD3(0.5, 0.7, 4), origin: SIMD3(10, -20, 30), direction: dir)
        #expect(g.axisCodes.description == "PIR")
        let p = SIMD3<Double>(3, 7.5, 2)
        let w = g.worldLPS(voxelIJK: p)
        #expect(w == SIMD3(10 - 8, -20 + 1.5, 30 - 5.25))
        let back = try #require(g.voxelIJK(worldLPS: w))
        #expect((back - p).length < 1e-12)
    }

    @Test func affineRoundTrip() {
        let g = ImageGeometry(
            size: SIMD3(4, 4, 4), spacing: SIMD3(1, 2, 3), origin: SIMD3(1, 2, 3),
            direction: AxisCodes("RAS")!.direction)
        let h = ImageGeometry(size: g.size, affineLPS: g.affineLPS)
        #expect(h == g)
    }

    @Test func voxelCountLimitRefusesHugeHeaders() {
        #expect(throws: ImagingError.self) { try ImagingLimits.checkedVoxelCount([100_000, 100_000, 100]) }
        #expect(throws: ImagingError.self) { try ImagingLimits.checkedVoxelCount([Int.max, 3]) }
        #expect((try? ImagingLimits.checkedVoxelCount([512, 512, 20], bytesPerVoxel: 2)) == 512 * 512 * 20)
    }
}
