import Dispatch
import Foundation
import SpineImaging

/// Images and label maps of one phantom on one image grid.
public struct RenderedSeries: Sendable {
    /// One image per sequence, same order as requested; stored values 0…~4000.
    public var images: [Volume<UInt16>]
    /// Structure class per voxel (`StructureClass` raw values), sampled at voxel centres.
    public var classLabels: Volume<UInt8>
    /// Instance label per voxel (VerSe numbering; discs 100 + upper), sampled at voxel centres.
    public var instanceLabels: Volume<UInt8>
}

/// How an MR image is formed from the anatomy.
public struct MRImagingOptions: Sendable, Hashable, Codable {
    /// Sub-samples per voxel along i, j, k for partial volume (only at voxels whose centre material
    /// differs from a face neighbour's; homogeneous voxels take one sample).
    public var supersampling: [Int] = [2, 2, 3]
    /// Signal-to-noise ratio of the brightest tissue (Rician noise σ = max signal / SNR); 0 = no noise.
    public var snr: Double = 30
    /// Length over which the posterior coil's sensitivity falls by e [mm]; 0 = no bias field.
    public var coilFalloffMM: Double = 130
    /// Seed of the noise stream.
    public var noiseSeed: UInt64 = 0
    /// Respiratory motion ghosting of the anterior abdominal wall; nil (the default) renders none.
    public var ghosting: MotionGhosting?

    public init() {}
}

/// Periodic-motion ghosting: replicas of the moving anatomy along the phase-encoding direction.
///
/// The moving anatomy is what breathes: subcutaneous fat and muscle more than `MotionGhosting.movingMarginMM` in
/// front of the vertebral bodies' anterior surfaces (the anterior abdominal wall). Model: each phase-encoding line
/// ky of the moving part's k-space carries the phase error β·sin(2π·ky·s/N) of a periodic motion that repeats
/// every N/s lines (N lines along the phase-encoding axis, s = `spacingFraction`·N rounded). By the Jacobi–Anger
/// expansion e^(iβ sin φ) = Σₙ Jₙ(β)·e^(inφ), its image is the sum of copies of the moving part shifted by n·s
/// pixels along the phase-encoding axis (wrapping around the field of view, as a discrete Fourier transform does),
/// weighted by the Bessel functions Jₙ(β) (J₋ₙ = (−1)ⁿJₙ; n = −3…3 here, |J₄(1.2)| < 0.003); the static anatomy is
/// unchanged. The image is that complex sum's magnitude, taken before coil weighting and noise (Wood ML,
/// Henkelman RM, "MR image artifacts from periodic motion", Med Phys 1985;12(2):143–151). Ghosts therefore
/// appear only along the phase-encoding axis; label maps are unaffected.
public struct MotionGhosting: Sendable, Hashable, Codable {
    /// In-plane phase-encoding axis, as DICOM InPlanePhaseEncodingDirection (0018,1312): `row` along the image
    /// rows (the i axis), `column` along the columns (the j axis).
    public enum Axis: String, Sendable, Hashable, Codable {
        case row = "ROW"
        case column = "COL"

        /// The in-plane axis of `geometry` closest to the patient's anteroposterior axis (LPS y): where lumbar
        /// protocols encode phase on sagittal and axial images alike, so that breathing ghosts run front to back
        /// rather than across the spine from the side. Ties go to `row`.
        public static func anteroposterior(in geometry: ImageGeometry) -> Axis {
            abs(geometry.direction.column(0).y) >= abs(geometry.direction.column(1).y) ? .row : .column
        }
    }

    /// Moving tissue lies this far [mm] or more in front of the vertebral bodies' anterior surface.
    public static let movingMarginMM = 30.0

