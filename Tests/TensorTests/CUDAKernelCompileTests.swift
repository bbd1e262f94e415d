import Foundation
import GPU
@testable import Tensor
import Testing

/// Every CUDA kernel compiles with NVRTC for the GPU generations Auris supports, on any machine:
/// NVRTC needs no GPU. `make test` installs NVRTC (pip `nvidia-cuda-nvrtc`, CUDA 13) and sets
/// AURIS_REQUIRE_NVRTC=1, so in CI a missing compiler fails instead of skipping.
@Suite("CUDA kernels compile")
struct CUDAKernelCompileTests {
    static let compiler = NVRTC.shared
    static let required = ProcessInfo.processInfo.environment["AURIS_REQUIRE_NVRTC"] == "1"
    static var runs: Bool { (try? compiler.get()) != nil || required }

    /// Ampere (A100) and Hopper (H100, H200).
    @Test("every kernel compiles to SASS", .enabled(if: runs, "needs NVRTC (pip install nvidia-cuda-nvrtc)"),
          arguments: ["8.0", "9.0"])
    func everyKernelCompiles(computeCapability: String) throws {
        let nvrtc = try Self.compiler.get()
        let image = try nvrtc.compile(CUDAKernels.program(computeCapability: computeCapability))
        // A CUBIN is an ELF file; its symbol table names every extern "C" kernel as written.
        #expect(image.starts(with: [0x7F, 0x45, 0x4C, 0x46]), "not an ELF image")
        for name in CUDAKernelSource.kernelNames {
            #expect(image.firstRange(of: Array(name.utf8)) != nil, "\(name) is missing from the sm_\(computeCapability) image")
        }
    }

    @Test("a compile error names the file and line", .enabled(if: runs, "needs NVRTC"))
    func compileErrorsAreReported() throws {
        let nvrtc = try Self.compiler.get()
        let broken = NVRTC.Program(source: "extern \"C\" __global__ void k(float* x) { x[0] = undefined_name; }",
                                   name: "broken.cu", computeCapability: "9.0")
        #expect {
            _ = try nvrtc.compile(broken)
        } throws: { error in
            "\(error)".contains("broken.cu") && "\(error)".contains("undefined_name")
        }
    }
}
