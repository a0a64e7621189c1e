import Foundation
import SpineImaging
import SpineNN

/// One labelled volume in a model's frame (reoriented, resampled, z-scored), held in memory as slices.
struct TrainingVolume: Sendable {
    /// Case name (folder or file stem); no patient data.
    var name: String
    /// One z-scored image per contrast, each `depth · height · width` (slice-major, rows, columns).
    var images: [[Float]]
    var labels: [UInt8]
    var width: Int
    var height: Int
    var depth: Int
    /// Classes this case annotates (partial labels); all foreground classes for full labels.
    var annotated: Set<Int>
    /// For each annotated class present, up to 4096 of its voxel indices (for foreground oversampling).
    var foreground: [Int: [Int32]]

    var sliceVoxels: Int { width * height }
}

/// Reads a training folder laid out as a recipe says, into volumes in the recipe's frame.
enum TrainingData {
    /// One image/label-map file pair to load.
    struct Item: Sendable {
        var name: String
        var images: [URL]
        var labels: URL
        var classOf: [Int: Int]?
        var annotated: Set<Int>
        /// Items of one study (a phantom's axial stacks) share a study and one side of the validation split.
        var study: String? = nil
    }

    /// The validation and training items: every `every`-th study (by first appearance; an item without a study
    /// is its own), so stacks of one study never sit on both sides.
    static func split(_ items: [Item], every: Int, fold: Int = 0) -> (training: [Item], validation: [Item]) {
        var order: [String: Int] = [:]
        for item in items where order[item.study ?? item.name] == nil {
            order[item.study ?? item.name] = order.count
        }
        let held = { (item: Item) in order[item.study ?? item.name]! % every == fold }
        return (items.filter { !held($0) }, items.filter(held))
    }

    /// The items of `folder` for `recipe`, sorted by name (so the validation split is stable).
    /// - Throws: `ImagingError` `.noImageData` when the folder holds none.
    static func items(in folder: URL, recipe: TrainingRecipe) throws -> [Item] {
        let fm = FileManager.default
        let all = Set(1..<recipe.network.classes)
        var items: [Item] = []
        switch recipe.layout {
        case .phantomStudies:
            let names = ((try? fm.contentsOfDirectory(atPath: folder.path)) ?? []).sorted()
            for name in names {
                let nifti = folder.appendingPathComponent(name).appendingPathComponent("nifti")
                let labels = nifti.appendingPathComponent("SAG_labels_class.nii.gz")
                guard fm.fileExists(atPath: labels.path) else { continue }
                let images = ((try? fm.contentsOfDirectory(atPath: nifti.path)) ?? []).sorted()
                    .filter { $0.hasPrefix("SAG_") && $0.hasSuffix(".nii") }
                    .map { nifti.appendingPathComponent($0) }
                if !images.isEmpty {
                    items.append(Item(name: name, images: images, labels: labels, classOf: nil, annotated: all))
                }
            }
        case .phantomAxialStacks:
            let classOf = Dictionary(
                uniqueKeysWithValues: (recipe.groups.first?.classOf ?? [:]).compactMap { k, v in Int(k).map { ($0, v) }
                })
            let names = ((try? fm.contentsOfDirectory(atPath: folder.path)) ?? []).sorted()
            for name in names {
                let nifti = folder.appendingPathComponent(name).appendingPathComponent("nifti")
                let files = ((try? fm.contentsOfDirectory(atPath: nifti.path)) ?? []).sorted()
                for file in files where file.hasPrefix("AX_") && file.hasSuffix("_labels_class.nii.gz") {
                    let stem = String(file.dropLast("_labels_class.nii.gz".count))
                    let image = nifti.appendingPathComponent(stem + "_T2.nii")
                    guard fm.fileExists(atPath: image.path) else { continue }
                    items.append(
                        Item(
                            name: "\(name)/\(stem)", images: [image], labels: nifti.appendingPathComponent(file),
                            classOf: classOf, annotated: all, study: name))
                }
            }
        case .imageLabelPairs:
            for group in recipe.groups {
                let dir = folder.appendingPathComponent(group.folder)
                let names = ((try? fm.contentsOfDirectory(atPath: dir.path)) ?? []).sorted()
                let classOf = Dictionary(
                    uniqueKeysWithValues: group.classOf.compactMap { k, v in Int(k).map { ($0, v) } })
                for name in names where name.hasSuffix("_img.nii.gz") {
                    let stem = String(name.dropLast("_img.nii.gz".count))
                    let seg = dir.appendingPathComponent(stem + "_seg.nii.gz")
                    guard fm.fileExists(atPath: seg.path) else { continue }
                    items.append(
                        Item(
                            name: "\(group.folder)/\(stem)", images: [dir.appendingPathComponent(name)], labels: seg,
                            classOf: classOf, annotated: group.annotatedClasses))
                }
            }
        }
        guard !items.isEmpty else {
            throw ImagingError(
                .noImageData,
                recipe.layout == .phantomStudies
                    ? "no phantom studies (*/nifti/SAG_labels_class.nii.gz) here; make some with `spine phantom mri --no-dicom`"
                    : recipe.layout == .phantomAxialStacks
                        ? "no phantom axial stacks (*/nifti/AX_*_T2.nii with AX_*_labels_class.nii.gz) here; make some with `spine phantom mri --axial --no-dicom`"
                        : "no <case>_img.nii.gz / <case>_seg.nii.gz pairs in \(recipe.groups.map(\.folder).joined(separator: ", "))",
                file: folder.path)
        }
        return items
    }

