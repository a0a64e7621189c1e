import Foundation

/// Projection of a radiograph: which way the beam runs through the patient.
public enum RadiographView: String, Sendable, Hashable, Codable, CaseIterable {
    /// Left lateral: the patient's left side against the detector, beam from right to left;
    /// displayed with anterior at the left and superior at the top.
    case lateral
    /// Anteroposterior, supine: beam from anterior to posterior; the patient's right at the viewer's left.
    case anteroposterior
    /// Left lateral of the cervical spine (C1–T1), collimated to the neck: beam from right to left, 150 cm
    /// source-to-image distance, a detector field of at most 240 × 300 mm; the head (skull, mandible) and the
    /// neck's soft tissue and airway are simple attenuating shapes (`NeckShapes`).
    case cervicalLateral = "cervical-lateral"

    /// Whether the beam runs laterally (lumbar or cervical lateral views).
    public var isLateral: Bool { self != .anteroposterior }
}

/// Acquisition settings of a synthetic radiograph.
public struct RadiographOptions: Sendable, Hashable, Codable {
    /// Detector pixel pitch [mm] (DICOM ImagerPixelSpacing). Flat panels have 0.14–0.2 mm;
    /// the default renders at 0.3 mm (a 2×2 binned panel) for speed.
    public var detectorPixelMM = 0.3
    /// Detector field before collimation [mm]: width (columns) and height (rows).
    public var detectorWidthMM = 300.0
    public var detectorHeightMM = 400.0
    /// Source-to-image distance [mm] (100 cm for lumbar radiographs).
    public var sourceImageDistanceMM = 1000.0
    /// Gap between the patient's skin and the detector (table and bucky) [mm].
    public var tableGapMM = 40.0
    /// Ray-marching step through the spine slab [mm] and, on a coarse detector grid, through the rest of the trunk.
    public var stepMM = 1.0
    public var coarseStepMM = 4.0
    public var coarseGridMM = 3.0
    /// Osteophytes and instrumentation to draw; nil draws them from the seed (`RadiographFindings(drawnFor:)`).
    public var findings: RadiographFindings?

    public init() {}

    /// Throws `PhantomError` for a setting outside its range.
    public func validate() throws {
        try PhantomError.check("detectorPixelMM", detectorPixelMM, 0.05, 5, unit: " mm")
        try PhantomError.check("detectorWidthMM", detectorWidthMM, 50, 600, unit: " mm")
        try PhantomError.check("detectorHeightMM", detectorHeightMM, 50, 600, unit: " mm")
        try PhantomError.check("sourceImageDistanceMM", sourceImageDistanceMM, 600, 2500, unit: " mm")
        try PhantomError.check("tableGapMM", tableGapMM, 0, 200, unit: " mm")
        try PhantomError.check("stepMM", stepMM, 0.05, 5, unit: " mm")
        try PhantomError.check("coarseStepMM", coarseStepMM, 0.1, 20, unit: " mm")
        try PhantomError.check("coarseGridMM", coarseGridMM, 0.05, 20, unit: " mm")
    }
}

/// A digitally reconstructed radiograph of a phantom, with its truth.
///
/// Point-source geometry: rays run from the focal spot to each detector pixel centre; each ray's
/// line integral of the 70 keV attenuation (`XRayAttenuation`) is summed at `stepMM` through a slab
/// around the spine and at `coarseStepMM` through the rest of the trunk (on a coarse detector grid,
/// interpolated bilinearly), with the osteophytes and titanium instrumentation of `RadiographFindings` added on
/// top of the model's materials. Then, per pixel: primary quanta by Beer–Lambert, `I = I₀·exp(−∫μ ds)`, with
/// I₀ set by automatic exposure control over the spine;
/// scatter as a broad kernel (three box passes, σ ≈ 35 mm) over the primary times the path's optical
/// depth; quantum (Gaussian approximation of Poisson) and electronic noise; a logarithmic
/// "for presentation" mapping with dynamic-range compression, to 12 bits windowed on the
/// 2nd–99.7th percentiles of the open field, with a power-2.5 tone curve;
/// collimation (zero outside the field) and a lead side marker.
public struct Radiograph: Sendable {
    public let view: RadiographView
    public let rows: Int
    public let columns: Int
    /// Presentation values 0…4095 in MONOCHROME2 sense (more attenuation is brighter), rows top to bottom.
    public let pixels: [UInt16]
    /// Projected vertebral bodies: the VerSe label of the body with the longest path along each ray, 0 elsewhere.
    public let bodyLabels: [UInt8]
    /// The osteophytes and instrumentation drawn on top of the model's anatomy.
    public let findings: RadiographFindings
    public internal(set) var truth: RadiographTruth.ImageTruth

