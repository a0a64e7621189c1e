import Foundation
import SpineImaging
import Testing

@testable import SpineAnalysis

/// Hand-made sagittal columns (SpineKit classes) whose enumeration is known by construction: bodies and discs as
/// quadrilaterals stacked on a sacrum with given disc wedges, posterior elements joined to each body, transverse
/// processes, and ribs as separate components beside the bodies.
enum ColumnPhantom {
    struct Level {
        /// Disc below this body: angle [degrees], positive lordotic (anterior taller).
        var discWedgeDeg = 0.0
        var ribs: Set<BodySide> = []
        /// A lumbar transverse process that reaches forward and touches the body (not a rib).
        var transverseTouchingBody = false
        /// Craniocaudal height of the transverse processes [mm].
        var transverseHeightMM = 8.0
        /// Mid height of the disc below [mm].
        var discHeightMM = 9.0
        /// Height of the body [mm] (C2 with its dens: about twice the 30 mm depth).
        var bodyHeightMM = 24.0
    }

    /// Bodies cranial → caudal over a sacrum; `halfWidthMM` is the grid's half extent to the left and right.
    static func map(_ levels: [Level], halfWidthMM: Double = 38, spacingMM: Double = 1.5) -> Volume<UInt8> {
        // Build from the sacrum upward: an endplate from its anterior corner A to its posterior corner P (y, z).
        typealias P2 = SIMD2<Double>
        var a = P2(-15, 0), p = P2(15, 0)
        var quads: [(label: UInt8, corners: [P2])] = []
        var frames: [(centre: P2, up: P2, post: P2, level: Level)] = []
        let sacrumDown = P2(0, -25)
        quads.append((7, [a + sacrumDown, p + sacrumDown, p, a]))
        for level in levels.reversed() {
            let post = (p - a) / (p - a).length()
            let up = P2(-post.y, post.x)
            let depth = (p - a).length()
            let mid = level.discHeightMM, dh = depth * tan(level.discWedgeDeg * .pi / 180) / 2
            let (a2, p2) = (a + (mid + dh) * up, p + (mid - dh) * up)
            quads.append((3, [a, p, p2, a2]))
            let post2 = (p2 - a2) / (p2 - a2).length()
            let up2 = P2(-post2.y, post2.x)
            let (a3, p3) = (a2 + level.bodyHeightMM * up2, p2 + level.bodyHeightMM * up2)
            quads.append((1, [a2, p2, p3, a3]))
            frames.append(((a2 + p3) / 2, up2, post2, level))
            (a, p) = (a3, p3)
        }
        let all = quads.flatMap(\.corners)
        let yLo = all.map(\.x).min()! - 3, yHi = all.map(\.x).max()! + 32
        let zLo = all.map(\.y).min()! - 3, zHi = all.map(\.y).max()! + 12
        let n = SIMD3(
            Int(2 * halfWidthMM / spacingMM) + 1, Int((yHi - yLo) / spacingMM) + 1, Int((zHi - zLo) / spacingMM) + 1)
        return Phantoms.labelMap(
            size: n, spacing: SIMD3(repeating: spacingMM), origin: SIMD3(-halfWidthMM, yLo, zLo)
        ) { w in
            let q = P2(w.y, w.z)
            if abs(w.x) <= 18 {
                for (label, c) in quads where inside(q, c) { return label }
            }
            for f in frames {
                let d = q - f.centre
                let (h, s, x) = ((d * f.up).sum(), (d * f.post).sum(), abs(w.x))
                // Pedicles and laminae (joined to the body), transverse processes from them.
                if s >= 15, s <= 30, x <= 12, h >= -2, h <= 10 { return 2 }
                if s >= 20, s <= 26, x <= 34, abs(h - 4) <= f.level.transverseHeightMM / 2 { return 2 }
                if f.level.transverseTouchingBody, x >= 17, x <= 34, s >= 6, s <= 13, h >= 0, h <= 6 { return 2 }
                // A rib: head 3 mm lateral of the body's posterolateral corner, running laterally and down.
                let side: BodySide = w.x > 0 ? .left : .right
                if f.level.ribs.contains(side), x >= 21, x <= 36, s >= 6, s <= 13, abs(h - (2 - 0.3 * (x - 21))) <= 3 {
                    return 2
                }
            }
            return 0
        }
    }

