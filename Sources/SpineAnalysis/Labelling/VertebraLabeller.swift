import SpineImaging

/// What to anchor the count on when the label map does not name the vertebrae.
public enum LabellingAnchor: Sendable, Hashable, Codable {
    /// The sacrum when it is labelled; otherwise the lowest visible body is taken as L5 (the usual
    /// lumbar MRI field of view), with low confidence and a warning.
    case automatic
    /// The caller knows the most caudal labelled vertebral body (e.g. `.l5` for a lumbar dataset).
    case lowestVisibleBody(Vertebra)
    /// The caller knows the most caudal labelled disc (e.g. L5-S1).
    case lowestVisibleDisc(DiscLevel)
}

/// A structure to be named: an instance id, its centroid, and what the class map already says.
public struct LabellingCandidate: Sendable, Hashable {
    public var id: Int32
    public var centroidLPS: SIMD3<Double>
    /// The name given by the class map, if any.
    public var knownVertebra: Vertebra?
    public var knownDisc: DiscLevel?
    public init(id: Int32, centroidLPS: SIMD3<Double>, knownVertebra: Vertebra? = nil, knownDisc: DiscLevel? = nil) {
        self.id = id
        self.centroidLPS = centroidLPS
        self.knownVertebra = knownVertebra
        self.knownDisc = knownDisc
    }
}

/// A named vertebral body.
public struct LabelledVertebra: Sendable, Hashable, Codable {
    public var id: Int32
    public var vertebra: Vertebra
    /// 0…1: 1 when the class map names it, lower when counted from an anchor.
    public var confidence: Double
    /// The cue the name comes from ("class map", "sacrum", "caller: lowest visible body is L5", …).
    public var cue: String
    public var centroidLPS: SIMD3<Double>
}

/// A named disc.
public struct LabelledDisc: Sendable, Hashable, Codable {
    public var id: Int32
    public var level: DiscLevel
    public var confidence: Double
    public var cue: String
    public var centroidLPS: SIMD3<Double>
}

/// Names vertebral bodies and discs along the spine curve.
///
/// Order comes from the curve (cranial → caudal), identity from an anchor: names given by the class
/// map first, then the sacrum (the body just cranial to it is L5, or L6 when six lumbar-type bodies lie above it),
/// then the caller's anchor, then the field-of-view prior. Enumeration anomalies (L6, T13, a lumbar body fused to
/// the sacrum) are reported as findings and never silently renumbered. Thoracic names counted from below assume
/// twelve thoracic vertebrae (a lumbar MRI shows no ribs): they get a lower confidence and a
/// `thoracic-count-assumed` finding.
public enum VertebraLabeller {
    /// Confidence at most given to a thoracic name counted from a lumbar or sacral anchor.
    public static let countedThoracicConfidence = 0.6