    /// Loads `items` in the recipe's frame, two at a time.
    static func load(_ items: [Item], recipe: TrainingRecipe) throws -> [TrainingVolume] {
        let results = LockedArray<Result<TrainingVolume, Error>?>(repeating: nil, count: items.count)
        DispatchQueue.concurrentPerform(iterations: items.count) { n in
            results.set(n, Result { try load(items[n], recipe: recipe) })
        }
        return try results.values.map { try $0!.get() }
    }

    static func load(_ item: Item, recipe: TrainingRecipe) throws -> TrainingVolume {
        guard let codes = AxisCodes(recipe.axisCodes) else {
            throw ImagingError(.invalidArgument, "recipe \(recipe.name): axis codes \(recipe.axisCodes) are not valid")
        }
        var labelVolume = try NIfTI.read(path: item.labels.path).converted(to: UInt8.self)
        if let classOf = item.classOf {
            labelVolume.voxels = labelVolume.voxels.map { UInt8(classOf[Int($0)] ?? 0) }
        }
        labelVolume = try ModelInput.resampled(
            labelVolume.reoriented(to: codes), spacingMM: recipe.spacingMM, labels: true)
        let g = labelVolume.geometry
        guard labelVolume.voxels.allSatisfy({ Int($0) < recipe.network.classes }) else {
            throw ImagingError(
                .invalidArgument, "label values beyond the recipe's \(recipe.network.classes) classes",
                file: item.labels.path)
        }
        var images: [[Float]] = []
        for url in item.images {
            var image = try NIfTI.read(path: url.path).converted(to: Float.self).reoriented(to: codes)
            image = try ModelInput.resampled(image, spacingMM: recipe.spacingMM)
            guard image.geometry.size == g.size else {
                throw ImagingError(
                    .invalidGeometry, "image grid \(image.geometry.size) differs from its labels' \(g.size)",
                    file: url.path)
            }
            images.append(ModelInput.normalized(image.voxels, nil))
        }
        var perClass: [Int: [Int32]] = [:]
        for (v, l) in labelVolume.voxels.enumerated() where l != 0 { perClass[Int(l), default: []].append(Int32(v)) }
        var rng = SeededGenerator(seed: recipe.seed ^ UInt64(truncatingIfNeeded: item.name.hashValueStable))
        for (c, list) in perClass where list.count > 4096 {
            var l = list
            l.shuffle(using: &rng)
            perClass[c] = Array(l.prefix(4096))
        }
        return TrainingVolume(
            name: item.name, images: images, labels: labelVolume.voxels, width: g.size.x, height: g.size.y,
            depth: g.size.z, annotated: item.annotated, foreground: perClass.filter { item.annotated.contains($0.key) })
    }
}

/// One training batch: `[N, 1, H, W]` images, labels, and each sample's annotated classes.
struct TrainingBatch: Sendable {
    var images: Tensor
    var labels: [Int32]
    var annotated: [Set<Int>]
}

/// Draws augmented patches from training volumes.
struct PatchSampler: Sendable {
    let volumes: [TrainingVolume]
    let recipe: TrainingRecipe
    let augmentation: AugmentationPipeline
    /// Volumes grouped by the classes they annotate; a batch item draws a group uniformly, then a volume, so a
    /// small group (3 disc cases beside 30 vertebra cases) is seen as often as a large one.
    let groups: [[Int]]

