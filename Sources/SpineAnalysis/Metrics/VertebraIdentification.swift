import SpineImaging

/// Vertebra identification rate and localisation error as VerSe defines them.
public struct IdentificationScores: Sendable, Hashable, Codable {
    public struct Entry: Sendable, Hashable, Codable {
        /// Label value (VerSe numbering for vertebrae).
        public var label: Int
        public var name: String?
        /// Distance between the predicted and the true centroid [mm]; nil when not predicted.
        public var distanceMM: Double?
        public var identified: Bool
        /// The true label whose centroid is nearest to this prediction; nil when not predicted.
        public var nearestTruthLabel: Int?
    }
    /// Identified / true vertebrae (0…1); nil when the truth has none.
    public var identificationRate: Double?
    /// Mean distance [mm] between predicted and true centroids over vertebrae present in both; nil when none are.
    public var localisationErrorMM: Double?
    public var truthCount: Int
    public var identifiedCount: Int
    public var maxDistanceMM: Double
    /// One entry per true label, ascending.
    public var entries: [Entry]
    /// Labels predicted but absent from the truth.
    public var extraPredictions: [Int]
}

/// VerSe's labelling metrics (Sekuboyina et al., Med Image Anal 73 (2021) 102166, after Glocker et al., MICCAI 2013).
///
/// A true vertebra is identified when it is predicted, its predicted centroid lies within 20 mm of the
/// true one, and the true centroid nearest to the prediction is its own (no other true vertebra is
/// closer). The identification rate is identified / true vertebrae; the localisation error is the
/// mean centroid distance over the vertebrae in both the prediction and the truth.
public enum VertebraIdentification {
    public static func evaluate(
        predictedCentroidsLPS: [Int: SIMD3<Double>], truthCentroidsLPS: [Int: SIMD3<Double>],
        maxDistanceMM: Double = 20,
        names: ((Int) -> String?)? = nil
    ) -> IdentificationScores {
        var entries: [IdentificationScores.Entry] = []
        var distances: [Double] = []
        for label in truthCentroidsLPS.keys.sorted() {
            let t = truthCentroidsLPS[label]!
            var e = IdentificationScores.Entry(
                label: label, name: names?(label), distanceMM: nil, identified: false, nearestTruthLabel: nil)
            if let p = predictedCentroidsLPS[label] {
                let d = (p - t).length
                e.distanceMM = d
                distances.append(d)
                // Nearest true centroid; ties go to the vertebra itself.
                var nearest = label, nearestD = d
                for other in truthCentroidsLPS.keys.sorted() where other != label {
                    let dd = (p - truthCentroidsLPS[other]!).length
                    if dd < nearestD {
                        nearest = other
                        nearestD = dd
                    }
                }
                e.nearestTruthLabel = nearest
                e.identified = d < maxDistanceMM && nearest == label
            }
            entries.append(e)
        }
        let identified = entries.filter(\.identified).count
        return IdentificationScores(
            identificationRate: entries.isEmpty ? nil : Double(identified) / Double(entries.count),
            localisationErrorMM: distances.isEmpty ? nil : distances.reduce(0, +) / Double(distances.count),
            truthCount: entries.count, identifiedCount: identified, maxDistanceMM: maxDistanceMM, entries: entries,
            extraPredictions: predictedCentroidsLPS.keys.filter { truthCentroidsLPS[$0] == nil }.sorted())
    }

    /// Identification scores of two instance label maps (centroids of each label value, in LPS).
    ///
    /// - Parameters:
    ///   - include: which label values are vertebrae; default: all non-zero values.
    /// - Throws: `ImagingError(.invalidArgument)` when the grids differ.
    public static func evaluate(
        prediction: Volume<Int32>, truth: Volume<Int32>, include: ((Int) -> Bool)? = nil, maxDistanceMM: Double = 20,
        names: ((Int) -> String?)? = nil
    ) throws -> IdentificationScores {
        if let why = prediction.geometry.gridMismatch(with: truth.geometry) {
            throw ImagingError(.invalidArgument, "prediction and truth grids differ (\(why))")
        }
        func centroids(_ v: Volume<Int32>) -> [Int: SIMD3<Double>] {
            var out: [Int: SIMD3<Double>] = [:]
            for (label, c) in v.labelStatistics() where include?(label) ?? true { out[label] = c.centroidLPS }
            return out
        }
        return evaluate(
            predictedCentroidsLPS: centroids(prediction), truthCentroidsLPS: centroids(truth),
            maxDistanceMM: maxDistanceMM,
            names: names)
    }
}
