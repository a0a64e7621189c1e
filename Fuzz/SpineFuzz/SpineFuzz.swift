// libFuzzer harness for SpineImaging's readers of untrusted bytes.
//
// Built by `Scripts/fuzz` with `-sanitize=fuzzer,address -D SPINE_LIBFUZZER`: libFuzzer runs its loop
// and calls `LLVMFuzzerTestOneInput` once per input. The reader under test is chosen by the
// environment variable `SPINE_FUZZ_TARGET` (`dicom`, `nifti` or `metaimage`).
//
// In a plain `swift build` (no fuzzer runtime) the same target builds into a replay tool:
// `SpineFuzz dicom|nifti|metaimage FILE…` runs each file through the same entry point, so a crash
// input can be reproduced, debugged or bisected without sanitizers.

import SpineImaging

#if canImport(Glibc)
    @preconcurrency import Glibc
#elseif canImport(Darwin)
    @preconcurrency import Darwin
#endif

/// Which reader a fuzz input is fed to.
enum FuzzTarget: String, CaseIterable {
    case dicom
    case nifti
    case metaimage

    /// The target named by `SPINE_FUZZ_TARGET`, or nil when unset or unknown.
    static func fromEnvironment() -> FuzzTarget? {
        guard let raw = getenv("SPINE_FUZZ_TARGET") else { return nil }
        return FuzzTarget(rawValue: String(cString: raw).lowercased())
    }

    /// Feeds `bytes` to this reader; errors thrown on bad input are the expected outcome and are ignored.
    func run(_ bytes: [UInt8]) {
        switch self {
        case .dicom:
            guard let file = try? DICOMFile.parse(bytes) else { return }
            _ = try? file.decodedFrames()
        case .nifti:
            _ = try? NIfTI.read(bytes: bytes, name: "fuzz.nii", volumeIndex: 0)
            // A second 4D index exercises the volume-selection arithmetic.
            _ = try? NIfTI.read(bytes: bytes, name: "fuzz.nii", volumeIndex: 1)
        case .metaimage:
            _ = try? MetaImage.read(bytes: bytes, name: "fuzz.mha", volumeIndex: 0)
            _ = try? MetaImage.read(bytes: bytes, name: "fuzz.mha", volumeIndex: 1)
        }
    }
}

#if SPINE_LIBFUZZER

    /// libFuzzer's public driver entry (compiler-rt `FuzzerInterface.h`): parses libFuzzer's flags from
    /// argv and runs the fuzzing loop with `callback`. We own `main` and call it, rather than linking
    /// libFuzzer's own `main`, because SwiftPM renames an executable's entry point in debug builds
    /// (`main` becomes `SpineFuzz_main`), which libFuzzer's `main` cannot satisfy.
    @_silgen_name("LLVMFuzzerRunDriver")
    private func runFuzzerDriver(
        _ argc: UnsafeMutablePointer<Int32>,
        _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
        _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
    ) -> Int32

    nonisolated(unsafe) private var selectedTarget: FuzzTarget?

    /// libFuzzer's per-input callback: feeds one input to the reader chosen by `SPINE_FUZZ_TARGET`.
    @_cdecl("LLVMFuzzerTestOneInput")
    public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
        let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
        selectedTarget?.run(bytes)
        return 0
    }

    @main
    enum SpineFuzzMain {
        static func main() {
            guard let target = FuzzTarget.fromEnvironment() else {
                let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
                fputs("SpineFuzz: set SPINE_FUZZ_TARGET to one of: \(names)\n", stderr)
                exit(2)
            }
            selectedTarget = target
            var argc = CommandLine.argc
            var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
            exit(runFuzzerDriver(&argc, &argv, fuzzerTestOneInput))
        }
    }

#else

    @main
    enum SpineFuzzReplay {
        static func main() {
            let args = Array(CommandLine.arguments.dropFirst())
            guard let first = args.first, let target = FuzzTarget(rawValue: first.lowercased()) else {
                let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: "|")
                fputs(
                    "usage: SpineFuzz \(names) FILE…   (replays fuzz inputs; Scripts/fuzz builds the fuzzer)\n", stderr)
                exit(2)
            }
            for path in args.dropFirst() {
                guard let bytes = readAll(path) else {
                    fputs("SpineFuzz: cannot read \(path)\n", stderr)
                    exit(1)
                }
                target.run(bytes)
                print("ok \(path) (\(bytes.count) bytes)")
            }
        }

        private static func readAll(_ path: String) -> [UInt8]? {
            guard let f = fopen(path, "rb") else { return nil }
            defer { fclose(f) }
            var out = [UInt8]()
            var chunk = [UInt8](repeating: 0, count: 1 << 16)
            while true {
                let n = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, f) }
                if n == 0 { break }
                out.append(contentsOf: chunk[..<n])
            }
            return ferror(f) == 0 ? out : nil
        }
    }

#endif
