import Foundation
import SpineAnalysis
import SpineImaging
import SpineNN

/// Everything that decides a trained model: the data layout and how labels map to classes, the model's
/// frame (axes, spacing), the network, the sampling, the optimiser and the schedule. `spine train` writes
/// the recipe it ran into the model folder (`recipe.json`), so a model folder says how to reproduce it.
public struct TrainingRecipe: Codable, Hashable, Sendable {
    /// How the training folder is laid out.
    public enum DataLayout: String, Codable, Sendable {
        /// `spine phantom mri --no-dicom` output: `*/nifti/SAG_<contrast>.nii` images sharing
        /// `*/nifti/SAG_labels_class.nii.gz` (SpineKit classes); each contrast is one training image.
        case phantomStudies = "phantom-studies"
        /// `<group>/<case>_img.nii.gz` with `<group>/<case>_seg.nii.gz` (the shared real-MRI layout); each group
        /// maps its label values to classes with `groups`.
        case imageLabelPairs = "image-label-pairs"
        /// `spine phantom mri --axial --no-dicom` output: each `*/nifti/AX_<level>_T2.nii` axial stack with its
        /// `*/nifti/AX_<level>_labels_class.nii.gz` (SpineKit classes, mapped to the recipe's by the one group's
        /// `classOf`); each stack is one training image, and a study's stacks stay together on one side of the
        /// validation split.
        case phantomAxialStacks = "phantom-axial-stacks"
    }

    /// How one folder of image/label pairs maps its label values to the recipe's classes.
    public struct LabelGroup: Codable, Hashable, Sendable {
        /// Sub-folder name (e.g. "VB3").
        public var folder: String
        /// Source label value → class index; values not listed are background.
        public var classOf: [String: Int]
        public init(folder: String, classOf: [Int: Int]) {
            self.folder = folder
            self.classOf = Dictionary(uniqueKeysWithValues: classOf.map { (String($0.key), $0.value) })
        }
        /// The classes this folder annotates: only these are trusted; background there means "none of these"
        /// (partial labels, marginal loss).
        public var annotatedClasses: Set<Int> { Set(classOf.values) }
    }

    public var name: String
    public var summary: String
    public var layout: DataLayout
    public var groups: [LabelGroup]
    /// Class names, index 0 background; index = label value written.
    public var classNames: [String]
    public var network: UNetConfiguration
    /// The network's voxel axes (`ModelPlan.axisCodes`).
    public var axisCodes: String
    /// In-plane spacing [mm] along i, j (`ModelPlan.spacingMM`).
    public var spacingMM: [Double]
    /// Training patch (H, W).
    public var patchSize: [Int]
    public var batchSize: Int
    public var steps: Int
    /// Validation and a checkpoint after every this many steps.
    public var stepsPerEpoch: Int
    public var learningRate: Float
    public var weightDecay: Float
    /// Share of patches centred on a voxel of a random annotated class (nnU-Net oversamples 1/3).
    public var foregroundFraction: Double
    /// Cases held out for validation: every case whose index modulo `validationEvery` is
    /// `validationFold` (0 when nil), so folds 0…validationEvery−1 make a cross-validation.
    public var validationEvery: Int
    public var validationFold: Int?
    /// Add soft Dice to cross-entropy (only when every case annotates every class).
    public var diceLoss: Bool
    public var seed: UInt64

    /// The built-in recipes, by name.
    public static let builtIn: [TrainingRecipe] = [lumbarSagittalPhantom, lumbarSagittalReal, lumbarAxialPhantom]

    /// 11 SpineKit classes on sagittal MRI (any of T1, T2, STIR), trained on SpinePhantom studies.
    public static let lumbarSagittalPhantom = TrainingRecipe(
        name: "lumbar-sagittal-phantom",
        summary:
            "2-D U-Net, sagittal slices at 1 mm in-plane, 11 SpineKit structure classes, trained on SpinePhantom T1/T2/STIR studies",
        layout: .phantomStudies, groups: [],
        classNames: ["background"] + StructureClass.allCases.map(\.name),
        network: UNetConfiguration(
            spatialDimensions: 2, inputChannels: 1, classes: 12, levels: 5, baseFeatures: 16, maxFeatures: 256),
        axisCodes: "PIR", spacingMM: [1, 1], patchSize: [128, 128], batchSize: 8, steps: 1600,
        stepsPerEpoch: 200, learningRate: 2e-3, weightDecay: 1e-4, foregroundFraction: 0.33, validationEvery: 8,
        diceLoss: true, seed: 20_261_121)

    /// Vertebral bodies and discs on real sagittal MRI (`../shared/data/lumbar-mri-real`), partial labels:
    /// VB3 annotates L1–L5 bodies only, IVD the five lumbar discs only.
    public static let lumbarSagittalReal = TrainingRecipe(
        name: "lumbar-sagittal-real",
        summary:
            "2-D U-Net, sagittal slices at 1 mm, vertebral bodies + discs, trained on real MRI with partial labels (marginal loss)",
        layout: .imageLabelPairs,
        groups: [
            LabelGroup(folder: "VB3", classOf: [1: 1, 2: 1, 3: 1, 4: 1, 5: 1]),
            LabelGroup(folder: "IVD", classOf: [1: 2, 2: 2, 3: 2, 4: 2, 5: 2]),
        ],
        classNames: ["background", StructureClass.vertebralBody.name, StructureClass.intervertebralDisc.name],
        network: UNetConfiguration(
            spatialDimensions: 2, inputChannels: 1, classes: 3, levels: 5, baseFeatures: 16, maxFeatures: 256),
        axisCodes: "PIR", spacingMM: [1, 1], patchSize: [128, 128], batchSize: 8, steps: 800,
        stepsPerEpoch: 200, learningRate: 2e-3, weightDecay: 1e-4, foregroundFraction: 0.33, validationEvery: 5,
        diceLoss: false, seed: 20_261_122)