    /// The phase-encoding axis; nil (the default) lets the renderer take the image axis closest to
    /// anteroposterior on each grid (`Axis.anteroposterior(in:)`), so one setting suits sagittal and axial stacks.
    public var phaseEncoding: Axis?
    /// Peak phase error β of the moving part [radians], 0–2.
    public var phaseErrorRad: Double
    /// Ghost spacing as a fraction of the field of view along the phase-encoding axis, 0.05–0.5.
    public var spacingFraction: Double

    public init(phaseEncoding: Axis? = nil, phaseErrorRad: Double, spacingFraction: Double) {
        self.phaseEncoding = phaseEncoding
        self.phaseErrorRad = phaseErrorRad
        self.spacingFraction = spacingFraction
    }

    /// This ghosting with its phase-encoding axis resolved on `geometry` (an axis already set is kept).
    public func resolved(on geometry: ImageGeometry) -> MotionGhosting {
        var g = self
        if g.phaseEncoding == nil { g.phaseEncoding = Axis.anteroposterior(in: geometry) }
        return g
    }

    /// Throws `PhantomError` for a setting outside its range.
    public func validate() throws {
        try PhantomError.check("ghosting.phaseErrorRad", phaseErrorRad, 0, 2, unit: " rad")
        try PhantomError.check("ghosting.spacingFraction", spacingFraction, 0.05, 0.5, unit: "")
    }

    /// Ghosting drawn for a study (its own random stream, so no other draw of the seed changes): β 0.4–1.2 rad,
    /// spacing 15–40 % of the field of view.
    static func drawn(_ rng: inout PhantomRandom) -> (phaseErrorRad: Double, spacingFraction: Double) {
        (rng.uniform(0.4, 1.2), rng.uniform(0.15, 0.4))
    }
}

/// Samples a `SpineModel` on an image grid: materials at sub-voxel points, MR signal per material,
/// partial-volume averaging, coil bias and Rician noise.
public enum MRRenderer {
    /// Stored value that a signal of 1 (relative) maps to.
    static let fullScale = 3000.0

    /// Label maps only (voxel-centre sampling), for any grid.
    public static func labels(_ model: SpineModel, on geometry: ImageGeometry) -> (
        classes: Volume<UInt8>, instances: Volume<UInt8>
    ) {
        let centre = centreMaterials(model, geometry)
        return labelVolumes(model, geometry, centre)
    }

