#if canImport(Glibc)
import Glibc
#endif
import DeviceMemory

/// NVIDIA's run-time compiler (`libnvrtc`), which turns CUDA C++ source into device code for
/// one GPU architecture. It needs no GPU, which is what lets CI prove every kernel compiles.
public struct NVRTC: @unchecked Sendable {
    // @unchecked: immutable C function pointers; NVRTC is thread-safe across programs.

    // C prototypes from nvrtc.h. nvrtcResult is an `int` enum, nvrtcProgram a pointer.
    typealias Version = @convention(c) (UnsafeMutablePointer<Int32>?, UnsafeMutablePointer<Int32>?) -> Int32
    typealias CreateProgram = @convention(c) (
        UnsafeMutablePointer<OpaquePointer?>?, UnsafePointer<CChar>?, UnsafePointer<CChar>?, Int32,
        UnsafePointer<UnsafePointer<CChar>?>?, UnsafePointer<UnsafePointer<CChar>?>?
    ) -> Int32
    typealias CompileProgram = @convention(c) (OpaquePointer?, Int32, UnsafePointer<UnsafePointer<CChar>?>?) -> Int32
    typealias SizeOut = @convention(c) (OpaquePointer?, UnsafeMutablePointer<Int>?) -> Int32
    typealias BytesOut = @convention(c) (OpaquePointer?, UnsafeMutablePointer<CChar>?) -> Int32
    typealias DestroyProgram = @convention(c) (UnsafeMutablePointer<OpaquePointer?>?) -> Int32
    typealias ErrorString = @convention(c) (Int32) -> UnsafePointer<CChar>?

    private let nvrtcCreateProgram: CreateProgram
    private let nvrtcCompileProgram: CompileProgram
    private let nvrtcGetProgramLogSize: SizeOut
    private let nvrtcGetProgramLog: BytesOut
    private let nvrtcGetCUBINSize: SizeOut
    private let nvrtcGetCUBIN: BytesOut
    private let nvrtcDestroyProgram: DestroyProgram
    private let nvrtcGetErrorString: ErrorString

    /// The file that loaded, such as `/…/site-packages/nvidia/cu13/lib/libnvrtc.so.13`.
    public let libraryName: String
    /// "major.minor", such as "13.0".
    public let version: String

    /// Where NVRTC is looked for (see Note [CUDA libraries at run time]).
    public static let locator = CUDALibraryLocator(
        sonames: ["libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so"], pipPackages: ["cu13", "cuda_nvrtc"])

    /// The process-wide compiler, or why there is none.
    public static let shared: Result<NVRTC, DeviceMemoryError> = locator.load(
        "CUDA kernels cannot be compiled", library: "libnvrtc", pipPackage: "nvidia-cuda-nvrtc", NVRTC.init)

    private init(library: DynamicLibrary) throws(DeviceMemoryError) {
        func need<T>(_ name: String) throws(DeviceMemoryError) -> T {
            try library.require(name, hint: "not a usable NVRTC")
        }
        libraryName = library.loadedName
        let nvrtcVersion: Version = try need("nvrtcVersion")
        nvrtcCreateProgram = try need("nvrtcCreateProgram")
        nvrtcCompileProgram = try need("nvrtcCompileProgram")
        nvrtcGetProgramLogSize = try need("nvrtcGetProgramLogSize")
        nvrtcGetProgramLog = try need("nvrtcGetProgramLog")
        nvrtcGetCUBINSize = try need("nvrtcGetCUBINSize")
        nvrtcGetCUBIN = try need("nvrtcGetCUBIN")
        nvrtcDestroyProgram = try need("nvrtcDestroyProgram")
        nvrtcGetErrorString = try need("nvrtcGetErrorString")
        var major: Int32 = 0, minor: Int32 = 0
        _ = nvrtcVersion(&major, &minor)
        version = "\(major).\(minor)"
    }

    /// What to compile and for which GPU.
    public struct Program: Sendable {
        public var source: String
        /// Shown in compiler messages, such as "auris_kernels.cu".
        public var name: String
        /// Compute capability as "major.minor", such as "9.0"; the code is SASS for exactly it.
        public var computeCapability: String
        public var options: [String]

        public init(source: String, name: String, computeCapability: String, options: [String] = []) {
            self.source = source
            self.name = name
            self.computeCapability = computeCapability
            self.options = options
        }

        /// `sm_90` for "9.0".
        public var architecture: String { "sm_" + computeCapability.replacingDots() }
    }

    /// Compiles to a CUBIN for the program's architecture.
    ///
    /// A CUBIN rather than PTX: the driver loads it as it is, where PTX from a newer compiler
    /// than the driver would be refused (CUDA's minor-version compatibility covers SASS only).
    public func compile(_ program: Program) throws(DeviceMemoryError) -> [UInt8] {
        var handle: OpaquePointer?
        try check(nvrtcCreateProgram(&handle, program.source, program.name, 0, nil, nil), "nvrtcCreateProgram")
        defer { _ = nvrtcDestroyProgram(&handle) }
        let options = ["--gpu-architecture=\(program.architecture)", "--std=c++17"] + program.options
        let result = withCStrings(options) { nvrtcCompileProgram(handle, Int32(options.count), $0) }
        guard result == 0 else {
            throw DeviceMemoryError(.backendFailure,
                "NVRTC \(version) could not compile \(program.name) for \(program.architecture): \(errorText(result))\n\(log(handle))")
        }
        var size = 0
        try check(nvrtcGetCUBINSize(handle, &size), "nvrtcGetCUBINSize")
        var image = [UInt8](repeating: 0, count: size)
        let copied = image.withUnsafeMutableBytes { nvrtcGetCUBIN(handle, $0.baseAddress?.assumingMemoryBound(to: CChar.self)) }
        try check(copied, "nvrtcGetCUBIN")
        return image
    }

    private func log(_ handle: OpaquePointer?) -> String {
        var size = 0
        guard nvrtcGetProgramLogSize(handle, &size) == 0, size > 1 else { return "" }
        var text = [CChar](repeating: 0, count: size)
        guard nvrtcGetProgramLog(handle, &text) == 0 else { return "" }
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private func errorText(_ result: Int32) -> String {
        nvrtcGetErrorString(result).map { String(cString: $0) } ?? "nvrtcResult \(result)"
    }

    private func check(_ result: Int32, _ what: String) throws(DeviceMemoryError) {
        guard result != 0 else { return }
        throw DeviceMemoryError(.backendFailure, "\(what) failed: \(errorText(result))")
    }
}

/// Calls `body` with a C array of C strings that live for the call.
func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
    let copies = strings.map { strdup($0) }
    defer { copies.forEach { free($0) } }
    let pointers = copies.map { UnsafePointer<CChar>($0) }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}

extension String {
    fileprivate func replacingDots() -> String { String(filter { $0 != "." }) }
}
