extension PhantomParameters {
    /// These parameters with the enumeration anomaly `anomaly` forced (nil or the same anomaly: unchanged).
    ///
    /// Every level-keyed parameter keeps its place counted from the sacrum (L5-S1 stays the lowest disc, the
    /// vertebra above the sacrum stays the lowest mobile one), and is dropped where the new spine has no such
    /// place:
    /// - disc variations, the slip and the fractures move to the level or vertebra at the same place (a fracture
    ///   never lands on the sacrum);
    /// - foraminal narrowing is dropped on a disc whose upper vertebra becomes thoracic (the model builds it at
    ///   lumbar levels only), and so is a herniation; the disc's other variations stay;
    /// - each scoliotic curve's end vertebrae move the same way; an upper end that would fall above T10 is held at
    ///   T10, and a curve left spanning fewer than two levels is dropped (curves stay craniocaudal and
    ///   non-overlapping, since the move is monotonic);
    /// - `lumbarCount` and `thoracicCount`, when set, take the new anomaly's counts.
    ///
    /// The result validates whenever these parameters do (tested over many seeds and every anomaly).
    public func forcing(_ anomaly: EnumerationAnomaly?) -> PhantomParameters {
        guard let anomaly, anomaly != self.anomaly else { return self }
        var p = self
        let oldLevels = Self.discLevels(for: self.anomaly), newLevels = Self.discLevels(for: anomaly)
        let oldVertebrae = Self.vertebrae(for: self.anomaly), newVertebrae = Self.vertebrae(for: anomaly)
        func level(_ l: DiscLevel) -> DiscLevel? {
            guard let i = oldLevels.firstIndex(of: l) else { return nil }
            let j = newLevels.count - (oldLevels.count - i)
            return j >= 0 ? newLevels[j] : nil
        }
        /// Index in the new vertebra list of the vertebra at old index i (may be negative: above T10).
        func vertebraIndex(_ v: Vertebra) -> Int? {
            oldVertebrae.firstIndex(of: v).map { newVertebrae.count - (oldVertebrae.count - $0) }
        }
        p.discs = discs.compactMap { d in
            guard let l = level(d.level) else { return nil }
            var d = d
            d.level = l
            if l.upper.region != .lumbar {
                d.foraminalNarrowing = PerSide(left: 0, right: 0)
                d.herniation = nil
            }
            return d
        }
        p.slip = slip.flatMap { s in level(s.level).map { Slip(level: $0, fraction: s.fraction) } }
        p.fractures = fractures.compactMap { f in
            guard let j = vertebraIndex(f.vertebra), j >= 0, newVertebrae[j] != .s1 else { return nil }
            var f = f
            f.vertebra = newVertebrae[j]
            return f
        }
        p.scoliosis = scoliosis.compactMap { c in
            guard let u = vertebraIndex(c.upper), let l = vertebraIndex(c.lower), l - max(u, 0) >= 2 else {
                return nil
            }
            var c = c
            c.upper = newVertebrae[max(u, 0)]
            c.lower = newVertebrae[l]
            return c
        }
        p.anomaly = anomaly
        if lumbarCount != nil { p.lumbarCount = anomaly.lumbarCount }
        if thoracicCount != nil { p.thoracicCount = anomaly.thoracicCount }
        return p
    }
}