    /// Whether q lies inside the convex quadrilateral c (either winding).
    static func inside(_ q: SIMD2<Double>, _ c: [SIMD2<Double>]) -> Bool {
        var sign = 0.0
        for k in 0..<c.count {
            let e = c[(k + 1) % c.count] - c[k], r = q - c[k]
            let cross = e.x * r.y - e.y * r.x
            if cross != 0 {
                if sign != 0 && (cross > 0) != (sign > 0) { return false }
                sign = cross
            }
        }
        return true
    }
}

extension SIMD2 where Scalar == Double {
    fileprivate func length() -> Double { (self * self).sum().squareRoot() }
}

/// Enumeration from ribs and from disc wedges, end to end through `SpineAnalyzer` on hand-made label maps.
@Suite struct RibEnumerationTests {
    static let both: Set<BodySide> = [.left, .right]

    /// Thoracic bodies (with ribs) over lumbar ones (without) and the sacrum; no disc wedge.
    static func column(ribbed: Int, lumbar: Int, ribs: Set<BodySide> = both) -> [ColumnPhantom.Level] {
        Array(repeating: ColumnPhantom.Level(ribs: ribs), count: ribbed)
            + Array(repeating: ColumnPhantom.Level(), count: lumbar)
    }

    static func analyze(_ map: Volume<UInt8>) throws -> AnalysisReport {
        try SpineAnalyzer.analyze(labelMap: AnyVolume(map), classMap: .spineKit)
    }

    @Test func fiveBodiesWithoutRibsAreL1ToL5() throws {
        let r = try Self.analyze(ColumnPhantom.map(Self.column(ribbed: 3, lumbar: 5)))
        #expect(r.vertebrae.map(\.label) == ["T10", "T11", "T12", "L1", "L2", "L3", "L4", "L5"])
        #expect(!r.findings.contains { $0.code == "enumeration-anomaly" })
        let ribs = try #require(r.findings.first { $0.code == "ribs-seen" })
        #expect(ribs.message.contains("T12 (left, right)") && ribs.message.contains("5 bodies without ribs"))
        // Ribs tell T12 from L1 but not T12 from T13: the thoracic count is still assumed.
        #expect(r.findings.contains { $0.code == "thoracic-count-assumed" })
    }

    @Test(arguments: [both, [.left], [.right]] as [Set<BodySide>])
    func sixBodiesWithoutRibsConfirmTheWedgesL6ButNeverMakeOneAlone(ribs: Set<BodySide>) throws {
        // The disc wedges find six lumbar-type bodies and the ribs agree: L6, on the ribs' word too.
        let wedged = Self.wedged(thoracic: 2, lumbar: 6, ribbedThoracic: true).map { level -> ColumnPhantom.Level in
            var l = level
            if !l.ribs.isEmpty { l.ribs = ribs }
            return l
        }
        let r = try Self.analyze(ColumnPhantom.map(wedged))
        #expect(r.vertebrae.map(\.label) == ["T11", "T12", "L1", "L2", "L3", "L4", "L5", "L6"])
        #expect(r.findings.contains { $0.code == "enumeration-anomaly" && $0.level == "L6" })
        #expect(r.discs.map(\.level).last == "L6-S1")
        #expect(r.vertebrae.last?.cue.contains("none bearing ribs") == true)
        // A straight column (the wedges say nothing): six rib-free bodies alone keep the count from L5, because a
        // T12 rib merged with its arch on a thick-slice stack goes unseen (11 of 40 normal phantoms were named
        // with an L6 when ribs decided alone).
        let straight = try Self.analyze(ColumnPhantom.map(Self.column(ribbed: 2, lumbar: 6, ribs: ribs)))
        #expect(straight.vertebrae.map(\.label).last == "L5")
        #expect(!straight.findings.contains { $0.code == "enumeration-anomaly" })
    }