    /// Names vertebral bodies.
    ///
    /// - Parameter lumbarTypeCount: lumbar-type bodies directly above the sacrum as the image shows them
    ///   (`ThoracolumbarJunction.lumbarTypeCount`); 6 names the lowest L6 and reports it, anything else keeps the
    ///   count from L5.
    /// - Parameter ribCount: what the ribs show (`RibDetection`), which confirms or vetoes the disc wedges' L6 but
    ///   never makes one alone (a T12 rib merged with its arch on a thick-slice stack goes unseen): six
    ///   non-rib-bearing bodies over the sacrum confirm the wedges' L6; five, with six lumbar-type bodies by the
    ///   wedges, make the lowest rib-bearing body a T13 (the extra vertebra is thoracic); four report a rib on the
    ///   body counted as L1. Every anomaly is a finding; nothing is renumbered silently.
    /// - Parameter axisID: the most cranial body when it is C2
    ///   (``ColumnCount/looksLikeAxis(extentMM:nextExtentsMM:minimumRatio:)``): with the sacrum also labelled, the
    ///   bodies are counted from C2 (``ColumnCount``), which settles T13 and L6.
    public static func labelBodies(
        _ bodies: [LabellingCandidate], curve: SpineCurve?, sacrumCentroidLPS: SIMD3<Double>?, anchor: LabellingAnchor,
        lumbarTypeCount: Int? = nil, ribCount: RibCount? = nil, axisID: Int32? = nil
    ) -> ([LabelledVertebra], [Finding]) {
        var findings: [Finding] = []
        guard !bodies.isEmpty else { return ([], findings) }
        let order = sortCranialToCaudal(bodies, curve: curve)
        var names = [Vertebra?](repeating: nil, count: order.count)
        var confidence = [Double](repeating: 0, count: order.count)
        var cue = [String](repeating: "", count: order.count)

        let known = order.indices.filter { order[$0].knownVertebra != nil }
        if !known.isEmpty {
            for n in known {
                names[n] = order[n].knownVertebra
                confidence[n] = 1
                cue[n] = "class map"
            }
            // Known names must run cranial → caudal.
            let ranks = known.map { names[$0]!.anatomicalRank }
            if ranks != ranks.sorted() || Set(ranks).count != ranks.count {
                findings.append(
                    Finding(
                        "label-order-inconsistent", .warning,
                        "vertebra labels in the map do not run cranial to caudal along the spine (\(known.map { names[$0]!.name }.joined(separator: ", ")))"
                    ))
            }
            // Unknown ones: count from the nearest known neighbour (caudal neighbour first).
            for n in order.indices where names[n] == nil {
                let below = known.filter { $0 > n }.min(), above = known.filter { $0 < n }.max()
                if let b = below, let v = names[b]!.offsetInStandardSequence(by: n - b) {
                    names[n] = v; confidence[n] = 0.9; cue[n] = "counted from \(names[b]!.name) (class map)"
                } else if let a = above, let v = names[a]!.offsetInStandardSequence(by: n - a) {
                    names[n] = v; confidence[n] = 0.9; cue[n] = "counted from \(names[a]!.name) (class map)"
                }
            }
        } else if let column = countedFromAxis(
            order, axisID: axisID, sacrumCentroidLPS: sacrumCentroidLPS, lumbarTypeCount: lumbarTypeCount,
            ribCount: ribCount, findings: &findings)
        {
            (names, confidence, cue) = column
        } else {
            let anchorName: Vertebra, anchorCue: String, anchorConfidence: Double
            // The lowest rib-bearing body's index, when the ribs make it a T13.
            var t13Index: Int? = nil
            let ribs = ribCount.flatMap { (4...6).contains($0.nonRibBearingAboveSacrum) ? $0 : nil }
            if let r = ribCount, ribs == nil {
                findings.append(
                    Finding(
                        "rib-count-unusual", .info,
                        "\(r.nonRibBearingAboveSacrum) bodies without ribs above the sacrum: not used for the count"))
            }
            let ribIndex = ribs.flatMap { r in order.firstIndex { $0.id == r.lowestRibBearingID } }
            if let s = sacrumCentroidLPS, let curve {
                let sS = curve.closestParameter(toLPS: s)
                let lowest = curve.closestParameter(toLPS: order.last!.centroidLPS)
                // Ribs confirm or veto the wedges' L6 but never make one alone: on thick-slice sagittal stacks a
                // T12 rib often merges with its arch and goes unseen, and "six rib-free bodies" then named an L6 on
                // 11 of 40 normal phantoms (seeds 9001-9040, truth label maps, session 5).
                if sS > lowest, lumbarTypeCount == 6, let r = ribs, r.nonRibBearingAboveSacrum == 6 {
                    anchorName = .l6
                    anchorCue =
                        "sacrum, with six lumbar-type (lordotic-disc) bodies above it, none bearing ribs (the lowest rib-bearing one is the last thoracic): the body next to it is L6"
                    anchorConfidence = 0.8
                } else if sS > lowest, lumbarTypeCount == 6, let r = ribs, r.nonRibBearingAboveSacrum == 5,
                    let i = ribIndex
                {
                    anchorName = .l5
                    anchorCue =
                        "sacrum (body next to it is L5); six lumbar-type (lordotic-disc) bodies, the sixth bearing ribs"
                    anchorConfidence = 0.8
                    t13Index = i
                } else if sS > lowest, lumbarTypeCount == 6, ribs == nil {
                    anchorName = .l6
                    anchorCue =
                        "sacrum, with six lumbar-type (lordotic-disc) bodies above it: the body next to it is L6"
                    anchorConfidence = 0.7
                } else if sS > lowest {
                    anchorName = .l5; anchorCue = "sacrum (body next to it is L5)"; anchorConfidence = 0.95
                } else {
                    anchorName = .l5; anchorCue = "sacrum not caudal to the bodies; lowest body assumed L5";
                    anchorConfidence = 0.4
                    findings.append(
                        Finding("sacrum-position", .warning, "the labelled sacrum is not below the vertebral bodies"))
                }
            } else if sacrumCentroidLPS != nil {
                anchorName = .l5; anchorCue = "sacrum (body next to it is L5)"; anchorConfidence = 0.9
            } else {
                switch anchor {
                case .lowestVisibleBody(let v):
                    anchorName = v; anchorCue = "caller: lowest visible body is \(v.name)"; anchorConfidence = 0.8
                case .lowestVisibleDisc(let d):
                    anchorName = d.upper; anchorCue = "caller: lowest visible disc is \(d.name)"; anchorConfidence = 0.7
                case .automatic:
                    anchorName = .l5; anchorCue = "field-of-view prior: no sacrum labelled, lowest body assumed L5";
                    anchorConfidence = 0.5
                    findings.append(
                        Finding(
                            "no-sacrum", .warning,
                            "no sacrum in the label map: the lowest vertebral body was assumed to be L5; verify the level names"
                        ))
                }
            }
            let last = order.count - 1
            var thoracicCounted = false
            for n in order.indices {
                if let t = t13Index, n <= t {
                    // Counted from the T13 the ribs show: T13, T12, T11, … cranially.
                    let v = n == t ? Vertebra.t13 : Vertebra.t12.offsetInStandardSequence(by: n - t + 1)
                    names[n] = v
                    confidence[n] = 0.6
                    cue[n] =
                        n == t
                        ? "lowest rib-bearing body, sixth lumbar-type body above the sacrum: T13"
                        : "counted from T13 (lowest rib-bearing body)"
                    continue
                }
                if let v = counted(from: anchorName, by: n - last) {
                    names[n] = v
                    confidence[n] = max(0.1, anchorConfidence - 0.01 * Double(last - n))
                    cue[n] = n == last ? anchorCue : "counted from \(anchorName.name) (\(anchorCue))"
                    if v.region == .thoracic && anchorName.region != .thoracic {
                        confidence[n] = min(confidence[n], countedThoracicConfidence)
                        if n == ribIndex { cue[n] += "; lowest rib-bearing body" }
                        cue[n] += "; assumes twelve thoracic vertebrae"
                        thoracicCounted = true
                    }
                    if v == .l1, n == ribIndex, let r = ribs, r.nonRibBearingAboveSacrum == 4 {
                        findings.append(
                            Finding(
                                "rib-bearing-l1", .warning,
                                "the body counted as L1 from the sacrum bears a rib (\(r.sides.map(\.rawValue).sorted().joined(separator: ", "))): a lumbar rib, or thirteen thoracic vertebrae over four free lumbar ones; names counted from the sacrum kept: confirm the count from C2",
                                level: v.name))
                    }
                }
            }
            if thoracicCounted {
                findings.append(
                    Finding(
                        "thoracic-count-assumed", .info,
                        "thoracic levels are counted up from L1 assuming twelve thoracic vertebrae: with neither the ribs nor C2 in view a thirteenth thoracic vertebra cannot be told from T12 (the body named T12 may be T13); confirm thoracic levels against a count from C2"
                    ))
            }
        }
        var out: [LabelledVertebra] = []
        for n in order.indices {
            guard let v = names[n] else {
                findings.append(
                    Finding(
                        "unnamed-vertebra", .warning,
                        "a vertebral body could not be named (beyond C1 or after a variant)"))
                continue
            }
            out.append(
                LabelledVertebra(
                    id: order[n].id, vertebra: v, confidence: confidence[n], cue: cue[n],
                    centroidLPS: order[n].centroidLPS))
        }
        for v in out where v.vertebra.isEnumerationVariant {
            findings.append(
                Finding(
                    "enumeration-anomaly", .warning,
                    v.vertebra == .l6
                        ? "L6 present: six lumbar-type vertebrae (lumbarised S1 or true L6)"
                        : "T13 present: thirteen thoracic vertebrae",
                    level: v.vertebra.name))
        }
        // Named bodies that stop above L5 over a labelled sacrum: a sacralised L5 (four free lumbar vertebrae,
        // the fifth fused into the sacrum and labelled with it) or an L5 left out of the map. Kept as named.
        if sacrumCentroidLPS != nil, known.count > 0, let lowest = out.last?.vertebra, lowest.region == .lumbar,
            lowest < .l5, !out.contains(where: { $0.vertebra >= .l5 && $0.vertebra < .s1 })
        {
            findings.append(
                Finding(
                    "enumeration-anomaly", .warning,
                    "the sacrum follows \(lowest.name) with no L5 labelled: a sacralised L5 (four free lumbar vertebrae) or an L5 missing from the map; names kept as given, the disc below \(lowest.name) is named \(lowest.name)-S1",
                    level: lowest.name))
        }
        let counted = Dictionary(grouping: out, by: \.vertebra).filter { $0.value.count > 1 }
        for (v, list) in counted {
            findings.append(
                Finding("duplicate-vertebra", .warning, "\(list.count) bodies named \(v.name)", level: v.name))
        }
        return (out, findings)
    }