    init(volumes: [TrainingVolume], recipe: TrainingRecipe) {
        self.volumes = volumes
        self.recipe = recipe
        var byClasses: [[Int]: [Int]] = [:]
        for (i, v) in volumes.enumerated() { byClasses[v.annotated.sorted(), default: []].append(i) }
        groups = byClasses.keys.sorted { $0.lexicographicallyPrecedes($1) }.map { byClasses[$0]! }
        // No flips: anterior/posterior and superior/inferior are anatomy, not symmetry.
        augmentation = AugmentationPipeline([
            RandomSpatialTransform(
                rotationDegrees: [-15...15], scale: 0.85...1.2, affineProbability: 0.3, imageFill: -1.5),
            GaussianNoise(standardDeviation: 0...0.1, probability: 0.15),
            GaussianBlur(sigma: 0.5...1, probability: 0.1),
            BrightnessContrast(brightness: 0.75...1.25, contrast: 0.75...1.25, probability: 0.3),
            SimulateLowResolution(zoom: 0.5...1, probability: 0.15),
            GammaTransform(gamma: 0.7...1.5, probability: 0.3),
        ])
    }

    func batch(using g: inout SeededGenerator) throws -> TrainingBatch {
        let (ph, pw) = (recipe.patchSize[0], recipe.patchSize[1])
        let n = recipe.batchSize
        var image = [Float](repeating: 0, count: n * ph * pw)
        var labels = [Int32](repeating: 0, count: n * ph * pw)
        var annotated: [Set<Int>] = []
        for b in 0..<n {
            let group = groups.count == 1 ? groups[0] : groups[Int.random(in: 0..<groups.count, using: &g)]
            let v = volumes[group[Int.random(in: 0..<group.count, using: &g)]]
            let contrast = Int.random(in: 0..<v.images.count, using: &g)
            var slice: Int, cy: Int, cx: Int
            let classes = v.foreground.keys.sorted()
            if !classes.isEmpty, Double.random(in: 0..<1, using: &g) < recipe.foregroundFraction {
                let list = v.foreground[classes[Int.random(in: 0..<classes.count, using: &g)]]!
                let at = Int(list[Int.random(in: 0..<list.count, using: &g)])
                slice = at / v.sliceVoxels
                cy = (at % v.sliceVoxels) / v.width + Int.random(in: -(ph / 3)...(ph / 3), using: &g)
                cx = at % v.width + Int.random(in: -(pw / 3)...(pw / 3), using: &g)
            } else {
                slice = Int.random(in: 0..<v.depth, using: &g)
                cy = Int.random(in: 0..<max(v.height, 1), using: &g)
                cx = Int.random(in: 0..<max(v.width, 1), using: &g)
            }
            // Keep the patch inside the image where it fits.
            let y0 = v.height >= ph ? min(max(cy - ph / 2, 0), v.height - ph) : (v.height - ph) / 2
            let x0 = v.width >= pw ? min(max(cx - pw / 2, 0), v.width - pw) : (v.width - pw) / 2
            var pImage = [Float](repeating: -1.5, count: ph * pw)
            var pLabels = [Int32](repeating: 0, count: ph * pw)
            let src = v.images[contrast]
            let base = slice * v.sliceVoxels
            for y in 0..<ph {
                let sy = y0 + y
                guard sy >= 0, sy < v.height else { continue }
                for x in 0..<pw {
                    let sx = x0 + x
                    guard sx >= 0, sx < v.width else { continue }
                    pImage[y * pw + x] = src[base + sy * v.width + sx]
                    pLabels[y * pw + x] = Int32(v.labels[base + sy * v.width + sx])
                }
            }
            var sample = try AugmentationSample(image: Tensor(shape: [1, 1, ph, pw], nchw: pImage), labels: pLabels)
            try augmentation.apply(to: &sample, using: &g)
            let augmented = sample.image.nchwScalars
            for i in 0..<(ph * pw) {
                image[b * ph * pw + i] = augmented[i]
                labels[b * ph * pw + i] = sample.labels![i]
            }
            annotated.append(v.annotated)
        }
        return TrainingBatch(
            images: try Tensor(shape: [n, 1, ph, pw], nchw: image), labels: labels, annotated: annotated)
    }
}

/// A fixed-size array written from several threads, one index each.
final class LockedArray<Element>: @unchecked Sendable {
    private var storage: [Element]
    private let lock = NSLock()
    init(repeating value: Element, count: Int) { storage = Array(repeating: value, count: count) }
    func set(_ index: Int, _ value: Element) { lock.withLock { storage[index] = value } }
    var values: [Element] { lock.withLock { storage } }
}

extension String {
    /// FNV-1a of the UTF-8 bytes: a hash that is the same in every process (Swift's `hashValue` is not).
    var hashValueStable: UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in utf8 {
            h ^= UInt64(b)
            h = h &* 0x100_0000_01b3
        }
        return h
    }
}
