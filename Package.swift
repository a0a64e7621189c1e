// swift-tools-version: 6.0
import PackageDescription

// Targets as in DESIGN.md; dependencies point down. SpineImaging and SpineNN are independent foundations;
// SpineAnatomy (vertebrae, disc levels, structure classes) is the typed anatomy that SpinePhantom and
// SpineAnalysis share.
let package = Package(
    name: "SpineKit",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "SpineAnatomy", targets: ["SpineAnatomy"]),
        .library(name: "SpineImaging", targets: ["SpineImaging"]),
        .library(name: "SpineNN", targets: ["SpineNN"]),
        .library(name: "SpinePhantom", targets: ["SpinePhantom"]),
        .library(name: "SpineAnalysis", targets: ["SpineAnalysis"]),
        .library(name: "SpinePipeline", targets: ["SpinePipeline"]),
        .executable(name: "spine", targets: ["spine"]),
        .executable(name: "SpineNNBench", targets: ["SpineNNBench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2")
    ],
    targets: [
        // C libraries enter through small underscore-named targets; one Swift wrapper file each.
        .systemLibrary(name: "_CZlib", path: "Sources/_CZlib"),
        .systemLibrary(name: "_CDeflate", path: "Sources/_CDeflate"),
        // Codecs: libjpeg-turbo and libpng behind tiny C shims (setjmp error handling lives in C),
        // CharLS (JPEG-LS) and OpenJPEG (JPEG 2000) as system libraries.
        .target(name: "_CJPEG", path: "Sources/_CJPEG", linkerSettings: [.linkedLibrary("jpeg")]),
        .target(name: "_CPNG", path: "Sources/_CPNG", linkerSettings: [.linkedLibrary("png16")]),
        .systemLibrary(name: "_CCharLS", path: "Sources/_CCharLS"),
        .systemLibrary(name: "_COpenJPEG", path: "Sources/_COpenJPEG"),
        // oneDNN (Debian libdnnl-dev 2.6) through a system-library target; only Internals/DNNL.swift touches it.
        .systemLibrary(name: "_CDNNL", path: "Sources/_CDNNL"),

        .target(name: "SpineAnatomy"),
        .target(name: "SpineImaging", dependencies: ["_CZlib", "_CDeflate", "_CJPEG", "_CPNG", "_CCharLS", "_COpenJPEG"]),
        .target(name: "SpineNN", dependencies: ["_CDNNL"]),
        .target(name: "SpinePhantom", dependencies: ["SpineAnatomy", "SpineImaging"]),
        .target(name: "SpineAnalysis", dependencies: ["SpineAnatomy", "SpineImaging"]),
        // Report writers (HTML) and the SEG anatomy codes; model plans and inference come later.
        .target(name: "SpinePipeline", dependencies: ["SpineImaging", "SpineAnalysis"]),
        .executableTarget(
            name: "spine",
            dependencies: [
                "SpineAnatomy", "SpineImaging", "SpinePhantom", "SpineAnalysis",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // Release benchmark of the reference U-Net (Benchmarks/nn/run.sh compares with PyTorch and ONNX Runtime).
        .executableTarget(name: "SpineNNBench", dependencies: ["SpineNN"], path: "Benchmarks/nn", exclude: ["run.sh", "peers.py"]),
        // libFuzzer harness (Scripts/fuzz builds it with -sanitize=fuzzer); a plain build makes a replay tool.
        .executableTarget(name: "SpineFuzz", dependencies: ["SpineImaging"], path: "Fuzz/SpineFuzz"),

        .testTarget(name: "SpineAnatomyTests", dependencies: ["SpineAnatomy"]),
        .testTarget(name: "SpineImagingTests", dependencies: ["SpineImaging"]),
        .testTarget(name: "SpineNNTests", dependencies: ["SpineNN"]),
        .testTarget(name: "SpinePhantomTests", dependencies: ["SpinePhantom", "SpineImaging"]),
        .testTarget(name: "SpineAnalysisTests", dependencies: ["SpineAnalysis", "SpineImaging"]),
        .testTarget(name: "SpinePipelineTests", dependencies: ["SpinePipeline", "SpineAnalysis", "SpineImaging"]),
    ]
)
