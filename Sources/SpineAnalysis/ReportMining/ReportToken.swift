import Foundation

/// A token of a report sentence: a word, disc levels ("L4-5", "L3 to L5"), a single vertebra, a number or punctuation.
enum ReportToken: Hashable {
    case word(String)
    case levels([DiscLevel])
    case vertebra(Vertebra)
    case number(Double)
    case punct(Character)

    var word: String? { if case .word(let w) = self { w } else { nil } }
    var levels: [DiscLevel]? { if case .levels(let l) = self { l } else { nil } }

    /// Splits report text into sentences: at . ! ? followed by white space, and at blank lines
    /// (a single line break is white space, so wrapped lines stay whole).
    static func sentences(_ text: String) -> [String] {
        let chars = Array(text.replacingOccurrences(of: "\r\n", with: "\n"))
        var out: [String] = []
        var cur: [Character] = []
        var i = 0
        func flush() {
            let s = String(cur).trimmingCharacters(in: .whitespacesAndNewlines)
            if !s.isEmpty { out.append(s) }
            cur.removeAll()
        }
        while i < chars.count {
            let c = chars[i]
            let next: Character? = i + 1 < chars.count ? chars[i + 1] : nil
            if c == "." || c == "!" || c == "?" {
                if next == nil || next!.isWhitespace {
                    flush()
                    i += 1
                    continue
                }
            }
            if c == "\n" {
                // A blank line ends a sentence; a line that ends with ':' keeps its heading with the next line.
                var j = i + 1
                while j < chars.count && chars[j] != "\n" && chars[j].isWhitespace { j += 1 }
                if j < chars.count && chars[j] == "\n" {
                    flush()
                    i = j + 1
                    continue
                }
                cur.append(" ")
                i += 1
                continue
            }
            cur.append(c)
            i += 1
        }
        flush()
        return out
    }

    /// Tokens of one sentence (lower-cased). Levels: "L4-5", "L4-L5", "L4/L5", "L4 - 5", "L5-S1", "L5S1", "T12-L1",
    /// ranges "L3 to L5", "L3 through L5", "L3-4 through L5-S1" (expanded to each disc), and "L4 on L5".
    static func tokens(_ sentence: String) -> [ReportToken] {
        let c = Array(
            sentence.lowercased().replacingOccurrences(of: "–", with: "-").replacingOccurrences(of: "—", with: "-"))
        var out: [ReportToken] = []
        var i = 0
        func isDigit(_ k: Int) -> Bool { k < c.count && c[k].isASCII && c[k].isNumber }
        func isLetter(_ k: Int) -> Bool { k >= 0 && k < c.count && c[k].isLetter }
        func digits(_ k: Int) -> (Int, Int)? {
            var j = k
            while isDigit(j) && j - k < 2 { j += 1 }
            guard j > k, !isDigit(j), let n = Int(String(c[k..<j])) else { return nil }
            return (n, j)
        }
        func vertebra(_ region: Character, _ n: Int) -> Vertebra? { Vertebra(name: "\(region)\(n)") }
        while i < c.count {
            let ch = c[i]
            if "ctls".contains(ch), !isLetter(i - 1), let (n1, j) = digits(i + 1), let v1 = vertebra(ch, n1) {
                // Compact "l5s1", "t12l1".
                if j < c.count, "ctls".contains(c[j]), let (n2, k) = digits(j + 1), !isLetter(k),
                    let v2 = vertebra(c[j], n2), v1 < v2
                {
                    out.append(.levels(range(v1, v2)))
                    i = k
                    continue
                }
                if !isLetter(j) {
                    // A second part after -, / or "to"/"through".
                    var k = j
                    while k < c.count && c[k] == " " { k += 1 }
                    var joined = false
                    if k < c.count && (c[k] == "-" || c[k] == "/") {
                        k += 1
                        joined = true
                    } else {
                        for w in ["to ", "through ", "thru "] where String(c[k..<min(c.count, k + w.count)]) == w {
                            k += w.count
                            joined = true
                            break
                        }
                    }
                    if joined {
                        while k < c.count && c[k] == " " { k += 1 }
                        var region = ch
                        if k < c.count && "ctls".contains(c[k]) {
                            region = c[k]
                            k += 1
                        }
                        if let (n2, e) = digits(k), !isLetter(e), let v2 = vertebra(region, n2), v1 < v2 {
                            out.append(.levels(range(v1, v2)))
                            i = e
                            continue
                        }
                    }
                    out.append(.vertebra(v1))
                    i = j
                    continue
                }
            }
            if ch.isLetter {
                var j = i
                while j < c.count && c[j].isLetter { j += 1 }
                out.append(.word(String(c[i..<j])))
                i = j
                continue
            }
            if isDigit(i) {
                var j = i
                while isDigit(j) || (j < c.count && c[j] == "." && isDigit(j + 1)) { j += 1 }
                out.append(.number(Double(String(c[i..<j])) ?? 0))
                i = j
                continue
            }
            if ",;:()".contains(ch) { out.append(.punct(ch)) }
            if ch == ">" { out.append(.word("greater")) }
            i += 1
        }
        return joinRanges(out)
    }

    /// The disc levels from vertebra `a` down to vertebra `b`: one level when adjacent, else each standard level between.
    static func range(_ a: Vertebra, _ b: Vertebra) -> [DiscLevel] {
        if b == a.nextCaudal || a.isEnumerationVariant || b.isEnumerationVariant || b == .coccyx {
            return [DiscLevel(upper: a, lower: b)]
        }
        var out: [DiscLevel] = []
        var v = a
        while v < b, let n = v.nextCaudal {
            out.append(DiscLevel(upper: v, lower: n))
            v = n
        }
        return out
    }

    /// "L3-4 through L5-S1" → every level between; "L4 on L5" → L4-L5.
    static func joinRanges(_ t: [ReportToken]) -> [ReportToken] {
        var out: [ReportToken] = []
        var i = 0
        while i < t.count {
            if i + 2 < t.count, let w = t[i + 1].word {
                if let a = t[i].levels, let b = t[i + 2].levels, ["to", "through", "thru"].contains(w),
                    let first = a.first, let last = b.last, first.upper < last.lower
                {
                    out.append(.levels(range(first.upper, last.lower)))
                    i += 3
                    continue
                }
                if case .vertebra(let a) = t[i], case .vertebra(let b) = t[i + 2], ["on", "upon", "over"].contains(w),
                    a < b
                {
                    out.append(.levels([DiscLevel(upper: a, lower: b)]))
                    i += 3
                    continue
                }
            }
            out.append(t[i])
            i += 1
        }
        return out
    }
}