    /// Names for bodies ordered cranial → caudal counted from C2 down to the sacrum, or nil (and the caller counts from
    /// the sacrum) when the most cranial body is not the axis, the sacrum is not labelled, or the count is not that of a
    /// human column (reported).
    static func countedFromAxis(
        _ order: [LabellingCandidate], axisID: Int32?, sacrumCentroidLPS: SIMD3<Double>?, lumbarTypeCount: Int?,
        ribCount: RibCount?, findings: inout [Finding]
    ) -> ([Vertebra?], [Double], [String])? {
        guard let axisID, sacrumCentroidLPS != nil, order.first?.id == axisID else { return nil }
        let lowestRib = ribCount.flatMap { r in order.firstIndex { $0.id == r.lowestRibBearingID } }
        guard
            let count = ColumnCount(
                presacralBodies: order.count, lowestRibBearing: lowestRib, lumbarTypeCount: lumbarTypeCount)
        else {
            findings.append(
                Finding(
                    "presacral-count-unusual", .warning,
                    "\(order.count) bodies from C2 to the sacrum (usually \(ColumnCount.usualPresacralBodies)) do not split into 7 cervical, 11–13 thoracic and 4–6 lumbar vertebrae: levels counted from the sacrum instead"
                ))
            return nil
        }
        let confidence: Double =
            switch (count.cue, count.cuesAgree) {
            case (_, true?): 0.95
            case (_, false?): 0.6
            case (.assumedFiveLumbar, _): 0.8
            default: 0.9
            }
        let how =
            "counted from C2 (\(count.presacralBodies) presacral bodies: 7 cervical, \(count.thoracic) thoracic, \(count.lumbar) lumbar by \(count.cue.rawValue))"
        findings.append(
            Finding(
                "counted-from-c2", .info,
                "levels \(how)\(count.cuesAgree == true ? "; ribs and disc wedges agree" : "")"))
        if count.cuesAgree == false {
            findings.append(
                Finding(
                    "count-cues-disagree", .warning,
                    "a rib is seen on a body the disc wedges call lumbar: thoracic and lumbar names follow the ribs; verify them"
                ))
        }
        if count.presacralBodies != ColumnCount.usualPresacralBodies, count.cue == .assumedFiveLumbar {
            findings.append(
                Finding(
                    "presacral-count-unusual", .warning,
                    "\(count.presacralBodies) presacral bodies from C2 (usually \(ColumnCount.usualPresacralBodies)) and neither ribs nor disc wedges to tell whether the thoracic or the lumbar spine holds the difference: five lumbar assumed"
                ))
        }
        if count.lumbar == 4 {
            findings.append(
                Finding(
                    "enumeration-anomaly", .warning,
                    "four lumbar vertebrae counted from C2 over the sacrum: a sacralised L5 fused into the sacrum (the disc below L4 is named L4-S1)",
                    level: "L4"))
        }
        if count.thoracic == 11 {
            findings.append(
                Finding(
                    "enumeration-anomaly", .warning, "eleven thoracic vertebrae counted from C2", level: "T11"))
        }
        return (count.names, Array(repeating: confidence, count: order.count), Array(repeating: how, count: order.count))
    }

