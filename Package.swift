// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "filewatcher",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "filewatcher", targets: ["filewatcher"]),
        .library(name: "BSM", targets: ["BSM"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/JohnSundell/Plot", exact: "0.14.0"),
    ],
    targets: [
        // Pure Swift: tokens, framing, decoder/encoder, catalog, praudit printer. No imports.
        .target(name: "BSM"),
        // Platform-neutral event model, BSM→event mapping, filters, sinks, detection.
        .target(name: "FileWatchCore", dependencies: [
            "BSM",
            .product(name: "Yams", package: "Yams"),
        ]),
        // Tiny C shim: fanotify / open_by_handle_at helpers (Linux), portable ioctl helper.
        .target(name: "CShims"),
        // Every syscall and #if: fanotify, auditpipe, trail replay/follow, /proc.
        .target(name: "EventSources", dependencies: [
            "FileWatchCore", "BSM", "CShims",
            .product(name: "SystemPackage", package: "swift-system"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // `filewatcher report`: bounded aggregates of a capture, SVG chart layout and the HTML page
        // (Plot's typed DSL). Platform-neutral: the caller writes the bytes.
        .target(name: "Report", dependencies: [
            "FileWatchCore",
            .product(name: "Plot", package: "Plot"),
        ]),
        // The CLI: parses, validates, wires source → filters → sinks.
        .executableTarget(name: "filewatcher", dependencies: [
            "BSM", "FileWatchCore", "EventSources", "Report",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Benchmark/fixture tool: writes synthetic trails with our encoder (bench/, fuzz seeds).
        .executableTarget(name: "bsm-gen", dependencies: [
            "BSM", .product(name: "SystemPackage", package: "swift-system"),
        ]),
        // The live source's ground truth (C): random real file work by several processes, logging every
        // event with the path each object had at that moment and the process that did it (tests, bench/).
        .executableTarget(name: "fw-oracle", path: "Sources/fw-oracle"),
        // Shared by the test targets only: the trail builder, a collecting receiver with bounded
        // waits, temporary directories and FIFOs, a source harness that always stops its source,
        // and what the machine offers (samples, praudit, root) for `.enabled(if:)`.
        .target(name: "TestSupport", dependencies: ["BSM", "FileWatchCore"], path: "Tests/TestSupport"),
        .testTarget(name: "BSMTests", dependencies: ["BSM", "TestSupport"]),
        .testTarget(name: "FileWatchCoreTests", dependencies: ["FileWatchCore", "BSM", "TestSupport"]),
        .testTarget(name: "EventSourcesTests", dependencies: ["EventSources", "FileWatchCore", "BSM", "CShims", "TestSupport"],
                    exclude: ["Fixtures"]),
        .testTarget(name: "ReportTests", dependencies: ["Report", "FileWatchCore", "TestSupport"]),
        .testTarget(name: "filewatcherTests", dependencies: ["filewatcher", "BSM", "EventSources", "TestSupport"]),
    ]
)