    /// Renders one series: an image per sequence and the label maps on `geometry`.
    public static func render(
        _ model: SpineModel, on geometry: ImageGeometry, sequences: [MRSequence], options: MRImagingOptions = .init()
    ) throws -> RenderedSeries {
        guard geometry.isValid else {
            throw PhantomError(
                .outOfRange, parameter: "geometry",
                "image grid \(geometry.size) with spacing \(geometry.spacing) mm is not valid (sizes and spacing must be positive)"
            )
        }
        guard options.supersampling.count == 3, options.supersampling.allSatisfy({ (1...8).contains($0) }) else {
            throw PhantomError(.outOfRange, parameter: "supersampling", "needs three factors between 1 and 8")
        }
        try options.ghosting?.validate()
        let centre = centreMaterials(model, geometry)
        let nm = model.materials.count
        let ns = sequences.count
        // Signal table: material × sequence, normalised so the brightest material of each sequence is 1.
        var table = [Double](repeating: 0, count: nm * ns)
        for (q, seq) in sequences.enumerated() {
            let raw = model.materials.map { seq.signal($0) }
            let top = max(raw.max() ?? 1, 1e-9)
            for m in 0..<nm { table[m * ns + q] = raw[m] / top }
        }
        let size = geometry.size
        let count = geometry.voxelCount
        var signal = [Float](repeating: 0, count: count * ns)
        let steps = bodySteps(model, geometry)
        let ss = options.supersampling
        let subCount = Double(ss[0] * ss[1] * ss[2])
        // Sub-sample offsets (a + ½)/n along each axis, divided once here rather than per sample.
        let offI = (0..<ss[0]).map { (Double($0) + 0.5) / Double(ss[0]) }
        let offJ = (0..<ss[1]).map { (Double($0) + 0.5) / Double(ss[1]) }
        let offK = (0..<ss[2]).map { (Double($0) + 0.5) / Double(ss[2]) }
        centre.withUnsafeBufferPointer { cm in
            table.withUnsafeBufferPointer { tab in
                signal.withUnsafeMutableBufferPointer { out in
                    let cmP = SendableBuffer(cm), tabP = SendableBuffer(tab), outP = SendableMutableBuffer(out)
                    parallelRows(size.y * size.z) { row in
                        let j = row % size.y, k = row / size.y
                        var acc = [Double](repeating: 0, count: ns)
                        for i in 0..<size.x {
                            let n = i + size.x * (j + size.y * k)
                            let m = Int(cmP[n])
                            var homogeneous = true
                            if i > 0, cmP[n - 1] != cmP[n] { homogeneous = false }
                            if homogeneous, i + 1 < size.x, cmP[n + 1] != cmP[n] { homogeneous = false }
                            if homogeneous, j > 0, cmP[n - size.x] != cmP[n] { homogeneous = false }
                            if homogeneous, j + 1 < size.y, cmP[n + size.x] != cmP[n] { homogeneous = false }
                            let plane = size.x * size.y
                            if homogeneous, k > 0, cmP[n - plane] != cmP[n] { homogeneous = false }
                            if homogeneous, k + 1 < size.z, cmP[n + plane] != cmP[n] { homogeneous = false }
                            if homogeneous {
                                for q in 0..<ns { outP[n * ns + q] = Float(tabP[m * ns + q]) }
                                continue
                            }
                            for q in 0..<ns { acc[q] = 0 }
                            for c in 0..<offK.count {
                                let fk = Double(k) + offK[c] - 0.5
                                for b in 0..<offJ.count {
                                    let fj = Double(j) + offJ[b] - 0.5
                                    for a in 0..<offI.count {
                                        let fi = Double(i) + offI[a] - 0.5
                                        let p = steps.origin + steps.di * fi + steps.dj * fj + steps.dk * fk
                                        let sm = Int(model.material(bodyX: p.x, y: p.y, z: p.z))
                                        for q in 0..<ns { acc[q] += tabP[sm * ns + q] }
                                    }
                                }
                            }
                            for q in 0..<ns { outP[n * ns + q] = Float(acc[q] / subCount) }
                        }
                    }
                }
            }
        }
        if let ghosting = options.ghosting, ghosting.phaseErrorRad > 0 {
            addGhosts(ghosting, to: &signal, sequences: ns, model: model, geometry: geometry, centre: centre)
        }
        // Coil sensitivity, noise, quantisation: one noise stream per slice, whatever the thread.
        var stored = [UInt16](repeating: 0, count: count * ns)
        let sigma = options.snr > 0 ? 1 / options.snr : 0
        let falloff = options.coilFalloffMM
        signal.withUnsafeBufferPointer { sg in
            stored.withUnsafeMutableBufferPointer { st in
                let sgP = SendableBuffer(sg), outP = SendableMutableBuffer(st)
                parallelRows(size.z) { k in
                    var rng = PhantomRandom(seed: options.noiseSeed, stream: UInt64(k))
                    for j in 0..<size.y {
                        for i in 0..<size.x {
                            let n = i + size.x * (j + size.y * k)
                            let p = steps.origin + steps.di * Double(i) + steps.dj * Double(j) + steps.dk * Double(k)
                            let coil = coilSensitivity(model, p, falloff)
                            for q in 0..<ns {
                                var v = Double(sgP[n * ns + q]) * coil
                                if sigma > 0 {
                                    let g = gaussianPair(&rng)
                                    let re = v + sigma * g.0, im = sigma * g.1
                                    v = (re * re + im * im).squareRoot()
                                }
                                outP[q * count + n] = UInt16(clamping: Int((v * fullScale).rounded()))
                            }
                        }
                    }
                }
            }
        }
        let images = (0..<ns).map { q in
            Volume(geometry: geometry, voxels: Array(stored[(q * count)..<((q + 1) * count)]))
        }
        let labels = labelVolumes(model, geometry, centre)
        return RenderedSeries(images: images, classLabels: labels.classes, instanceLabels: labels.instances)
    }

