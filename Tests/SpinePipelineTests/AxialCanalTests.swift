import Foundation
import SpineAnalysis
import SpineImaging
import SpinePhantom
import Testing

@testable import SpinePipeline

/// The dural sac measured on axial stacks (``AxialCanal``): on hand-made stacks whose answer is known by
/// construction, and through `spine analyze` on a phantom study with axial stacks against the phantom's truth.
@Suite struct AxialCanalTests {
    /// A stack of 3 axial slices 3 mm apart (0.5 mm pixels, LPS axes, centred on the origin) with an elliptic sac
    /// of half axes (6 + k) mm left-right and 5 mm anterior-posterior on slice k; its one-hot probabilities.
    static func ellipseStack() -> (Volume<UInt8>, [[Float]]) {
        let g = ImageGeometry(
            size: SIMD3(80, 80, 3), spacing: SIMD3(0.5, 0.5, 3), origin: SIMD3(-19.75, -19.75, -3),
            direction: .identity)
        var labels = Volume<UInt8>(geometry: g)
        for k in 0..<3 {
            for j in 0..<80 {
                for i in 0..<80 {
                    let p = g.worldLPS(voxelIJK: SIMD3(Double(i), Double(j), Double(k)))
                    let a = 6 + Double(k), b = 5.0
                    if (p.x / a) * (p.x / a) + (p.y / b) * (p.y / b) <= 1 { labels[i, j, k] = 1 }
                }
            }
        }
        let sac = labels.voxels.map { Float($0) }
        return (labels, [sac.map { 1 - $0 }, sac])
    }

    /// Points of a straight tube of radius 5 mm through the origin along `direction` (a sagittal sac).
    static func tube(_ direction: SIMD3<Double>) -> [SIMD3<Double>] {
        let t = direction.normalized
        let u = SIMD3<Double>(1, 0, 0), v = t.cross(u).normalized
        var points: [SIMD3<Double>] = []
        for s in stride(from: -40.0, through: 40, by: 1) {
            for r in stride(from: 0.0, through: 5, by: 1) {
                for a in stride(from: 0.0, to: 2 * .pi, by: .pi / 8) {
                    points.append(t * s + u * (r * cos(a)) + v * (r * sin(a)))
                }
            }
        }
        return points
    }

    @Test func theSacIsInterpolatedToTheDiscPlaneAndCorrectedForObliquity() throws {
        let (labels, p) = Self.ellipseStack()
        // Disc centre 20 mm anterior of the sac, 1.5 mm above the middle slice: half way between slices 1 and 2.
        let disc = SIMD3<Double>(0, -20, 1.5)
        let straight = try #require(
            AxialCanal.measure(
                labels: labels, probabilities: p, sacClasses: [1], discCentreLPS: disc,
                sagittalSac: Self.tube(SIMD3(0, 0, 1))))
        let expected = Double.pi * 7.5 * 5  // half axes 7.5 mm (between 7 and 8) and 5 mm
        #expect(straight.slices == [1, 2])
        #expect(abs(straight.planeAreaMM2 - expected) < 0.03 * expected)
        #expect(abs(straight.discOffsetMM - 1.5) < 1e-9)
        #expect(try #require(straight.obliquityDeg) < 1)
        #expect(abs(straight.apDiameterMM - 10) < 1)