    /// Names discs by their neighbouring named bodies along the curve; with no bodies, counts from the anchor.
    public static func labelDiscs(
        _ discs: [LabellingCandidate], bodies: [LabelledVertebra], curve: SpineCurve?,
        sacrumCentroidLPS: SIMD3<Double>?,
        anchor: LabellingAnchor
    ) -> ([LabelledDisc], [Finding]) {
        var findings: [Finding] = []
        guard !discs.isEmpty else { return ([], findings) }
        let order = sortCranialToCaudal(discs, curve: curve)
        var out: [LabelledDisc] = []
        if let curve, !bodies.isEmpty {
            let bodyS = bodies.map { ($0, curve.closestParameter(toLPS: $0.centroidLPS)) }.sorted { $0.1 < $1.1 }
            let sacrumS = sacrumCentroidLPS.map { curve.closestParameter(toLPS: $0) }
            for d in order {
                if let known = d.knownDisc {
                    out.append(
                        LabelledDisc(
                            id: d.id, level: known, confidence: 1, cue: "class map", centroidLPS: d.centroidLPS))
                    continue
                }
                let s = curve.closestParameter(toLPS: d.centroidLPS)
                let upper = bodyS.last { $0.1 < s }?.0, lower = bodyS.first { $0.1 > s }?.0
                var level: DiscLevel? = nil
                var cue = "between named bodies"
                var conf = 0.0
                if let u = upper, let l = lower, u.vertebra < l.vertebra {
                    level = DiscLevel(upper: u.vertebra, lower: l.vertebra)
                    conf = min(u.confidence, l.confidence)
                    if !u.vertebra.isAdjacent(to: l.vertebra) {
                        findings.append(
                            Finding(
                                "disc-between-non-adjacent", .warning,
                                "disc between \(u.vertebra.name) and \(l.vertebra.name), which are not adjacent",
                                level: level?.name))
                    }
                } else if let u = upper, lower == nil {
                    // Over the sacrum the disc's lower neighbour is S1, whatever the body above (L6, or L4 over a
                    // sacralised L5).
                    let overSacrum = sacrumS.map { $0 > s } ?? false
                    let below: Vertebra? =
                        u.vertebra == .l6 || (overSacrum && u.vertebra.region == .lumbar) ? .s1 : u.vertebra.nextCaudal
                    if let b = below, u.vertebra < b {
                        level = DiscLevel(upper: u.vertebra, lower: b)
                        conf = u.confidence * (overSacrum ? 1 : 0.9)
                        cue = "below \(u.vertebra.name)"
                    }
                } else if let l = lower, upper == nil, let a = l.vertebra.nextCranial {
                    level = DiscLevel(upper: a, lower: l.vertebra)
                    conf = l.confidence * 0.9
                    cue = "above \(l.vertebra.name)"
                }
                if let level {
                    out.append(
                        LabelledDisc(id: d.id, level: level, confidence: conf, cue: cue, centroidLPS: d.centroidLPS))
                } else {
                    findings.append(Finding("unnamed-disc", .warning, "a disc could not be named from its neighbours"))
                }
            }
        } else {
            // Discs only: count from the anchor (the lowest visible disc).
            let lowest: DiscLevel, cue: String, conf: Double
            switch anchor {
            case .lowestVisibleDisc(let d): lowest = d; cue = "caller: lowest visible disc is \(d.name)"; conf = 0.8
            case .lowestVisibleBody(let v):
                lowest = DiscLevel(below: v) ?? DiscLevel(upper: .l5, lower: .s1);
                cue = "caller: lowest visible body is \(v.name)"; conf = 0.7
            case .automatic:
                lowest = DiscLevel(upper: .l5, lower: .s1)
                cue = sacrumCentroidLPS != nil ? "sacrum" : "field-of-view prior: lowest disc assumed L5-S1"
                conf = sacrumCentroidLPS != nil ? 0.9 : 0.5
                if sacrumCentroidLPS == nil {
                    findings.append(
                        Finding(
                            "no-vertebrae", .warning, "no vertebrae labelled: the lowest disc was assumed to be L5-S1"))
                }
            }
            let last = order.count - 1
            for (n, d) in order.enumerated() {
                if let known = d.knownDisc {
                    out.append(
                        LabelledDisc(
                            id: d.id, level: known, confidence: 1, cue: "class map", centroidLPS: d.centroidLPS))
                } else if let up = lowest.upper.offsetInStandardSequence(by: n - last), let lo = up.nextCaudal {
                    out.append(
                        LabelledDisc(
                            id: d.id, level: DiscLevel(upper: up, lower: lo),
                            confidence: max(0.1, conf - 0.01 * Double(last - n)), cue: cue, centroidLPS: d.centroidLPS))
                } else if n == last {
                    out.append(
                        LabelledDisc(id: d.id, level: lowest, confidence: conf, cue: cue, centroidLPS: d.centroidLPS))
                }
            }
        }
        let (unique, duplicateFindings) = resolvingDuplicateLevels(out, bodies: bodies, curve: curve)
        findings += duplicateFindings
        return (unique, findings)
    }

