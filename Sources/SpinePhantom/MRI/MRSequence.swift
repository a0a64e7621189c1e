import Foundation

/// Relaxation parameters of a tissue at 1.5 T: a water compartment and a fat fraction.
///
/// Values are rounded literature means: Bottomley PA et al., Med Phys 1984;11(4):425–448 (T1/T2 of
/// soft tissues); Gold GE et al., AJR 2004;183(2):343–351 (muscle, fat, marrow, cartilage T1/T2);
/// adult lumbar marrow is taken as 50 % fat (MR spectroscopy finds ≈ 30–60 %, rising with age).
/// Fat's T2 is an "apparent" fast-spin-echo value (J-coupling suppression keeps fat bright on FSE).
public struct MRTissueParameters: Sendable, Hashable, Codable {
    /// Proton density of the water compartment (relative, fat = 1).
    public var pd: Double
    public var t1MS: Double
    public var t2MS: Double
    /// Fraction of the signal-bearing protons in fat (T1 260 ms, T2 130 ms).
    public var fatFraction: Double

    public static let fat = MRTissueParameters(pd: 1, t1MS: 260, t2MS: 130, fatFraction: 0)

    /// Reference parameters of a tissue.
    public static func of(_ t: Tissue) -> MRTissueParameters {
        switch t {
        case .air: .init(pd: 0, t1MS: 1000, t2MS: 1, fatFraction: 0)
        case .marrow: .init(pd: 0.9, t1MS: 1000, t2MS: 60, fatFraction: 0.55)
        case .corticalBone: .init(pd: 0.05, t1MS: 1000, t2MS: 2, fatFraction: 0)
        case .posteriorBone: .init(pd: 0.45, t1MS: 1000, t2MS: 40, fatFraction: 0.35)
        case .nucleusPulposus: .init(pd: 0.95, t1MS: 1100, t2MS: 125, fatFraction: 0)
        case .annulusFibrosus: .init(pd: 0.7, t1MS: 900, t2MS: 40, fatFraction: 0)
        case .csf: .init(pd: 1, t1MS: 4000, t2MS: 2000, fatFraction: 0)
        case .neural: .init(pd: 0.75, t1MS: 750, t2MS: 80, fatFraction: 0)
        case .epiduralFat, .subcutaneousFat: .init(pd: 1, t1MS: 260, t2MS: 130, fatFraction: 1)
        case .ligament: .init(pd: 0.5, t1MS: 800, t2MS: 30, fatFraction: 0)
        case .muscle: .init(pd: 0.8, t1MS: 1000, t2MS: 45, fatFraction: 0.03)
        case .flowingBlood: .init(pd: 0.9, t1MS: 1400, t2MS: 250, fatFraction: 0)
        case .viscera: .init(pd: 0.85, t1MS: 800, t2MS: 65, fatFraction: 0.05)
        }
    }
}

/// A clinical spin-echo-family pulse sequence and its signal equation.
public struct MRSequence: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable {
        /// T1- or T2-weighted (fast) spin echo: S = PD · (1 − e^(−TR/T1)) · e^(−TE/T2).
        case spinEcho
        /// Short-tau inversion recovery: S = PD · |1 − 2e^(−TI/T1) + e^(−TR/T1)| · e^(−TE/T2).
        case inversionRecovery
    }

    /// Short name used for series and files: "T1", "T2", "STIR".
    public var name: String
    public var kind: Kind
    public var repetitionTimeMS: Double
    public var echoTimeMS: Double
    public var inversionTimeMS: Double

    public static func t1(_ rng: inout PhantomRandom) -> MRSequence {
        MRSequence(
            name: "T1", kind: .spinEcho, repetitionTimeMS: rng.uniform(450, 650).rounded(),
            echoTimeMS: rng.uniform(8, 14).rounded(), inversionTimeMS: 0)
    }
    public static func t2(_ rng: inout PhantomRandom) -> MRSequence {
        MRSequence(
            name: "T2", kind: .spinEcho, repetitionTimeMS: rng.uniform(3000, 4500).rounded(),
            echoTimeMS: rng.uniform(90, 115).rounded(), inversionTimeMS: 0)
    }
    public static func stir(_ rng: inout PhantomRandom) -> MRSequence {
        MRSequence(
            name: "STIR", kind: .inversionRecovery, repetitionTimeMS: rng.uniform(3500, 5000).rounded(),
            echoTimeMS: rng.uniform(40, 60).rounded(), inversionTimeMS: rng.uniform(150, 170).rounded())
    }

    /// Signal of one compartment (no noise, no coil weighting).
    func compartment(pd: Double, t1: Double, t2: Double) -> Double {
        let e2 = exp(-echoTimeMS / t2)
        switch kind {
        case .spinEcho: return pd * (1 - exp(-repetitionTimeMS / t1)) * e2
        case .inversionRecovery:
            return pd * abs(1 - 2 * exp(-inversionTimeMS / t1) + exp(-repetitionTimeMS / t1)) * e2
        }
    }

    /// Noise-free signal of a material: water and fat compartments, each through the signal equation.
    public func signal(_ m: Material) -> Double {
        let p = MRTissueParameters.of(m.tissue)
        let ff = min(max(p.fatFraction * m.fatScale, 0), 1)
        let water = compartment(pd: p.pd * m.pdScale, t1: p.t1MS * m.t1Scale, t2: max(p.t2MS * m.t2Scale, 0.1))
        let f = MRTissueParameters.fat
        let fat = compartment(pd: f.pd * m.pdScale, t1: f.t1MS, t2: f.t2MS)
        return (1 - ff) * water + ff * fat
    }
}
