import Foundation

/// The file formats SpineKit reads.
public enum ImageFormat: String, Sendable, Codable {
    case dicom = "DICOM"
    case nifti = "NIfTI"
    case metaImage = "MetaImage"
    case png = "PNG"
    case jpeg = "JPEG"
}

/// One image found at a path: a DICOM series, or a volume file, with a loader for its voxels.
public struct ImageItem: Sendable {
    /// How to choose it (`--series`): the Series Instance UID for DICOM, the file name otherwise.
    public let identifier: String
    public let format: ImageFormat
    public let modality: String?
    public let description: String?
    /// Geometry known without decoding voxels (nil for formats that need a full read).
    public let geometry: ImageGeometry
    public let warnings: [String]
    let loader: @Sendable () throws -> AnyVolume

    /// Reads the voxels.
    public func load() throws -> AnyVolume { try loader() }
}

/// Opens any supported input — a DICOM folder, zip or file, NIfTI, MetaImage, PNG or JPEG — as a list of images.
public enum ImageReader {
    /// Detects a file's format from its first bytes (and the extension for MetaImage headers).
    public static func detectFormat(path: String) throws -> ImageFormat? {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            if !FileManager.default.fileExists(atPath: path) {
                throw ImagingError(.fileNotFound, "no such file or folder", file: path)
            }
            throw ImagingError(.unreadable, "cannot open for reading", file: path)
        }
        defer { try? handle.close() }
        let head = [UInt8]((try? handle.read(upToCount: 512)) ?? Data())
        let lower = path.lowercased()
        if head.count >= 8, head[0..<8].elementsEqual([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if head.count >= 3, head[0] == 0xFF, head[1] == 0xD8, head[2] == 0xFF { return .jpeg }
        if DICOMFile.looksLikeDICOM(head) || (head.count >= 132 && head[128..<132].elementsEqual("DICM".utf8)) {
            return .dicom
        }
        if ZipArchive.looksLikeZip(head) { return .dicom }  // a zipped DICOM study
        if lower.hasSuffix(".nii") || lower.hasSuffix(".nii.gz") { return .nifti }
        if head.count >= 348 {
            let magic = Array(head[344..<348])
            if magic == Array("n+1\0".utf8) || magic == Array("ni1\0".utf8) { return .nifti }
        }
        // NIfTI-2 magic "n+2\0…" at byte 4 (the byte after "n+2" is not checked).
        if head.count >= 8, head[4..<7].elementsEqual("n+2".utf8) {
            return .nifti
        }
        if Zlib.isGzip(head) { return .nifti }  // gzip: a .nii.gz by another name
        if lower.hasSuffix(".mha") || lower.hasSuffix(".mhd") { return .metaImage }
        let text = String(decoding: head.prefix(64), as: UTF8.self)
        if text.hasPrefix("ObjectType") || text.hasPrefix("NDims") { return .metaImage }
        return nil
    }

    /// Everything readable at `path`. DICOM folders and archives may hold several series.
    public static func open(path: String, volumeIndex: Int = 0) throws -> [ImageItem] {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw ImagingError(.fileNotFound, "no such file or folder", file: path)
        }
        if isDir.boolValue
            || ZipArchive.looksLikeZip(
                ((try? FileHandle(forReadingAtPath: path)?.read(upToCount: 4)) ?? nil).map { [UInt8]($0) } ?? [])
        {
            let scan = try DICOMStudyScanner.scan(path: path)
            if scan.series.isEmpty {
                var why = "no DICOM images found"
                if let first = scan.unreadable.first {
                    why += " (\(scan.unreadable.count) unreadable; first: \(first))"
                }
                throw ImagingError(.noImageData, why, file: path)
            }
            let extra =
                scan.unreadable.isEmpty
                ? [] : ["\(scan.unreadable.count) file(s) could not be read, e.g. \(scan.unreadable[0])"]
            return scan.series.map { item(for: $0, extraWarnings: extra) }
        }
        guard let format = try detectFormat(path: path) else {
            throw ImagingError(
                .unsupported, "unrecognised file format (expected DICOM, NIfTI, MetaImage, PNG or JPEG)", file: path)
        }
        let name = (path as NSString).lastPathComponent
        switch format {
        case .dicom:
            let instance = try DICOMInstance.read(.file(path))
            return DICOMSeriesAssembler.assemble([instance]).map { item(for: $0, extraWarnings: []) }
        case .nifti:
            let v = try NIfTI.read(path: path, volumeIndex: volumeIndex)
            return [
                ImageItem(
                    identifier: name, format: .nifti, modality: nil, description: nil, geometry: v.geometry,
                    warnings: [], loader: { v })
            ]
        case .metaImage:
            let v = try MetaImage.read(path: path)
            return [
                ImageItem(
                    identifier: name, format: .metaImage, modality: nil, description: nil, geometry: v.geometry,
                    warnings: [], loader: { v })
            ]
        case .png, .jpeg:
            let v = try RasterImageReader.read(path: path)
            return [
                ImageItem(
                    identifier: name, format: format, modality: nil, description: nil, geometry: v.geometry,
                    warnings: ["pixel spacing unknown for \(format.rawValue) images: 1 mm assumed"], loader: { v })
            ]
        }
    }

    /// Reads a single volume; fails listing the series when a folder holds several and none is chosen.
    public static func readVolume(path: String, series: String? = nil, volumeIndex: Int = 0) throws -> (
        AnyVolume, ImageItem
    ) {
        let items = try open(path: path, volumeIndex: volumeIndex)
        let chosen: ImageItem
        if let series {
            guard let match = items.first(where: { $0.identifier == series }) else {
                throw ImagingError(
                    .invalidArgument,
                    "no series \(series) here; found: \(items.map(\.identifier).joined(separator: ", "))", file: path)
            }
            chosen = match
        } else if items.count == 1 {
            chosen = items[0]
        } else {
            throw ImagingError(
                .invalidArgument, "\(items.count) series found; choose one with --series (see `spine info`)", file: path
            )
        }
        do {
            return (try chosen.load(), chosen)
        } catch let e as ImagingError {
            throw e.inFile(path)
        }
    }

    static func item(for series: DICOMSeries, extraWarnings: [String]) -> ImageItem {
        ImageItem(
            identifier: series.identifier, format: .dicom, modality: series.modality,
            description: series.seriesDescription,
            geometry: series.geometry, warnings: series.warnings + extraWarnings, loader: { try series.loadVolume() })
    }
}