    /// Whether the voxel whose centre has material `m` at body-frame `p` moves with breathing (`MotionGhosting`).
    @inline(__always) static func moves(_ model: SpineModel, material m: Int, at p: SIMD3<Double>) -> Bool {
        let tissue = model.materials[m].tissue
        guard tissue == .subcutaneousFat || tissue == .muscle else { return false }
        let ti = model.table.index(p.z)
        return p.y < model.table.bodyY[ti] - model.table.bodyHalfDepth[ti] - MotionGhosting.movingMarginMM
    }

    /// Replaces the noise-free `signal` (voxel-major, `sequences` values per voxel) by the magnitude of the static
    /// part plus the Bessel-weighted shifted copies of the moving part (`MotionGhosting`). Each slice is independent.
    static func addGhosts(
        _ g: MotionGhosting, to signal: inout [Float], sequences ns: Int, model: SpineModel, geometry: ImageGeometry,
        centre: [UInt16]
    ) {
        let size = geometry.size
        let steps = bodySteps(model, geometry)
        let along = g.resolved(on: geometry).phaseEncoding == .row
        let n = along ? size.x : size.y
        let spacing = max(1, Int((g.spacingFraction * Double(n)).rounded()))
        let orders = Array(-3...3)
        let weights = orders.map { k -> Double in
            let j = jn(Int32(abs(k)), g.phaseErrorRad)
            return k < 0 && abs(k) % 2 == 1 ? -j : j
        }
        let plane = size.x * size.y
        // In place: each slice's moving part is gathered before any of its voxels is written, and a voxel is read
        // before it is written; slices are disjoint.
        signal.withUnsafeMutableBufferPointer { dst in
                let out = SendableMutableBuffer(dst), srcP = out
                parallelRows(size.z) { k in
                    var moving = [Double](repeating: 0, count: plane * ns)
                    var any = false
                    for j in 0..<size.y {
                        for i in 0..<size.x {
                            let v = i + size.x * j
                            let p = steps.origin + steps.di * Double(i) + steps.dj * Double(j) + steps.dk * Double(k)
                            if moves(model, material: Int(centre[v + plane * k]), at: p) {
                                any = true
                                for q in 0..<ns { moving[v * ns + q] = Double(srcP[(v + plane * k) * ns + q]) }
                            }
                        }
                    }
                    guard any else { return }
                    for j in 0..<size.y {
                        for i in 0..<size.x {
                            let v = i + size.x * j
                            let c = along ? i : j
                            for q in 0..<ns {
                                var sum = Double(srcP[(v + plane * k) * ns + q]) - moving[v * ns + q]
                                for (o, w) in zip(orders, weights) {
                                    // The copy shifted by o·spacing: its value here is the moving part's at c − o·s.
                                    var from = (c - o * spacing) % n
                                    if from < 0 { from += n }
                                    let u = along ? from + size.x * j : i + size.x * from
                                    sum += w * moving[u * ns + q]
                                }
                                out[(v + plane * k) * ns + q] = Float(abs(sum))
                            }
                        }
                    }
                }
        }
    }

    /// Receive-coil sensitivity of a posterior spine array: falls off anteriorly from the back.
    @inline(__always) static func coilSensitivity(_ model: SpineModel, _ p: SIMD3<Double>, _ falloff: Double) -> Double
    {
        guard falloff > 0 else { return 1 }
        let ti = model.table.index(p.z)
        let depth = model.table.laminaY[ti] + 40 - p.y  // mm in front of a point near the skin of the back
        return min(max(exp(-depth / falloff) * 1.6, 0.25), 1.8) * (1 - 0.1 * min(abs(p.z + 60) / 150, 1))
    }