    /// Gives each disc level to one disc only, by position along the spine curve.
    ///
    /// Two discs get one level when they lie between the same two named bodies (or beyond the last one):
    /// a body between them was missed or joined to a neighbour. The disc whose curve position best fits
    /// the level keeps it — between two bodies the one nearest their midpoint, above the highest body
    /// the most caudal, below the lowest the most cranial — and the others are counted from it one
    /// level per disc along the curve. A counted level already held by another disc, or a level the
    /// class map gave, is never reused: such a disc stays unnamed. Each resolution is reported as a
    /// `duplicate-disc` finding.
    static func resolvingDuplicateLevels(_ discs: [LabelledDisc], bodies: [LabelledVertebra], curve: SpineCurve?)
        -> ([LabelledDisc], [Finding])
    {
        var findings: [Finding] = []
        let groups = Dictionary(grouping: discs.indices, by: { discs[$0].level }).filter { $0.value.count > 1 }
        guard !groups.isEmpty else { return (discs, findings) }
        func position(_ p: SIMD3<Double>) -> Double { curve.map { $0.closestParameter(toLPS: p) } ?? -p.z }
        var result = discs.map(Optional.some)
        var taken = Set(discs.map(\.level))
        for (level, members) in groups.sorted(by: { $0.key < $1.key }) {
            // Class-map names are the caller's: report, never rename.
            if members.contains(where: { discs[$0].cue == "class map" }) {
                findings.append(
                    Finding(
                        "duplicate-disc", .warning, "\(members.count) discs named \(level.name) by the class map",
                        level: level.name))
                continue
            }
            let ordered = members.sorted { position(discs[$0].centroidLPS) < position(discs[$1].centroidLPS) }
            let s = ordered.map { position(discs[$0].centroidLPS) }
            let upperS = bodies.first { $0.vertebra == level.upper }.map { position($0.centroidLPS) }
            let lowerS = bodies.first { $0.vertebra == level.lower }.map { position($0.centroidLPS) }
            let keeper: Int
            switch (upperS, lowerS) {
            case (let u?, let l?):
                let mid = (u + l) / 2
                keeper = s.indices.min { abs(s[$0] - mid) < abs(s[$1] - mid) }!
            case (nil, .some): keeper = s.count - 1
            default: keeper = 0
            }
            var renamed: [String] = [], dropped = 0
            for (n, index) in ordered.enumerated() where n != keeper {
                let offset = n - keeper
                if let up = level.upper.offsetInStandardSequence(by: offset), let low = up.nextCaudal,
                    up < low, !taken.contains(DiscLevel(upper: up, lower: low))
                {
                    let new = DiscLevel(upper: up, lower: low)
                    taken.insert(new)
                    result[index]?.level = new
                    result[index]?.confidence *= 0.5
                    result[index]?.cue = "counted from \(level.name) along the curve (duplicate level resolved)"
                    renamed.append(new.name)
                } else {
                    result[index] = nil
                    dropped += 1
                }
            }
            var message = "\(members.count) discs fell on level \(level.name): the one that fits it best keeps it"
            if !renamed.isEmpty { message += "; counted along the spine: \(renamed.joined(separator: ", "))" }
            if dropped > 0 { message += "; \(dropped) left unnamed (no free level)" }
            message += " — a vertebral body may be missing or joined to a neighbour; verify the level names"
            findings.append(Finding("duplicate-disc", .warning, message, level: level.name))
        }
        return (result.compactMap { $0 }, findings)
    }

    /// The vertebra `offset` steps caudal of `anchor` (negative: cranial), counting through L6 when the anchor is L6:
    /// L6, L5, L4, … cranially.
    static func counted(from anchor: Vertebra, by offset: Int) -> Vertebra? {
        if offset == 0 { return anchor }
        if anchor == .l6 { return offset < 0 ? Vertebra.l5.offsetInStandardSequence(by: offset + 1) : nil }
        return anchor.offsetInStandardSequence(by: offset)
    }

    /// Cranial → caudal by curve parameter (or by LPS z without a curve).
    static func sortCranialToCaudal(_ c: [LabellingCandidate], curve: SpineCurve?) -> [LabellingCandidate] {
        if let curve {
            return c.map { ($0, curve.closestParameter(toLPS: $0.centroidLPS)) }.sorted { $0.1 < $1.1 }.map(\.0)
        }
        return c.sorted { $0.centroidLPS.z > $1.centroidLPS.z }
    }
}
