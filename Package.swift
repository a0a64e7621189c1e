// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "SpineKit",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "SpineImaging", targets: ["SpineImaging"]),
        .executable(name: "spine", targets: ["spine"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2")
    ],
    targets: [
        // C libraries enter through small underscore-named targets; one Swift wrapper file each.
        .systemLibrary(name: "_CZlib", path: "Sources/_CZlib"),
        // libjpeg-turbo, libpng (setjmp error handling), CharLS and OpenJPEG behind a tiny C shim.
        .target(
            name: "_CCodecs",
            path: "Sources/_CCodecs",
            linkerSettings: [
                .linkedLibrary("jpeg"), .linkedLibrary("png16"), .linkedLibrary("charls"),
                .linkedLibrary("openjp2"),
            ]
        ),
        .target(name: "SpineImaging", dependencies: ["_CZlib", "_CCodecs"]),
        .executableTarget(
            name: "spine",
            dependencies: ["SpineImaging", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        // libFuzzer harness (Scripts/fuzz builds it with -sanitize=fuzzer); a plain build makes a replay tool.
        .executableTarget(name: "SpineFuzz", dependencies: ["SpineImaging"], path: "Fuzz/SpineFuzz"),
        .testTarget(name: "SpineImagingTests", dependencies: ["SpineImaging"]),
    ]
)