    @Test func ribsOutsideTheFieldOfViewLeaveTheCountAssumed() throws {
        // The grid stops 20 mm from the midline: no rib head is in view, so six bodies keep the count from L5.
        let r = try Self.analyze(ColumnPhantom.map(Self.column(ribbed: 2, lumbar: 6), halfWidthMM: 20))
        #expect(!r.findings.contains { $0.code == "ribs-seen" })
        #expect(r.vertebrae.map(\.label).last == "L5")
        #expect(!r.findings.contains { $0.code == "enumeration-anomaly" })
        #expect(r.findings.contains { $0.code == "thoracic-count-assumed" })
    }

    @Test func transverseProcessTouchingTheBodyIsNotARib() throws {
        var levels = Self.column(ribbed: 3, lumbar: 5)
        for n in 3..<8 { levels[n].transverseTouchingBody = true }
        let r = try Self.analyze(ColumnPhantom.map(levels))
        #expect(r.vertebrae.map(\.label) == ["T10", "T11", "T12", "L1", "L2", "L3", "L4", "L5"])
        #expect(!r.findings.contains { $0.code == "rib-bearing-l1" || $0.code == "enumeration-anomaly" })
        #expect(r.findings.first { $0.code == "ribs-seen" }?.message.contains("L1") == false)
    }

    @Test func ribOnTheBodyCountedAsL1IsReported() throws {
        let r = try Self.analyze(ColumnPhantom.map(Self.column(ribbed: 3, lumbar: 4)))
        #expect(r.vertebrae.map(\.label) == ["T11", "T12", "L1", "L2", "L3", "L4", "L5"])
        #expect(r.findings.contains { $0.code == "rib-bearing-l1" && $0.level == "L1" })
    }

    /// Wedges as the phantom draws them: thoracic discs kyphotic, lumbar discs lordotic.
    static func wedged(thoracic: Int, lumbar: Int, ribbedThoracic: Bool) -> [ColumnPhantom.Level] {
        let t = ColumnPhantom.Level(discWedgeDeg: -4, ribs: ribbedThoracic ? both : [])
        return Array(repeating: t, count: thoracic)
            + (0..<lumbar).map { k in ColumnPhantom.Level(discWedgeDeg: 3 + 1.5 * Double(k)) }
    }

    @Test func sixLordoticDiscBodiesNameAnL6EndToEnd() throws {
        // No posterior elements: the disc wedges alone (ThoracolumbarJunction) find six lumbar-type bodies.
        let map = ColumnPhantom.map(Self.wedged(thoracic: 3, lumbar: 6, ribbedThoracic: false))
        let bodiesOnly = Volume<UInt8>(geometry: map.geometry, voxels: map.voxels.map { $0 == 2 ? 0 : $0 })
        let r = try Self.analyze(bodiesOnly)
        #expect(r.vertebrae.map(\.label) == ["T10", "T11", "T12", "L1", "L2", "L3", "L4", "L5", "L6"])
        #expect(r.findings.contains { $0.code == "enumeration-anomaly" && $0.level == "L6" })
        // The same column with five lumbar-type bodies keeps L5 over the sacrum and raises nothing.
        let five = ColumnPhantom.map(Self.wedged(thoracic: 3, lumbar: 5, ribbedThoracic: false))
        let r5 = try Self.analyze(Volume<UInt8>(geometry: five.geometry, voxels: five.voxels.map { $0 == 2 ? 0 : $0 }))
        #expect(r5.vertebrae.map(\.label).last == "L5")
        #expect(!r5.findings.contains { $0.code == "enumeration-anomaly" })
    }

