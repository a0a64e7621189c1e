import Foundation

/// Finds the DICOM image objects in a folder (recursively) or a zip archive and assembles them into series.
public enum DICOMStudyScanner {
    public struct Result: Sendable {
        public var series: [DICOMSeries]
        /// Files that looked like DICOM but could not be read, with the reason (one line each).
        public var unreadable: [String]
        /// DICOM objects without an image (SR, presentation states, segmentations, …), by count.
        public var nonImageObjects: Int
        /// Files that are not DICOM at all.
        public var otherFiles: Int
        /// Their names as messages give them (the path, or `archive.zip:entry`), in scan order.
        public var otherFileNames: [String] = []
    }

    /// Scans a folder recursively (hidden files and DICOMDIR skipped), or a .zip archive.
    public static func scan(path: String) throws -> Result {
        var sources: [DICOMSource] = []
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw ImagingError(.fileNotFound, "no such file or folder", file: path)
        }
        if isDir.boolValue {
            guard let walker = FileManager.default.enumerator(atPath: path) else {
                throw ImagingError(.unreadable, "cannot list the folder", file: path)
            }
            var files: [String] = []
            while let rel = walker.nextObject() as? String {
                let name = (rel as NSString).lastPathComponent
                if name.hasPrefix(".") || name.uppercased() == "DICOMDIR" { continue }
                let full = (path as NSString).appendingPathComponent(rel)
                var d: ObjCBool = false
                if FileManager.default.fileExists(atPath: full, isDirectory: &d), !d.boolValue { files.append(full) }
            }
            sources = files.sorted().map { .file($0) }
        } else {
            let archive = try ZipArchive(path: path)
            sources = archive.entries.filter {
                !$0.isDirectory && !$0.name.hasPrefix("__MACOSX/")
                    && !($0.name as NSString).lastPathComponent.hasPrefix(".")
            }
            .map { .zipEntry(archive: archive, entry: $0.name) }
        }
        var instances: [DICOMInstance] = []
        var unreadable: [String] = []
        var nonImage = 0
        var other = 0
        var otherNames: [String] = []
        for source in sources {
            let bytes: [UInt8]
            do { bytes = try source.bytes() } catch {
                unreadable.append("\(error)")
                continue
            }
            guard DICOMFile.looksLikeDICOM(bytes) else {
                other += 1
                otherNames.append(source.description)
                continue
            }
            do {
                let file = try DICOMFile.parse(bytes, headerOnly: true)
                // Segmentations, registrations and raw data (1.2.840.10008.5.1.4.1.1.66.x) are not images to assemble,
                // even with pixel data: a SEG written next to its source must not become a series of its own.
                if file.dataSet.string(.sopClassUID)?.hasPrefix("1.2.840.10008.5.1.4.1.1.66") == true {
                    nonImage += 1
                    continue
                }
                instances.append(try DICOMInstance(source: source, file: file))
            } catch let e as ImagingError where e.code == .noImageData {
                nonImage += 1
            } catch let e as ImagingError {
                unreadable.append(e.inFile(source.description).description)
            } catch {
                unreadable.append("\(source): \(error)")
            }
        }
        return Result(
            series: DICOMSeriesAssembler.assemble(instances), unreadable: unreadable, nonImageObjects: nonImage,
            otherFiles: other, otherFileNames: otherNames)
    }
}
