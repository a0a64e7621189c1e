import SpineImaging

/// Choices for a synthetic MRI study.
public struct MRStudyOptions: Sendable {
    /// Render axial stacks angled through each disc level as well as the sagittal stack.
    public var axialStacks = false
    /// Write DICOM series (NIfTI copies, label maps and truth are always written).
    public var writeDICOM = true
    /// Contrasts to render, by name: "T1", "T2", "STIR".
    public var contrasts = ["T1", "T2", "STIR"]
    /// Replaces the random sagittal grid (for tests and custom protocols).
    public var sagittalGeometry: ImageGeometry?
    /// Replace the drawn sagittal protocol's slice count (1–2048) and slice thickness [mm] (0.05–20), keeping the
    /// stack's centre; ignored with `sagittalGeometry`.
    public var sagittalSliceCount: Int?
    public var sagittalSliceThicknessMM: Double?
    /// Replaces the random imaging options (noise, coil, supersampling, ghosting).
    public var imaging: MRImagingOptions?
    /// Probability (0–1) that a study shows respiratory motion ghosting (`MotionGhosting`), drawn with its strength
    /// and spacing from the seed's own ghosting stream (no other draw changes); 0, the default, renders none. The
    /// phase-encoding axis is anteroposterior (sagittal rows, axial columns), so the ghosts cross the spine, as
    /// without an anterior saturation band. Ignored when `imaging` is given (set its `ghosting` instead; leave its
    /// `phaseEncoding` nil for the same anatomical choice on every stack).
    public var motionGhostingProbability = 0.0

    public init() {}
}

/// One rendered stack of a study.
public struct MRSeries: Sendable {
    public var name: String
    public var plane: String
    public var sequences: [MRSequence]
    public var rendered: RenderedSeries
    public var discLevel: DiscLevel?
    public var snr: Double
    /// Motion ghosting rendered into this series' images (nil: none).
    public var ghosting: MotionGhosting?
}

/// A synthetic lumbar MRI study in memory: the anatomy, its rendered series and its truth.
public struct MRStudy: Sendable {
    public let model: SpineModel
    public let sagittal: MRSeries
    public let axials: [MRSeries]
    public let truth: PhantomTruth

    /// Draws the anatomy and the acquisition from `seed`.
    public init(seed: UInt64, options: MRStudyOptions = .init()) throws {
        try self.init(parameters: PhantomParameters(seed: seed), options: options)
    }

    public init(parameters: PhantomParameters, options: MRStudyOptions = .init()) throws {
        let model = try SpineModel(parameters: parameters)
        self.model = model
        var rng = PhantomRandom(seed: parameters.seed, stream: 0xAC9)
        var sequences: [MRSequence] = []
        for name in options.contrasts {
            switch name {
            case "T1": sequences.append(.t1(&rng))
            case "T2": sequences.append(.t2(&rng))
            case "STIR": sequences.append(.stir(&rng))
            default:
                throw PhantomError(
                    .outOfRange, parameter: "contrasts", "unknown contrast '\(name)'; use T1, T2 or STIR")
            }
        }
        guard !sequences.isEmpty else {
            throw PhantomError(.outOfRange, parameter: "contrasts", "no contrast requested")
        }
        var imaging = MRImagingOptions()
        imaging.snr = rng.uniform(18, 40)
        imaging.coilFalloffMM = rng.uniform(100, 180)
        imaging.noiseSeed = parameters.seed ^ 0x5EED_0F_4015E
        try PhantomError.check("motionGhostingProbability", options.motionGhostingProbability, 0, 1)
        var ghosts = PhantomRandom(seed: parameters.seed, stream: 0x6_0577)
        if options.motionGhostingProbability > 0, ghosts.unit() < options.motionGhostingProbability {
            let g = MotionGhosting.drawn(&ghosts)
            imaging.ghosting = MotionGhosting(phaseErrorRad: g.phaseErrorRad, spacingFraction: g.spacingFraction)
        }
        if let given = options.imaging { imaging = given }
        if let n = options.sagittalSliceCount, n < 1 || n > 2048 {
            throw PhantomError(.outOfRange, parameter: "sagittalSliceCount", "\(n) slices; need 1–2048")
        }
        if let t = options.sagittalSliceThicknessMM {
            try PhantomError.check("sagittalSliceThicknessMM", t, 0.05, 20, unit: " mm")
        }
        var sagGeometry = options.sagittalGeometry ?? MRProtocol.sagittal(model, &rng)
        if options.sagittalGeometry == nil {
            sagGeometry = Self.restacked(
                sagGeometry, slices: options.sagittalSliceCount, thicknessMM: options.sagittalSliceThicknessMM)
        }
        try Self.check(sagGeometry, "sagittalGeometry")
        sagittal = MRSeries(
            name: "SAG", plane: "sagittal", sequences: sequences,
            rendered: try MRRenderer.render(model, on: sagGeometry, sequences: sequences, options: imaging),
            discLevel: nil,
            snr: imaging.snr, ghosting: imaging.ghosting?.resolved(on: sagGeometry))
        var axials: [MRSeries] = []
        if options.axialStacks {
            for (i, level) in model.discLevels.enumerated() where level.upper >= .l1 {
                let g = MRProtocol.axial(model, disc: i, &rng)
                var o = imaging
                o.noiseSeed &+= UInt64(i + 1)
                // An unset phase-encoding axis is the grid's anteroposterior one (axial columns, sagittal rows).
                o.ghosting = o.ghosting?.resolved(on: g)
                let t2 = sequences.filter { $0.name == "T2" }
                axials.append(
                    MRSeries(
                        name: "AX_\(level.description.replacingOccurrences(of: "-", with: ""))", plane: "axial",
                        sequences: t2.isEmpty ? [sequences[0]] : t2,
                        rendered: try MRRenderer.render(
                            model, on: g, sequences: t2.isEmpty ? [sequences[0]] : t2, options: o),
                        discLevel: level, snr: imaging.snr, ghosting: o.ghosting))
            }
        }
        self.axials = axials
        truth = PhantomTruth(anatomyOf: model)
    }