    @Test func sixthLumbarTypeBodyBearingRibsIsAT13() throws {
        // Six lumbar-type bodies by the wedges, but the sixth bears ribs: five lumbar vertebrae and a T13.
        var levels = Self.wedged(thoracic: 2, lumbar: 6, ribbedThoracic: true)
        levels[2].ribs = Self.both
        let r = try Self.analyze(ColumnPhantom.map(levels))
        #expect(r.vertebrae.map(\.label) == ["T11", "T12", "T13", "L1", "L2", "L3", "L4", "L5"])
        #expect(r.findings.contains { $0.code == "enumeration-anomaly" && $0.level == "T13" })
        #expect(!r.findings.contains { $0.level == "L6" })
    }
}

/// The transverse processes of the vertebra over the sacrum (Castellvi) with the lumbosacral disc.
@Suite struct TransverseProcessTests {
    static func lumbar(l5ProcessMM: Double, l5DiscMM: Double, halfWidthMM: Double = 38) -> Volume<UInt8> {
        var levels = Array(repeating: ColumnPhantom.Level(), count: 5)
        levels[4].transverseHeightMM = l5ProcessMM
        levels[4].discHeightMM = l5DiscMM
        return ColumnPhantom.map(levels, halfWidthMM: halfWidthMM)
    }

    @Test func processesAreMeasuredNearTheirTips() throws {
        let r = try SpineAnalyzer.analyze(
            labelMap: AnyVolume(Self.lumbar(l5ProcessMM: 20, l5DiscMM: 9)), classMap: .spineKit)
        let l5 = try #require(r.vertebrae.first { $0.label == "L5" }?.transverseProcesses)
        let l4 = try #require(r.vertebrae.first { $0.label == "L4" }?.transverseProcesses)
        #expect(Set(l5.map(\.side)) == [.left, .right])
        for p in l5 { #expect(abs(p.heightMM - 20) <= 2.5 && abs(p.lateralReachMM - 34) <= 1.5 && !p.cutByImageEdge) }
        for p in l4 { #expect(abs(p.heightMM - 8) <= 2.5) }
    }

    @Test func enlargedProcessOverANormalDiscIsTransitional() throws {
        let r = try SpineAnalyzer.analyze(
            labelMap: AnyVolume(Self.lumbar(l5ProcessMM: 20, l5DiscMM: 9)), classMap: .spineKit)
        let f = try #require(r.findings.first { $0.code == "possible-transitional-vertebra" })
        #expect(f.message.contains("enlarged") && f.message.contains("sacralised L5"))
        #expect(r.vertebrae.map(\.label).last == "L5")
    }

    @Test func normalProcessesOverARudimentaryDiscMakeACollapsedDisc() throws {
        let normal = try SpineAnalyzer.analyze(
            labelMap: AnyVolume(Self.lumbar(l5ProcessMM: 8, l5DiscMM: 3)), classMap: .spineKit)
        #expect(!normal.findings.contains { $0.code == "possible-transitional-vertebra" })
        #expect(normal.findings.contains { $0.code == "collapsed-lumbosacral-disc" && $0.level == "L5-S1" })
        // The same rudimentary disc under enlarged processes stays a transitional vertebra.
        let enlarged = try SpineAnalyzer.analyze(
            labelMap: AnyVolume(Self.lumbar(l5ProcessMM: 20, l5DiscMM: 3)), classMap: .spineKit)
        #expect(enlarged.findings.contains { $0.code == "possible-transitional-vertebra" && $0.level == "L5-S1" })
    }

    @Test func processRunningOffTheImageDoesNotClearARudimentaryDisc() throws {
        // The grid stops 31 mm from the midline: only a sliver of each process is in view, cut by the edge.
        let r = try SpineAnalyzer.analyze(
            labelMap: AnyVolume(Self.lumbar(l5ProcessMM: 8, l5DiscMM: 3, halfWidthMM: 31)), classMap: .spineKit)
        let l5 = r.vertebrae.first { $0.label == "L5" }?.transverseProcesses ?? []
        #expect(!l5.isEmpty && l5.allSatisfy { $0.cutByImageEdge })
        #expect(r.findings.contains { $0.code == "possible-transitional-vertebra" && $0.level == "L5-S1" })
        #expect(!r.findings.contains { $0.code == "collapsed-lumbosacral-disc" })
    }
}
