/// Linear attenuation coefficients of the phantom's tissues for a diagnostic X-ray beam.
///
/// Values are for an effective energy of 70 keV (a lumbar spine technique of about 85–90 kVp with
/// added filtration). Each is a mass attenuation coefficient μ/ρ interpolated log–log between the
/// 60 and 80 keV entries of NIST XCOM (Hubbell JH, Seltzer SM, "Tables of X-Ray Mass Attenuation
/// Coefficients…", NISTIR 5632, 1995/2004) for the ICRU Report 44 (1989) body-tissue compositions,
/// times the ICRU 44 density (ICRU 46 spongiosa for cancellous bone):
///
/// | tissue                       | ρ [g/cm³] | μ/ρ [cm²/g] | μ [1/cm] |
/// |------------------------------|-----------|-------------|----------|
/// | cortical bone (ICRU 44)      | 1.92      | 0.262       | 0.502    |
/// | cancellous bone (spongiosa)  | 1.18      | 0.215       | 0.254    |
/// | soft tissue (ICRU 44)        | 1.06      | 0.193       | 0.204    |
/// | skeletal muscle (ICRU 44)    | 1.05      | 0.193       | 0.202    |
/// | adipose tissue (ICRU 44)     | 0.95      | 0.189       | 0.180    |
/// | water / CSF                  | 1.00      | 0.194       | 0.194    |
/// | air (dry, sea level)         | 0.0012    | 0.168       | 0.0002   |
///
/// Posterior-element bone is 35 % cortical and 65 % cancellous by volume at the phantom's resolution.
public enum XRayAttenuation {
    /// Effective beam energy the table is for [keV].
    public static let effectiveEnergyKeV = 70.0

    /// Linear attenuation coefficient of a tissue at 70 keV [1/mm].
    public static func muPerMM(_ tissue: Tissue) -> Double {
        switch tissue {
        case .air: 0.000_02
        case .marrow: 0.0254
        case .corticalBone: 0.0502
        case .posteriorBone: 0.35 * 0.0502 + 0.65 * 0.0254
        case .nucleusPulposus: 0.0197
        case .annulusFibrosus: 0.0212
        case .csf: 0.0195
        case .neural: 0.0200
        case .epiduralFat, .subcutaneousFat: 0.0180
        case .ligament: 0.0212
        case .muscle: 0.0202
        case .flowingBlood: 0.0205
        case .viscera: 0.0200
        }
    }
}