    /// `g` with another slice count or thickness along its third axis, about the same centre.
    static func restacked(_ g: ImageGeometry, slices: Int?, thicknessMM: Double?) -> ImageGeometry {
        guard slices != nil || thicknessMM != nil else { return g }
        var out = g
        out.size.z = slices ?? g.size.z
        out.spacing.z = thicknessMM ?? g.spacing.z
        let normal = g.direction.column(2)
        let oldHalf = Double(g.size.z - 1) * g.spacing.z / 2, newHalf = Double(out.size.z - 1) * out.spacing.z / 2
        out.origin = g.origin + normal * (oldHalf - newHalf)
        return out
    }

    /// Refuses grids no scanner makes: non-positive or absurd spacing, no slices, huge matrices.
    static func check(_ g: ImageGeometry, _ name: String) throws {
        for (axis, n) in [("i", g.size.x), ("j", g.size.y), ("k", g.size.z)] {
            guard n >= 1, n <= 2048 else {
                throw PhantomError(.outOfRange, parameter: "\(name).size.\(axis)", "\(n) voxels; need 1–2048")
            }
        }
        for (axis, s) in [("i", g.spacing.x), ("j", g.spacing.y), ("k", g.spacing.z)] {
            try PhantomError.check("\(name).spacing.\(axis)", s, 0.05, 20, unit: " mm")
        }
        guard g.isValid else {
            throw PhantomError(.outOfRange, parameter: name, "direction matrix is singular or the origin is not finite")
        }
    }
}

extension PhantomTruth {
    /// The truth of `model`'s anatomy (no series or label maps listed yet), as a study records it; it draws
    /// nothing and renders nothing.
    public init(anatomyOf model: SpineModel) {
        let parameters = model.parameters
        let anatomy = model.anatomyTruth()
        self.init(
            seed: parameters.seed, anomaly: parameters.anomaly, lumbarCount: parameters.anomaly.lumbarCount,
            thoracicCount: parameters.anomaly.thoracicCount, lordosisDeg: model.round3(model.lordosisDeg),
            sacralSlopeDeg: model.round3(parameters.sacralSlopeDeg), bodyScale: parameters.bodyScale,
            vertebrae: anatomy.vertebrae, discs: anatomy.discs, series: [],
            classes: StructureClass.allCases.reduce(into: [String(StructureClass.backgroundLabel): "background"]) {
                $0[String($1.labelValue)] = $1.displayName
            },
            labelMaps: [:], parameters: parameters)
    }
}