    /// Renders one view of `model`. Deterministic in `model.parameters.seed` and `view`.
    public init(model: SpineModel, view: RadiographView, options: RadiographOptions = .init()) throws {
        try options.validate()
        self.view = view
        let p = model.parameters
        let findings =
            options.findings
            ?? (view == .cervicalLateral ? RadiographFindings(cervicalDrawnFor: model) : RadiographFindings(drawnFor: p))
        try findings.validate(for: model)
        self.findings = findings
        let shapes = RadiographFindingShapes(model: model, findings: findings)
        let stream: UInt64 =
            switch view {
            case .lateral: 0x8A_7E1
            case .anteroposterior: 0x8A_A91
            case .cervicalLateral: 0x8A_C71
            }
        var rng = PhantomRandom(seed: p.seed, stream: stream)
        let geo = RadiographGeometry(model: model, view: view, options: options, rng: &rng)
        let rows = geo.rows, columns = geo.columns
        self.rows = rows
        self.columns = columns
        let n = rows * columns

        // Line integrals and body labels.
        let traced = RadiographTracer(model: model, geometry: geo, options: options, findings: shapes).trace()

        // Exposure, collimation, scatter, noise.
        let pixelArea = geo.pixelMM * geo.pixelMM
        // Automatic exposure control: the chamber over the spine (the central fifth of the field) stops
        // at 2–6·10⁴ detected quanta per mm² (about 1.5–4 µGy at 70 keV with a detector DQE near 0.6).
        let aecTarget = rng.uniform(2e4, 6e4)
        var chamber = 0.0, chamberCount = 0
        for j in (rows * 2 / 5)..<max(rows * 3 / 5, rows * 2 / 5 + 1) {
            for i in (columns * 2 / 5)..<max(columns * 3 / 5, columns * 2 / 5 + 1) {
                chamber += exp(-traced.lineIntegral[j * columns + i])
                chamberCount += 1
            }
        }
        let dose = aecTarget / max(chamber / Double(max(chamberCount, 1)), 1e-12)
        let i0 = dose * pixelArea
        let scatterWeight = rng.uniform(0.04, 0.08)
        let margin = (0..<4).map { _ in rng.uniform(0.02, 0.07) }
        let field = [
            (margin[0] * Double(columns)).rounded(), (margin[1] * Double(rows)).rounded(),
            (Double(columns - 1) * (1 - margin[2])).rounded(), (Double(rows - 1) * (1 - margin[3])).rounded(),
        ]
        func open(_ i: Int, _ j: Int) -> Bool {
            Double(i) >= field[0] && Double(i) <= field[2] && Double(j) >= field[1] && Double(j) <= field[3]
        }
        var primary = [Double](repeating: 0, count: n)
        var source = [Double](repeating: 0, count: n)
        for j in 0..<rows {
            for i in 0..<columns where open(i, j) {
                let q = j * columns + i
                primary[q] = i0 * exp(-traced.lineIntegral[q])
                source[q] = primary[q] * traced.lineIntegral[q]
            }
        }
        let scatter = Self.broadBlur(source, rows: rows, columns: columns, blockMM: 4, pixelMM: geo.pixelMM)
        let noiseSeed = rng.next()
        var logSignal = [Double](repeating: 0, count: n)
        logSignal.withUnsafeMutableBufferPointer { buf in
            let out = SendableMutableBuffer(buf)
            let primary = primary, scatter = scatter
            MRRenderer.parallelRows(rows) { j in
                var r = PhantomRandom(seed: noiseSeed, stream: UInt64(j))
                for i in 0..<columns {
                    let q = j * columns + i
                    let mean = primary[q] + scatterWeight * scatter[q]
                    let counts = mean + mean.squareRoot() * r.normal() + 2 * r.normal()
                    out[q] = log(i0 / max(counts, 0.5))
                }
            }
        }
        // Dynamic-range compression as in flat-panel presentation processing: subtract 60 % of the
        // broad (σ ≈ 35 mm) background of the log signal, so bone stands out of thick and thin soft tissue.
        let background = Self.broadBlur(logSignal, rows: rows, columns: columns, blockMM: 4, pixelMM: geo.pixelMM)
        for q in 0..<n { logSignal[q] -= 0.6 * background[q] }
        // Window on the open field.
        var sample: [Double] = []
        sample.reserveCapacity(n / 7 + 1)
        var q = 0
        while q < n {
            if open(q % columns, q / columns) { sample.append(logSignal[q]) }
            q += 7
        }
        sample.sort()
        let lo = sample.isEmpty ? 0 : sample[Int(Double(sample.count - 1) * 0.02)]
        let hi = sample.isEmpty ? 1 : max(sample[Int(Double(sample.count - 1) * 0.997)], lo + 1e-6)
        var out = [UInt16](repeating: 0, count: n)
        for j in 0..<rows {
            for i in 0..<columns where open(i, j) {
                let v = (logSignal[j * columns + i] - lo) / (hi - lo)
                out[j * columns + i] = UInt16(pow(min(max(v, 0), 1), 2.5) * 4095 + 0.5)  // tone curve
            }
        }
        // Lead side marker, near the top corner of the open field (on the patient's right for AP views).
        let letter = view.isLateral ? "L" : "R"
        let cell = max(1, Int((12.0 / 7 / geo.pixelMM).rounded()))
        let inset = Int((8 / geo.pixelMM).rounded())
        let mx = view.isLateral ? Int(field[2]) - inset - 5 * cell : Int(field[0]) + inset
        let my = Int(field[1]) + inset
        let glyph = Self.glyph(letter)
        for (r, line) in glyph.enumerated() {
            for (c, on) in line.enumerated() where on {
                for dj in 0..<cell {
                    for di in 0..<cell {
                        let x = mx + c * cell + di, y = my + r * cell + dj
                        if x >= 0, y >= 0, x < columns, y < rows { out[y * columns + x] = 4095 }
                    }
                }
            }
        }
        pixels = out
        bodyLabels = traced.labels

        let photometric = rng.chance(0.5) ? "MONOCHROME1" : "MONOCHROME2"
        let markerBox = [Double(mx), Double(my), Double(mx + 5 * cell - 1), Double(my + 7 * cell - 1)]
        truth = RadiographTruthBuilder(model: model, geometry: geo, field: field, findings: shapes)
            .imageTruth(
                photometric: photometric, sideMarker: letter, markerBox: markerBox, dose: dose,
                scatterWeight: scatterWeight)
    }