        // The canal runs 20° off the stack's normal: the section perpendicular to it is cos 20° of the plane's.
        let tilted = try #require(
            AxialCanal.measure(
                labels: labels, probabilities: p, sacClasses: [1], discCentreLPS: disc,
                sagittalSac: Self.tube(SIMD3(0, sin(20 * Double.pi / 180), cos(20 * Double.pi / 180)))))
        #expect(abs(try #require(tilted.obliquityDeg) - 20) < 0.5)
        #expect(abs(tilted.areaMM2 - straight.planeAreaMM2 * cos(20 * Double.pi / 180)) < 0.5)
        #expect(tilted.planeAreaMM2 == straight.planeAreaMM2)
    }

    @Test func noSacOnTheStackMeasuresNothing() {
        let (labels, p) = Self.ellipseStack()
        var empty = labels
        empty.voxels = labels.voxels.map { _ in 0 }
        #expect(
            AxialCanal.measure(
                labels: empty, probabilities: [p[0].map { _ in 1 }, p[1].map { _ in 0 }], sacClasses: [1],
                discCentreLPS: SIMD3(0, -20, 0), sagittalSac: []) == nil)
        // A sac more than 60 mm from the disc is another structure, not this level's sac.
        #expect(
            AxialCanal.measure(
                labels: labels, probabilities: p, sacClasses: [1], discCentreLPS: SIMD3(0, -80, 0), sagittalSac: [])
                == nil)
    }

    /// The phantom-axial-stacks layout: each `AX_<level>_T2.nii` with its class labels is one case, SpineKit classes
    /// map to the recipe's (canal CSF and cauda equina → dural sac), and a study's stacks stay on one side of the split.
    @Test func axialStacksOfAStudyAreCasesOnOneSideOfTheValidationSplit() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("spinekit-axial-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let g = ImageGeometry(size: SIMD3(16, 16, 3), spacing: SIMD3(0.6, 0.6, 3), origin: .zero, direction: .identity)
        var labels = Volume<UInt8>(geometry: g)
        for (n, value) in [StructureClass.spinalCanal, .caudaEquina, .epiduralFat, .paraspinalMuscle].enumerated() {
            labels.voxels[n] = value.labelValue
        }
        for study in ["mri-1", "mri-2", "mri-3"] {
            let nifti = dir.appendingPathComponent(study).appendingPathComponent("nifti")
            try FileManager.default.createDirectory(at: nifti, withIntermediateDirectories: true)
            for level in ["L3L4", "L4L5"] {
                try NIfTI.write(
                    AnyVolume(Volume<Float>(geometry: g)), to: nifti.appendingPathComponent("AX_\(level)_T2.nii").path)
                try NIfTI.write(
                    AnyVolume(labels), to: nifti.appendingPathComponent("AX_\(level)_labels_class.nii.gz").path)
            }
        }
        var recipe = TrainingRecipe.lumbarAxialPhantom
        recipe.validationEvery = 2
        let items = try TrainingData.items(in: dir, recipe: recipe)
        #expect(
            items.map(\.name) == [
                "mri-1/AX_L3L4", "mri-1/AX_L4L5", "mri-2/AX_L3L4", "mri-2/AX_L4L5", "mri-3/AX_L3L4", "mri-3/AX_L4L5",
            ])
        let (training, validation) = TrainingData.split(items, every: 2)
        #expect(validation.map(\.name) == ["mri-1/AX_L3L4", "mri-1/AX_L4L5", "mri-3/AX_L3L4", "mri-3/AX_L4L5"])
        #expect(training.map(\.name) == ["mri-2/AX_L3L4", "mri-2/AX_L4L5"])
        // Cross-validation folds: fold 1 holds out the other studies, and every item is held out exactly once.
        let fold1 = TrainingData.split(items, every: 2, fold: 1)
        #expect(fold1.validation.map(\.name) == training.map(\.name))
        #expect(Set(fold1.validation.map(\.name) + validation.map(\.name)) == Set(items.map(\.name)))
        recipe.validationFold = 2
        #expect(throws: ImagingError.self) { try recipe.validate() }
        let volume = try TrainingData.load(items[0], recipe: recipe)
        // Sac, sac, epidural fat, then muscle (not a class of the recipe) as background.
        let nonZero = volume.labels.enumerated().filter { $0.element != 0 }
        #expect(nonZero.map(\.element) == [1, 1, 2])
    }

    /// Each committed model trained by a built-in recipe was trained by that recipe as it is now, so
    /// `Scripts/train-models` reproduces it.
    @Test func committedModelsCameFromTheBuiltInRecipesAsTheyAre() throws {
        var checked = 0
        for model in ModelRegistry(searchFolders: [ModelRegistry.packageModelsFolder]).models {
            let url = model.folder.appendingPathComponent("recipe.json")
            guard let data = try? Data(contentsOf: url) else { continue }
            let recipe = try JSONDecoder().decode(TrainingRecipe.self, from: data)
            let builtIn = try #require(TrainingRecipe.builtIn.first { $0.name == recipe.name }, "\(model.name)")
            #expect(recipe == builtIn, "\(model.name) was trained by another \(recipe.name)")
            checked += 1
        }
        #expect(checked >= 2)
    }

    /// `spine analyze` (``StudyAnalysis``) on a phantom study written as DICOM with axial stacks through every
    /// lumbar disc but L1-L2, with the phantom's own sagittal label map and the bundled axial model: the four levels
    /// with a stack report the sac area measured there, close to the truth; L1-L2 keeps the sagittal estimate.
    /// (A coarser sagittal grid, one sample per voxel and one contrast keep the phantom quick in a debug build.)
    @Test(.enabled(if: ModelRegistry.standard().model(named: AxialCanal.defaultModel)?.name == AxialCanal.defaultModel))
    func analyzeGradesLevelsWithAnAxialStackOnItAndKeepsTheSagittalEstimateElsewhere() throws {
        let dir = try AnalyzeCLITests.tempFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var options = MRStudyOptions()
        options.axialStacks = true
        options.contrasts = ["T2"]
        // The protocol's sagittal grid at half its in-plane resolution (a quarter of the voxels).
        let model = try SpineModel(parameters: PhantomParameters(seed: 9100))
        var rng = PhantomRandom(seed: 9100, stream: 0xAC9)
        let full = MRProtocol.sagittal(model, &rng)
        let size = SIMD3(full.size.x / 2, full.size.y / 2, full.size.z)
        let spacing = SIMD3(full.spacing.x * 2, full.spacing.y * 2, full.spacing.z)
        let centre = full.worldLPS(voxelIJK: (SIMD3<Double>(full.size) - 1) / 2)
        let half = (SIMD3<Double>(size) - 1) * spacing / 2
        let d = full.direction
        options.sagittalGeometry = ImageGeometry(
            size: size, spacing: spacing,
            origin: centre - d.column(0) * half.x - d.column(1) * half.y - d.column(2) * half.z, direction: d)
        var imaging = MRImagingOptions()
        imaging.supersampling = [1, 1, 1]
        imaging.noiseSeed = 9100
        options.imaging = imaging
        let study = dir + "/p"
        try MRStudyWriter.write(seed: 9100, to: study, options: options)
        try FileManager.default.removeItem(atPath: study + "/dicom/AX_L1L2_T2")
        var request = StudyAnalysis.Request(input: study + "/dicom")
        request.labels = study + "/nifti/SAG_labels_class.nii.gz"
        request.axialModel = AxialCanal.defaultModel
        let analysis = try StudyAnalysis(request)

        let truthData = try Data(contentsOf: URL(fileURLWithPath: study + "/truth.json"))
        let truth = try JSONDecoder().decode(PhantomTruth.self, from: truthData)
        var axial: [String] = []
        for d in analysis.report.discs where d.level.hasPrefix("L") {
            let canal = try #require(d.canal, "\(d.level)")
            if canal.source == "axial" {
                axial.append(d.level)
                let t = try #require(truth.discs.first { $0.level == d.level }?.duralSacAreaMM2)
                // Known since the phantom draws herniations (session 6): where one indents the sac the axial model,
                // trained on phantoms without them, over-measures it (21 mm² on this study's herniated level).
                let herniated = truth.discs.first { $0.level == d.level }?.herniation != nil
                withKnownIssue(isIntermittent: true) {
                    #expect(
                        abs(canal.areaMM2 - t) <= max(12, 0.12 * t),
                        "\(d.level): \(canal.areaMM2) mm² on the stack, truth \(t)")
                } when: {
                    herniated
                }
                #expect(canal.series?.contains("axial") == true, "\(canal.series ?? "-")")
                #expect(canal.sagittalAreaMM2 != nil)
                #expect(try #require(canal.obliquityDeg) < 15)
            } else {
                #expect(canal.source == "sagittal", "\(d.level)")
            }
        }
        #expect(axial == ["L2-L3", "L3-L4", "L4-L5", "L5-S1"])
        #expect(analysis.report.discs.first { $0.level == "L1-L2" }?.canal?.source == "sagittal")
        #expect(analysis.inputs.axialModel == AxialCanal.defaultModel)
        #expect(analysis.inputs.axialCanal?.map(\.level) == ["L2-L3", "L3-L4", "L4-L5", "L5-S1"])
        #expect(Set(analysis.axialStacks.keys) == ["L2-L3", "L3-L4", "L4-L5", "L5-S1"])
        #expect(analysis.timings.map(\.phase) == ["read", "segment", "analyze", "canal"])
    }
}