    /// The dural sac and its neighbours on axial MRI stacks angled through the discs, trained on SpinePhantom
    /// T2 stacks, for the canal area and central stenosis grade at each disc level. The dural sac is what the
    /// phantom's truth measures: canal CSF and cauda equina together (``StructureClass/isInsideDuralSac``); the
    /// neighbours (epidural fat, disc, bone) are learnt so the sac's boundary is.
    /// In-plane 0.6 mm, near the stacks' own 0.55–0.8 mm, so a 100 mm² sac spans ≈ 280 pixels.
    public static let lumbarAxialPhantom = TrainingRecipe(
        name: "lumbar-axial-phantom",
        summary:
            "2-D U-Net, axial slices at 0.6 mm in-plane, dural sac + epidural fat, disc, bone, trained on SpinePhantom T2 axial stacks",
        layout: .phantomAxialStacks,
        groups: [
            LabelGroup(
                folder: "AX",
                classOf: [
                    StructureClass.spinalCanal.rawValue: 1, StructureClass.caudaEquina.rawValue: 1,
                    StructureClass.epiduralFat.rawValue: 2, StructureClass.intervertebralDisc.rawValue: 3,
                    StructureClass.vertebralBody.rawValue: 4, StructureClass.posteriorElements.rawValue: 4,
                    StructureClass.sacrum.rawValue: 4,
                ])
        ],
        classNames: [
            "background", "dural_sac", StructureClass.epiduralFat.name, StructureClass.intervertebralDisc.name, "bone",
        ],
        network: UNetConfiguration(
            spatialDimensions: 2, inputChannels: 1, classes: 5, levels: 4, baseFeatures: 8, maxFeatures: 64),
        axisCodes: "LPS", spacingMM: [0.6, 0.6], patchSize: [128, 128], batchSize: 8, steps: 1200,
        stepsPerEpoch: 150, learningRate: 2e-3, weightDecay: 1e-4, foregroundFraction: 0.5, validationEvery: 8,
        diceLoss: true, seed: 20_261_123)

    /// A built-in recipe by name, or a recipe JSON file.
    /// - Throws: `ImagingError` `.invalidArgument` naming the built-in recipes when neither.
    public static func resolve(_ nameOrPath: String) throws -> TrainingRecipe {
        if let r = builtIn.first(where: { $0.name == nameOrPath }) { return r }
        guard FileManager.default.fileExists(atPath: nameOrPath) else {
            throw ImagingError(
                .invalidArgument,
                "no recipe \(nameOrPath): built-in recipes are \(builtIn.map(\.name).joined(separator: ", ")), or give a recipe JSON file"
            )
        }
        do {
            return try JSONDecoder().decode(
                TrainingRecipe.self, from: Data(contentsOf: URL(fileURLWithPath: nameOrPath)))
        } catch {
            throw ImagingError(.malformed, "not a training recipe: \(error)", file: nameOrPath)
        }
    }

    /// The plan a model trained by this recipe carries.
    public var plan: ModelPlan {
        ModelPlan(
            network: network, classNames: classNames, patchSize: patchSize, axisCodes: axisCodes,
            spacingMM: spacingMM)
    }

    /// Refuses recipes that cannot train.
    func validate() throws {
        func bad(_ why: String) -> ImagingError { ImagingError(.invalidArgument, "recipe \(name): \(why)") }
        guard network.spatialDimensions == 2, network.inputChannels == 1 else { throw bad("only 2-D, 1-channel") }
        guard classNames.count == network.classes, network.classes >= 2 else {
            throw bad("\(classNames.count) class names for \(network.classes) classes")
        }
        guard patchSize.count == 2, patchSize.allSatisfy({ $0 > 0 && $0 % network.sizeMultiple == 0 }) else {
            throw bad("patch \(patchSize) must be 2 multiples of \(network.sizeMultiple)")
        }
        guard spacingMM.count == 2, spacingMM.allSatisfy({ $0 > 0 && $0.isFinite }) else {
            throw bad("spacing \(spacingMM) must be 2 positive values")
        }
        guard batchSize >= 1, steps >= 1, stepsPerEpoch >= 1, validationEvery >= 2 else {
            throw bad("batch, steps, stepsPerEpoch must be ≥ 1 and validationEvery ≥ 2")
        }
        guard (0..<validationEvery).contains(validationFold ?? 0) else {
            throw bad("validation fold \(validationFold ?? 0) must be in 0…\(validationEvery - 1)")
        }
        guard learningRate > 0, learningRate.isFinite, (0...1).contains(foregroundFraction) else {
            throw bad("learning rate must be positive and foregroundFraction in 0…1")
        }
        if layout == .phantomAxialStacks, groups.count != 1 {
            throw bad("layout \(layout.rawValue) takes one group mapping SpineKit classes to the recipe's")
        }
        for g in groups {
            for (k, v) in g.classOf where Int(k) == nil || !(1..<network.classes).contains(v) {
                throw bad("group \(g.folder): label \(k) → class \(v) is not a foreground class")
            }
        }
    }
}