    /// A 5×7 bitmap of "L" or "R", rows top to bottom (the figures' font).
    static func glyph(_ letter: String) -> [[Bool]] {
        PreviewCanvas.font[Character(letter)]!.map { $0.map { $0 == "#" } }
    }

    /// A broad, nearly Gaussian blur: block means over `blockMM`, three box passes of ±4 blocks, and
    /// bilinear interpolation back to the pixel grid (σ ≈ 35 mm for 4 mm blocks).
    static func broadBlur(_ v: [Double], rows: Int, columns: Int, blockMM: Double, pixelMM: Double) -> [Double] {
        let b = max(1, Int((blockMM / pixelMM).rounded()))
        let br = (rows + b - 1) / b, bc = (columns + b - 1) / b
        var grid = [Double](repeating: 0, count: br * bc)
        var count = [Double](repeating: 0, count: br * bc)
        for j in 0..<rows {
            for i in 0..<columns {
                grid[(j / b) * bc + i / b] += v[j * columns + i]
                count[(j / b) * bc + i / b] += 1
            }
        }
        for k in grid.indices { grid[k] /= max(count[k], 1) }
        let radius = 4
        for _ in 0..<3 {
            var tmp = grid
            for r in 0..<br {
                for c in 0..<bc {
                    var s = 0.0
                    for d in -radius...radius { s += grid[r * bc + min(max(c + d, 0), bc - 1)] }
                    tmp[r * bc + c] = s / Double(2 * radius + 1)
                }
            }
            for r in 0..<br {
                for c in 0..<bc {
                    var s = 0.0
                    for d in -radius...radius { s += tmp[min(max(r + d, 0), br - 1) * bc + c] }
                    grid[r * bc + c] = s / Double(2 * radius + 1)
                }
            }
        }
        var out = [Double](repeating: 0, count: rows * columns)
        for j in 0..<rows {
            let y = min(max((Double(j) + 0.5) / Double(b) - 0.5, 0), Double(br - 1))
            let r0 = Int(y), r1 = min(r0 + 1, br - 1), fy = y - Double(r0)
            for i in 0..<columns {
                let x = min(max((Double(i) + 0.5) / Double(b) - 0.5, 0), Double(bc - 1))
                let c0 = Int(x), c1 = min(c0 + 1, bc - 1), fx = x - Double(c0)
                let top = grid[r0 * bc + c0] * (1 - fx) + grid[r0 * bc + c1] * fx
                let bottom = grid[r1 * bc + c0] * (1 - fx) + grid[r1 * bc + c1] * fx
                out[j * columns + i] = top * (1 - fy) + bottom * fy
            }
        }
        return out
    }
}

extension RadiographView {
    /// File name stem of this view's outputs ("lateral", "ap", "cervical-lateral").
    public var fileStem: String {
        switch self {
        case .lateral: "lateral"
        case .anteroposterior: "ap"
        case .cervicalLateral: "cervical-lateral"
        }
    }
}
