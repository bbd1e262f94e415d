// swift-tools-version: 6.1
import PackageDescription

// Dependencies point one way: DeviceMemory ← GPU ← (Tensor ← Whisper ← Service ← SharedStore ← Server) ← auris.
// Only GPU knows CUDA symbol names, and it finds them at run time: nothing CUDA is needed to build.
let package = Package(
    name: "Auris",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "auris", targets: ["auris"]),
        .library(name: "DeviceMemory", targets: ["DeviceMemory"]),
        .library(name: "DeviceMemoryConformance", targets: ["DeviceMemoryConformance"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.0.0", traits: ["FullFoundation"]),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.0.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.80.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.0"),
    ],
    targets: [
        .target(name: "DeviceMemory"),
        // The conformance suite is a library, not a test target, so that it runs unchanged over every
        // backend: from `swift test` here, and on a GPU machine that has no Swift toolchain.
        .target(name: "DeviceMemoryConformance", dependencies: ["DeviceMemory"], path: "Sources/DeviceMemoryConformance"),
        .target(name: "GPU", dependencies: ["DeviceMemory"], linkerSettings: [.linkedLibrary("dl")]),
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CFFTW", pkgConfig: "fftw3f", providers: [.apt(["libfftw3-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // libFuzzer's driver, declared for the fuzzers (its definition comes with -sanitize=fuzzer).
        .systemLibrary(name: "CFuzzer"),
        .systemLibrary(name: "CSndFile", pkgConfig: "sndfile", providers: [.apt(["libsndfile1-dev"])]),
        .systemLibrary(name: "CSoxr", pkgConfig: "soxr", providers: [.apt(["libsoxr-dev"])]),
        // Kernels OpenBLAS lacks (float16 and int8 weights, vectorised exp and erf), in C for the
        // AVX2/F16C intrinsics; contraction off, so products and sums round where the code says.
        .target(name: "CPUKernels", cSettings: [.unsafeFlags(["-O3", "-ffp-contract=off"])]),
        .target(name: "Tensor", dependencies: ["DeviceMemory", "GPU", "COpenBLAS", "CPUKernels"]),
        // Backends for tests: forwarding adaptors that change one behaviour.
        .target(name: "TensorTestKit", dependencies: ["Tensor", "DeviceMemory"]),
        .target(name: "Audio", dependencies: ["CSndFile", "CSoxr"]),
        .target(name: "Whisper", dependencies: ["DeviceMemory", "Tensor", "CPUKernels", "Audio", "COpenBLAS", "CFFTW", "CZlib"]),
        // Fixtures for tests: tiny generated Whisper models and vocabularies, and the model-file
        // writer that makes them; never linked into the product.
        .target(name: "WhisperTestKit", dependencies: ["Whisper"]),
        // The web UI: static files, served by the server; no build step.
        .target(name: "WebUI", resources: [.copy("site")]),
        .target(name: "Service", dependencies: [
            "DeviceMemory", "GPU", "Tensor", "Audio", "Whisper", .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // The store several workers share (PostgreSQL): a target of its own, so that what links
        // Service alone (the fuzzers' sanitizer build) does not build postgres-nio and BoringSSL.
        .target(name: "SharedStore", dependencies: [
            "Service", "Whisper", .product(name: "PostgresNIO", package: "postgres-nio"), .product(name: "Logging", package: "swift-log"),
        ]),
        // Uploads taken apart and streamed to disk: no HTTP framework, so the fuzzers link it alone.
        .target(name: "Uploads", dependencies: [
            .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOFoundationCompat", package: "swift-nio"),
        ]),
        .target(
            name: "Server",
            // Only the service below it (docs/server.md, "How a request flows"): the engine's
            // modules reach the server through Service's own API and names.
            dependencies: [
                "Service", "SharedStore", "Uploads", "WebUI",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "auris",
            dependencies: [
                "DeviceMemory", "DeviceMemoryConformance", "GPU", "Tensor", "Whisper", "Service", "SharedStore", "Server",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "AllocatorBenchmarks",
            dependencies: ["DeviceMemory"],
            path: "Benchmarks/AllocatorBenchmarks"
        ),
        .executableTarget(name: "AudioBenchmarks", dependencies: ["Audio"], path: "Benchmarks/AudioBenchmarks"),
        // The parsers of untrusted bytes under libFuzzer (make fuzz builds it with
        // -sanitize=fuzzer,address -DFUZZING); built normally, a replayer of saved inputs, which is
        // how make test runs the seeds and every finding (Fuzz/regressions, docs/reliability.md).
        .executableTarget(
            name: "AurisFuzz",
            dependencies: [
                "CFuzzer", "Audio", "DeviceMemory", "Whisper", "WhisperTestKit", "Service", "Uploads",
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Fuzz",
            exclude: ["regressions", "lsan-suppressions.txt"]
        ),
        .executableTarget(
            name: "StageDump",
            dependencies: ["DeviceMemory", "Tensor", "Whisper", "Audio"],
            path: "Benchmarks/StageComparison"
        ),
        .executableTarget(
            name: "ServerBenchmarks",
            dependencies: [
                "Server", "DeviceMemory", "GPU",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/ServerBenchmarks"
        ),
        .executableTarget(
            name: "QueueBenchmarks",
            dependencies: [
                "Service", "SharedStore", .product(name: "PostgresNIO", package: "postgres-nio"), .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/QueueBenchmarks"
        ),
        .testTarget(
            name: "DeviceMemoryTests",
            dependencies: [
                "DeviceMemory", "DeviceMemoryConformance",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
        .testTarget(name: "AudioTests", dependencies: ["Audio"]),
        .testTarget(name: "WhisperTests", dependencies: ["Whisper", "WhisperTestKit", "Tensor", "TensorTestKit", "Audio", "GPU", "DeviceMemory"], exclude: ["Golden"]),
        .testTarget(name: "ServiceTests", dependencies: ["Service", "DeviceMemory", "Whisper", "WhisperTestKit", "Tensor", "TensorTestKit", "SharedStore", .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "PostgresNIO", package: "postgres-nio"), .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "ServerTests", dependencies: [
            "Server", "Service", "GPU", "DeviceMemory", "WhisperTestKit",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "NIOEmbedded", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "UploadsTests", dependencies: ["Uploads", .product(name: "NIOCore", package: "swift-nio")]),
        .testTarget(name: "TensorTests", dependencies: ["Tensor", "TensorTestKit", "CPUKernels", "GPU", "DeviceMemory"]),
        .testTarget(name: "GPUTests", dependencies: ["GPU", "DeviceMemory", "DeviceMemoryConformance"]),
    ]
)
