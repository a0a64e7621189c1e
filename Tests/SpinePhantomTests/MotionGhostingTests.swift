import Foundation
import SpineImaging
import Testing

@testable import SpinePhantom

/// Respiratory motion ghosting (`MotionGhosting`): copies of the anterior abdominal wall along the phase-encoding
/// axis only, label maps untouched, and no change at all when it is off.
@Suite struct MotionGhostingTests {
    static func render(_ ghosting: MotionGhosting?, noise: Bool = false) throws -> (SpineModel, RenderedSeries) {
        let model = try SpineModel(parameters: PhantomParameters(seed: 11))
        var rng = PhantomRandom(seed: 11, stream: 0xAC9)
        let sequences = [MRSequence.t1(&rng), .t2(&rng)]
        var o = MRImagingOptions()
        o.supersampling = [1, 1, 1]
        o.snr = noise ? 30 : 0
        o.coilFalloffMM = 0
        o.ghosting = ghosting
        let g = PhantomTestSupport.midlineGrid(model, spacing: 2.5, slices: 3, widthMM: 330, sliceMM: 4)
        return (model, try MRRenderer.render(model, on: g, sequences: sequences, options: o))
    }

    /// Moving-tissue voxels (by centre material) of a rendered grid.
    static func moving(_ model: SpineModel, _ g: ImageGeometry) -> [Bool] {
        let centre = MRRenderer.centreMaterials(model, g)
        let steps = MRRenderer.bodySteps(model, g)
        var out = [Bool](repeating: false, count: g.voxelCount)
        for k in 0..<g.size.z {
            for j in 0..<g.size.y {
                for i in 0..<g.size.x {
                    let n = i + g.size.x * (j + g.size.y * k)
                    let p = steps.origin + steps.di * Double(i) + steps.dj * Double(j) + steps.dk * Double(k)
                    out[n] = MRRenderer.moves(model, material: Int(centre[n]), at: p)
                }
            }
        }
        return out
    }

    @Test(arguments: [MotionGhosting.Axis.row, .column])
    func ghostsLieAlongThePhaseEncodingAxisOnly(axis: MotionGhosting.Axis) throws {
        let (model, ghosted) = try Self.render(.init(phaseEncoding: axis, phaseErrorRad: 0.9, spacingFraction: 0.3))
        let (_, clean) = try Self.render(nil)
        #expect(ghosted.classLabels.voxels == clean.classLabels.voxels)
        #expect(ghosted.instanceLabels.voxels == clean.instanceLabels.voxels)
        let g = clean.classLabels.geometry
        let moving = Self.moving(model, g)
        #expect(moving.filter { $0 }.count > 500, "the abdominal wall is in the field")
        // Lines along each in-plane axis that hold moving tissue.
        func lines(alongI: Bool) -> Set<Int> {
            var s = Set<Int>()
            for k in 0..<g.size.z {
                for j in 0..<g.size.y {
                    for i in 0..<g.size.x where moving[i + g.size.x * (j + g.size.y * k)] {
                        s.insert(alongI ? j + g.size.y * k : i + g.size.x * k)
                    }
                }
            }
            return s
        }
        let pe = lines(alongI: axis == .row), readout = lines(alongI: axis != .row)
        var changed = 0, awayFromSource = 0, offPE = 0, offReadout = 0
        for q in 0..<2 {
            let a = ghosted.images[q].voxels, b = clean.images[q].voxels
            for k in 0..<g.size.z {
                for j in 0..<g.size.y {
                    for i in 0..<g.size.x {
                        let n = i + g.size.x * (j + g.size.y * k)
                        guard abs(Int(a[n]) - Int(b[n])) > 30 else { continue }
                        changed += 1
                        if !moving[n] { awayFromSource += 1 }
                        let peLine = axis == .row ? j + g.size.y * k : i + g.size.x * k
                        let roLine = axis == .row ? i + g.size.x * k : j + g.size.y * k
                        if !pe.contains(peLine) { offPE += 1 }
                        if !readout.contains(roLine) { offReadout += 1 }
                    }
                }
            }
        }
        #expect(awayFromSource > 300, "ghosts away from the moving tissue: \(awayFromSource) of \(changed)")
        // Every changed voxel shares its phase-encoding line with moving tissue. With anteroposterior phase encoding
        // many do not share a readout line (the abdominal wall runs the image's whole height, so every readout line
        // of a craniocaudal phase encoding holds some).
        #expect(offPE == 0, "\(offPE) changed voxels on phase-encoding lines without moving tissue")
        if axis == .row { #expect(offReadout > 100, "\(offReadout) changed voxels off the readout lines of moving tissue") }
    }

    /// At zero strength the sagittal pin of `PhantomOutputPinTests` holds (off, nil, is that pin itself): today's
    /// output, byte for byte.
    @Test func ghostingOffIsByteIdentical() throws {
        let (r, _) = try PhantomOutputPinTests.pinnedSagittal(
            ghosting: MotionGhosting(phaseEncoding: .row, phaseErrorRad: 0, spacingFraction: 0.3))
        let hashes = r.images.map { PhantomOutputPinTests.hex(PhantomOutputPinTests.fnv1a($0.voxels)) }
        #expect(hashes == PhantomOutputPinTests.sagittalImageHashes)
    }

    @Test func studiesDrawGhostingFromTheSeedWhenAsked() throws {
        // A coarse sagittal slab from the back to 220 mm in front of the spine (the abdominal wall), axial stacks.
        let (on, drawn) = try PhaseEncodingTests.study(imaging: nil, ghostingProbability: 1)
        var o = drawn
        let g = try #require(on.sagittal.ghosting)
        #expect(g.phaseEncoding == .row && g.phaseErrorRad >= 0.4 && g.phaseErrorRad <= 1.2)
        #expect(on.axials.allSatisfy { $0.ghosting?.phaseEncoding == .column })
        o.motionGhostingProbability = 0
        let off = try MRStudy(seed: 5, options: o)
        #expect(off.sagittal.ghosting == nil)
        // Ghosting draws from its own stream: the protocol (grid, contrast, SNR) is the same with and without it.
        #expect(off.sagittal.rendered.classLabels.geometry == on.sagittal.rendered.classLabels.geometry)
        #expect(off.sagittal.rendered.classLabels.voxels == on.sagittal.rendered.classLabels.voxels)
        #expect(off.sagittal.snr == on.sagittal.snr)
        #expect(off.sagittal.rendered.images[0].voxels != on.sagittal.rendered.images[0].voxels)
        o.motionGhostingProbability = 1.5
        #expect(throws: PhantomError.self) { try MRStudy(seed: 5, options: o) }
        var bad = MRImagingOptions()
        bad.ghosting = .init(phaseEncoding: .row, phaseErrorRad: 0.5, spacingFraction: 0.9)
        var rng = PhantomRandom(seed: 5, stream: 1)
        let t2 = MRSequence.t2(&rng)
        #expect(throws: PhantomError.self) {
            try MRRenderer.render(on.model, on: on.sagittal.rendered.classLabels.geometry, sequences: [t2], options: bad)
        }
    }
}
