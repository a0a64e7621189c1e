import Foundation

/// Mines per-level labels from free-text English lumbar spine MRI reports (the labels DeepSPINE trained
/// its grader on, Lu et al., MLHC 2018).
///
/// Rules, not a model:
/// - Findings are found by their head words: stenosis/narrowing/encroachment (central canal, foraminal or
///   subarticular by the words before them or an "of the …" phrase after), "patent" (no stenosis),
///   bulge/protrusion/extrusion/herniation, antero/retro/spondylolisthesis, "unremarkable".
/// - Severity from mild (also minimal, slight, small), moderate (also significant), severe (also marked,
///   critical, high-grade); a range ("mild to moderate") takes its worse end. Sides from left, right,
///   bilateral, "left greater than right"; each side takes the severity said just before it
///   ("mild right and moderate left foraminal narrowing").
/// - Negation by no, not, without, "negative for", absent, nor, before the head within its clause (a
///   ";", ":" or "but" ends the scope; "no change" is not a negation), or "is not seen" after it; it
///   carries across "or" and commas to the next finding ("no disc bulge, protrusion or extrusion").
///   "No severe/high-grade stenosis" only bounds the grade and gives no label.
///   A negated stenosis of no stated kind ("no significant stenosis") is none for all three kinds; an
///   unqualified positive one is central.
/// - Levels: those after the finding up to the next finding, else those before it in the sentence, else
///   those of the nearest finding of the same sentence, else the level carried over from the previous
///   sentence ("L4-5: Disc bulge. No stenosis."). A section heading (Impression:, Findings:) drops it.
///   Findings with no level are kept apart (`ReportLabels.unassigned`).
/// - Several statements about one level merge: the worse severity, present over absent.
public enum ReportMiner {
    public static func labels(from text: String) -> ReportLabels {
        var byLevel: [DiscLevel: LevelLabels] = [:]
        var unassigned = LevelLabels(level: nil)
        var carried: [DiscLevel] = []
        for sentence in ReportToken.sentences(text) {
            let tokens = ReportToken.tokens(sentence)
            if let w = tokens.first?.word, sectionWords.contains(w), tokens.count > 1, tokens[1] == .punct(":") {
                carried = []
            }
            let mentions = findMentions(tokens)
            // Levels: own, then the nearest mention before, then after, then carried over.
            var resolved = mentions.map(\.levels)
            for n in resolved.indices where resolved[n].isEmpty {
                if let p = (0..<n).reversed().first(where: { !mentions[$0].levels.isEmpty }) {
                    resolved[n] = mentions[p].levels
                } else if let q = (n + 1..<mentions.count).first(where: { !mentions[$0].levels.isEmpty }) {
                    resolved[n] = mentions[q].levels
                } else {
                    resolved[n] = carried
                }
            }
            for (m, levels) in zip(mentions, resolved) {
                if levels.isEmpty {
                    m.apply(to: &unassigned)
                } else {
                    for l in levels {
                        var entry = byLevel[l] ?? LevelLabels(level: l.name)
                        var mm = m
                        if let s = m.severityAtLevel[l], !m.negated { mm.severity = s }
                        mm.sides = mm.sides.map { ($0.0, m.severityAtLevel[l] == nil ? $0.1 : mm.severity) }
                        mm.apply(to: &entry)
                        byLevel[l] = entry
                    }
                }
            }
            if let last = resolved.last(where: { !$0.isEmpty }) {
                carried = last
            } else if let l = tokens.last(where: { $0.levels != nil })?.levels {
                carried = l
            }
        }
        return ReportLabels(
            levels: byLevel.keys.sorted().map { byLevel[$0]! }.filter { !$0.isEmpty },
            unassigned: unassigned.isEmpty ? nil : unassigned)
    }

    // MARK: - Vocabulary

    enum Head {
        case stenosis, patent, unremarkable
        case disc(DiscLabel.Kind)
        case listhesis(ListhesisLabel.Kind)
    }

    static let heads: [String: Head] = {
        var h: [String: Head] = [:]
        for w in ["stenosis", "stenoses", "stenotic", "narrowing", "narrowed", "narrows", "encroachment", "compromise"]
        { h[w] = .stenosis }
        for w in ["patent", "capacious"] { h[w] = .patent }
        h["unremarkable"] = .unremarkable
        for w in ["bulge", "bulges", "bulging"] { h[w] = .disc(.bulge) }
        for w in ["protrusion", "protrusions", "protruding"] { h[w] = .disc(.protrusion) }
        for w in ["extrusion", "extrusions", "extruded"] { h[w] = .disc(.extrusion) }
        for w in ["herniation", "herniations", "herniated", "hnp"] { h[w] = .disc(.herniation) }
        h["anterolisthesis"] = .listhesis(.anterolisthesis)
        h["retrolisthesis"] = .listhesis(.retrolisthesis)
        h["spondylolisthesis"] = .listhesis(.spondylolisthesis)
        h["listhesis"] = .listhesis(.spondylolisthesis)
        return h
    }()