    /// Two independent standard normal deviates (Marsaglia's polar method: no trigonometry).
    @inline(__always) static func gaussianPair(_ rng: inout PhantomRandom) -> (Double, Double) {
        while true {
            let u = 2 * rng.unit() - 1, v = 2 * rng.unit() - 1
            let s = u * u + v * v
            if s > 0 && s < 1 {
                let f = (-2 * log(s) / s).squareRoot()
                return (u * f, v * f)
            }
        }
    }

    struct BodySteps {
        var origin: SIMD3<Double>
        var di: SIMD3<Double>
        var dj: SIMD3<Double>
        var dk: SIMD3<Double>
    }

    /// Body-frame position of voxel (0,0,0) and of unit steps along i, j, k.
    static func bodySteps(_ model: SpineModel, _ g: ImageGeometry) -> BodySteps {
        let o = model.body(worldLPS: g.origin)
        func step(_ c: Int, _ sp: Double) -> SIMD3<Double> {
            model.body(worldLPS: g.origin + g.direction.column(c) * sp) - o
        }
        return BodySteps(origin: o, di: step(0, g.spacing.x), dj: step(1, g.spacing.y), dk: step(2, g.spacing.z))
    }

    /// Material index at every voxel centre.
    static func centreMaterials(_ model: SpineModel, _ g: ImageGeometry) -> [UInt16] {
        var out = [UInt16](repeating: 0, count: g.voxelCount)
        let steps = bodySteps(model, g)
        let size = g.size
        out.withUnsafeMutableBufferPointer { buf in
            let p = SendableMutableBuffer(buf)
            parallelRows(size.y * size.z) { row in
                let j = row % size.y, k = row / size.y
                let rowStart = steps.origin + steps.dj * Double(j) + steps.dk * Double(k)
                for i in 0..<size.x {
                    let q = rowStart + steps.di * Double(i)
                    p[i + size.x * row] = model.material(bodyX: q.x, y: q.y, z: q.z)
                }
            }
        }
        return out
    }

    static func labelVolumes(_ model: SpineModel, _ g: ImageGeometry, _ centre: [UInt16]) -> (
        classes: Volume<UInt8>, instances: Volume<UInt8>
    ) {
        let cls = model.materials.map { $0.structureClass?.labelValue ?? StructureClass.backgroundLabel }
        let ins = model.materials.map(\.instance)
        return (
            Volume(geometry: g, voxels: centre.map { cls[Int($0)] }),
            Volume(geometry: g, voxels: centre.map { ins[Int($0)] })
        )
    }

    /// Runs `body(row)` for rows 0..<count on all cores, in contiguous chunks.
    static func parallelRows(_ count: Int, _ body: @Sendable (Int) -> Void) {
        let chunks = min(count, 64)
        guard chunks > 1 else {
            for r in 0..<count { body(r) }
            return
        }
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            for r in (count * c / chunks)..<(count * (c + 1) / chunks) { body(r) }
        }
    }
}

/// Read-only buffer shared by concurrent chunks.
struct SendableBuffer<T>: @unchecked Sendable {
    let base: UnsafeBufferPointer<T>
    init(_ b: UnsafeBufferPointer<T>) { base = b }
    @inline(__always) subscript(i: Int) -> T { base[i] }
}

/// Buffer whose disjoint parts are written by concurrent chunks.
struct SendableMutableBuffer<T>: @unchecked Sendable {
    let base: UnsafeMutableBufferPointer<T>
    init(_ b: UnsafeMutableBufferPointer<T>) { base = b }
    @inline(__always) subscript(i: Int) -> T {
        get { base[i] }
        nonmutating set { base[i] = newValue }
    }
}
