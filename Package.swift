// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "SpineKit",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "SpineImaging", targets: ["SpineImaging"]),
        .library(name: "SpinePhantom", targets: ["SpinePhantom"]),
        .executable(name: "spine", targets: ["spine"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2")
    ],
    targets: [
        // C libraries enter through small underscore-named targets; one Swift wrapper file each.
        .systemLibrary(name: "_CZlib", path: "Sources/_CZlib"),
        // Codecs: libjpeg-turbo and libpng behind tiny C shims (setjmp error handling lives in C),
        // CharLS (JPEG-LS) and OpenJPEG (JPEG 2000) as system libraries.
        .target(name: "_CJPEG", path: "Sources/_CJPEG", linkerSettings: [.linkedLibrary("jpeg")]),
        .target(name: "_CPNG", path: "Sources/_CPNG", linkerSettings: [.linkedLibrary("png16")]),
        .systemLibrary(name: "_CCharLS", path: "Sources/_CCharLS"),
        .systemLibrary(name: "_COpenJPEG", path: "Sources/_COpenJPEG"),
        .target(name: "SpineImaging", dependencies: ["_CZlib", "_CJPEG", "_CPNG", "_CCharLS", "_COpenJPEG"]),
        .target(name: "SpinePhantom", dependencies: ["SpineImaging"]),
        .executableTarget(
            name: "spine",
            dependencies: ["SpineImaging", "SpinePhantom", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .testTarget(name: "SpineImagingTests", dependencies: ["SpineImaging"]),
        .testTarget(name: "SpinePhantomTests", dependencies: ["SpinePhantom", "SpineImaging"]),
    ]
)