    static let severities: [String: ReportSeverity] = [
        "minimal": .mild, "minimally": .mild, "minor": .mild, "mild": .mild, "mildly": .mild, "slight": .mild,
        "slightly": .mild,
        "small": .mild, "trace": .mild, "moderate": .moderate, "moderately": .moderate, "significant": .moderate,
        "severe": .severe, "severely": .severe, "marked": .severe, "markedly": .severe, "critical": .severe,
        "high": .severe,
        "advanced": .severe,
    ]
    static let negations: Set<String> = [
        "no", "not", "without", "negative", "absent", "absence", "nor", "neither", "free",
    ]
    static let separatorWords: Set<String> = [
        "and", "or", "nor", "but", "with", "without", "which", "causing", "causes", "cause", "resulting", "results",
        "producing",
        "produces", "contributing", "contributes", "also", "however", "while", "whereas", "plus", "there",
    ]
    static let sideWords: Set<String> = [
        "left", "right", "bilateral", "bilaterally", "both", "greater", "than", "more", "worse", "on", "the", "side",
        "sides", "slightly",
    ]
    static let sectionWords: Set<String> = [
        "impression", "impressions", "conclusion", "conclusions", "findings", "summary", "comparison", "technique",
        "history", "indication",
    ]
    static let romanGrades: [String: Int] = ["i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5]

    enum StenosisKind: Hashable { case central, foraminal, subarticular }

    /// One finding in a sentence with what its words say.
    struct Mention {
        var head: Head
        var negated = false
        var severity: ReportSeverity?
        var sides: [(ReportSide, ReportSeverity?)] = []
        var kinds: Set<StenosisKind> = []
        var levels: [DiscLevel] = []
        /// Elliptical lists after the finding: "mild stenosis at L3-4, moderate at L4-5" → L4-L5 moderate.
        var severityAtLevel: [DiscLevel: ReportSeverity] = [:]
        /// Negated with a grade ("no severe stenosis"): says only that the grade is lower; not labelled.
        var bounded = false
        var vertebrae: [Vertebra] = []
        var grade: Int?
        var distanceMM: Double?

        func apply(to e: inout LevelLabels) {
            switch head {
            case .stenosis, .patent, .unremarkable:
                let isNone = negated || { if case .stenosis = head { false } else { true } }()
                var kinds = self.kinds
                if kinds.isEmpty { kinds = isNone ? [.central, .foraminal, .subarticular] : [.central] }
                let sev: ReportSeverity = isNone ? .absent : (severity ?? .present)
                for k in kinds {
                    switch k {
                    case .central: e.centralCanal = worse(e.centralCanal, sev)
                    case .foraminal:
                        e.foraminal = (e.foraminal ?? SidedSeverity()).merged(with: sided(sev, isNone: isNone))
                    case .subarticular:
                        e.subarticular = (e.subarticular ?? SidedSeverity()).merged(with: sided(sev, isNone: isNone))
                    }
                }
            case .disc(let kind):
                let side: ReportSide? = {
                    let s = Set(sides.map(\.0))
                    if s.contains(.bilateral) || (s.contains(.left) && s.contains(.right)) { return .bilateral }
                    return s.first
                }()
                let new = DiscLabel(kind: kind, present: !negated, side: negated ? nil : side)
                if let n = e.disc.firstIndex(where: { $0.kind == kind }) {
                    var old = e.disc[n]
                    if new.present && !old.present {
                        old = new
                    } else if new.present, let s = new.side, old.side != s {
                        old.side = old.side == nil ? s : .bilateral
                    }
                    e.disc[n] = old
                } else {
                    e.disc.append(new)
                    e.disc.sort { $0.kind < $1.kind }
                }
            case .listhesis(let kind):
                var l = e.listhesis ?? ListhesisLabel(present: false)
                if !negated {
                    l.present = true
                    if l.kind == nil || l.kind == .spondylolisthesis { l.kind = kind }
                    if let g = grade { l.grade = max(l.grade ?? 0, g) }
                    if let d = distanceMM { l.distanceMM = max(l.distanceMM ?? 0, d) }
                } else if e.listhesis == nil {
                    l.kind = nil
                }
                e.listhesis = l
            }
        }

        /// The per-side form of a lateral statement.
        func sided(_ sev: ReportSeverity, isNone: Bool) -> SidedSeverity {
            if sides.isEmpty {
                return isNone ? SidedSeverity(left: .absent, right: .absent) : SidedSeverity(unspecifiedSide: sev)
            }
            var s = SidedSeverity()
            for (side, own) in sides {
                let v = isNone ? ReportSeverity.absent : (own ?? sev)
                if side != .right { s.left = worse(s.left, v) }
                if side != .left { s.right = worse(s.right, v) }
            }
            return s
        }
    }

    // MARK: - Mentions

    static func findMentions(_ t: [ReportToken]) -> [Mention] {
        var headIndex: [Int] = []
        for (n, tok) in t.enumerated() {
            guard let w = tok.word, heads[w] != nil else { continue }
            // Two stenosis words in a row ("stenosis/narrowing") are one finding.
            if let last = headIndex.last, last == n - 1, case .stenosis = heads[t[last].word!]!,
                case .stenosis = heads[w]!
            {
                continue
            }
            headIndex.append(n)
        }
        // "L1-2: Normal." (a short level statement with no other finding).
        if headIndex.isEmpty, t.contains(where: { $0.levels != nil }), t.contains(.word("normal")), t.count <= 4 {
            var m = Mention(head: .unremarkable)
            m.levels = t.compactMap(\.levels).flatMap { $0 }
            return [m]
        }
        guard !headIndex.isEmpty else { return [] }
        // Side phrase right after a head ("…narrowing, left greater than right").
        var postStart: [Int] = []
        for h in headIndex {
            var k = h + 1
            var j = k
            if j < t.count, t[j] == .punct(",") { j += 1 }
            var sawSide = false
            // The phrase must open with a side (or "on the left"), not with "the" of an object ("narrowing the right recess").
            let opens =
                j < t.count && ["left", "right", "bilateral", "bilaterally", "both", "on"].contains(t[j].word ?? "")
            while opens, j < t.count, let w = t[j].word, sideWords.contains(w) {
                if ["left", "right", "bilateral", "bilaterally", "both"].contains(w) { sawSide = true }
                j += 1
            }
            if sawSide { k = j }
            postStart.append(k)
        }
        // Split points between consecutive heads: the first separator after the last level in between.
        var splits: [Int] = []
        for n in 0..<headIndex.count {
            if n + 1 == headIndex.count {
                splits.append(t.count)
                break
            }
            let lo = min(postStart[n], headIndex[n + 1]), hi = headIndex[n + 1]
            let lastLevel = (lo..<hi).last { t[$0].levels != nil }
            let from = (lastLevel ?? (lo - 1)) + 1
            let sep = (from..<hi).first { isSeparator(t[$0]) }
            splits.append(sep ?? hi)
        }
        var mentions: [Mention] = []
        for n in headIndex.indices {
            let h = headIndex[n]
            let preStart = n == 0 ? 0 : splits[n - 1]
            let pre = Array(t[preStart..<h])
            let sidePost = Array(t[(h + 1)..<postStart[n]])
            let post = postStart[n] <= splits[n] ? Array(t[postStart[n]..<splits[n]]) : []
            var m = Mention(head: heads[t[h].word!]!)
            // Scope in the pre-span: after the last strong break.
            let scopeStart =
                pre.lastIndex { $0 == .punct(";") || $0 == .punct(":") || $0 == .word("but") || $0 == .word("however") }
                .map { $0 + 1 } ?? 0
            let scope = Array(pre[scopeStart...])
            // "of the left neural foramen", "involving the lateral recesses", "(narrowing) the right lateral recess".
            var ofPhrase: [ReportToken] = []
            if let w = post.first?.word, ["of", "involving", "within", "in", "the"].contains(w) {
                for tok in post {
                    if tok.levels != nil || tok == .punct(";") || tok == .punct(":") { break }
                    if let w = tok.word,
                        ["at", "with", "but", "which", "due", "secondary", "from", "causing", "resulting"].contains(w)
                    {
                        break
                    }
                    ofPhrase.append(tok)
                }
            }
            let described = scope + sidePost + ofPhrase
            // Negation.
            for (k, tok) in scope.enumerated() {
                guard let w = tok.word, negations.contains(w) else { continue }
                if w == "no", k + 1 < scope.count, let nx = scope[k + 1].word,
                    ["change", "interval", "longer"].contains(nx)
                {
                    continue
                }
                m.negated = true
                // "no high-grade / severe stenosis" bounds the grade without giving it: no label.
                if k + 1 < scope.count, let nx = scope[k + 1].word,
                    ["moderate", "severe", "high", "critical", "marked", "advanced"].contains(nx)
                {
                    m.bounded = true
                }
            }
            if post.prefix(4).contains(where: { $0 == .word("not") || $0 == .word("absent") }) { m.negated = true }
            // Severity and sides, in order.
            // A severity applies to the sides after it; a range ("mild to moderate") keeps its worse end,
            // a new severity after a side starts afresh ("severe left and mild right").
            var current: ReportSeverity?
            var sideSinceSeverity = false
            for (k, tok) in described.enumerated() {
                guard let w = tok.word else { continue }
                if let s = severities[w] {
                    // "high" only in "high grade"/"high-grade".
                    if w == "high", !(k + 1 < described.count && described[k + 1] == .word("grade")) { continue }
                    current = sideSinceSeverity ? s : worse(current, s)
                    sideSinceSeverity = false
                    m.severity = worse(m.severity, s)
                }
                switch w {
                case "left": m.sides.append((.left, current))
                case "right": m.sides.append((.right, current))
                case "bilateral", "bilaterally", "both": m.sides.append((.bilateral, current))
                default: continue
                }
                sideSinceSeverity = true
            }
            // After the finding: "…, left greater than right", "bilaterally", "on the left"; "… is severe".
            for (k, tok) in post.enumerated() {
                guard let w = tok.word else { continue }
                let next = k + 1 < post.count ? post[k + 1].word : nil
                if w == "bilaterally" { m.sides.append((.bilateral, nil)) }
                if w == "left" || w == "right" {
                    if let next, ["greater", "more", "worse"].contains(next) {
                        m.sides.append((.bilateral, nil))
                    } else if k >= 2, post[k - 1] == .word("the"), post[k - 2] == .word("on") {
                        m.sides.append((w == "left" ? .left : .right, nil))
                    }
                }
                if m.severity == nil,
                    ["is", "are", "was", "were", "appears", "appear", "remains", "remain"].contains(w)
                {
                    for tok in post[(k + 1)..<min(post.count, k + 3)] {
                        if let v = tok.word, let s = severities[v] { m.severity = worse(m.severity, s) }
                    }
                }
            }
            // Sides without a severity before them take the statement's.
            m.sides = m.sides.map { ($0.0, $0.1 ?? m.severity) }
            // Kind of stenosis.
            for (k, tok) in described.enumerated() {
                guard let w = tok.word else { continue }
                switch w {
                case "central", "canal", "thecal", "spinal", "dural": m.kinds.insert(.central)
                case "foraminal", "foramen", "foramina", "foraminae", "neuroforaminal", "neuroforamen", "neuroforamina",
                    "neuroforamens":
                    m.kinds.insert(.foraminal)
                case "subarticular", "recess", "recesses": m.kinds.insert(.subarticular)
                case "lateral"
                where k + 1 < described.count && ["recess", "recesses"].contains(described[k + 1].word ?? ""):
                    m.kinds.insert(.subarticular)
                default: break
                }
            }
            // Levels: after the finding, else before it.
            let after = post.compactMap(\.levels).flatMap { $0 }
            let before = pre.compactMap(\.levels).flatMap { $0 }
            m.levels = unique(after.isEmpty ? before : after)
            if !after.isEmpty {
                // A severity word between level groups after the finding starts an elliptical item.
                var sawLevel = false
                var override: ReportSeverity?
                for tok in post {
                    if let l = tok.levels {
                        sawLevel = true
                        if let o = override { for d in l { m.severityAtLevel[d] = o } }
                    } else if sawLevel, let w = tok.word, let s = severities[w], w != "high" {
                        override = s
                    }
                }
            }
            // Listhesis: grade, distance, "of L4" → L4-L5.
            if case .listhesis = m.head {
                let all = pre + post
                for (k, tok) in all.enumerated() {
                    if tok == .word("grade"), k + 1 < all.count {
                        if case .number(let g) = all[k + 1], g >= 1, g <= 5 { m.grade = Int(g) }
                        if let w = all[k + 1].word, let g = romanGrades[w] { m.grade = g }
                    }
                    if case .number(let d) = tok, k + 1 < all.count, all[k + 1] == .word("mm") { m.distanceMM = d }
                }
                if m.levels.isEmpty {
                    let v =
                        post.compactMap { if case .vertebra(let v) = $0 { v } else { nil } }.first
                        ?? pre.compactMap { if case .vertebra(let v) = $0 { v } else { nil } }.last
                    if let v, let d = DiscLevel(below: v) { m.levels = [d] }
                }
            }
            // Carry a negation across "or", "nor" and commas ("no disc bulge, protrusion or extrusion").
            if !m.negated, m.severity == nil, n > 0, mentions[n - 1].negated {
                let link = t[splits[n - 1]]
                if link == .punct(",") || link == .word("or") || link == .word("nor") { m.negated = true }
            }
            mentions.append(m)
        }
        return mentions.filter { !$0.bounded }
    }

    static func isSeparator(_ t: ReportToken) -> Bool {
        switch t {
        case .punct(let c): c != ")"
        case .word(let w): separatorWords.contains(w)
        default: false
        }
    }

    static func unique(_ l: [DiscLevel]) -> [DiscLevel] {
        var seen: Set<DiscLevel> = []
        return l.filter { seen.insert($0).inserted }
    }
}
