import Foundation
@testable import GPU
import Testing

/// Where NVRTC and cuBLAS are looked for: the operator's folder first, then the system's
/// sonames, then the `nvidia/*/lib` folders of Python environments (PyTorch's wheels).
@Suite("CUDA library locator")
struct CUDALibraryLocatorTests {
    let locator = CUDALibraryLocator(sonames: ["libnvrtc.so.13", "libnvrtc.so.12"], pipPackages: ["cu13", "cuda_nvrtc"])

    @Test func candidatesComeInOrder() throws {
        let prefix = FileManager.default.temporaryDirectory.appendingPathComponent("auris-locator-\(UUID().uuidString)")
        let cu13 = prefix.appendingPathComponent("lib/python3.11/site-packages/nvidia/cu13/lib")
        try FileManager.default.createDirectory(at: cu13, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: prefix) }
        let candidates = locator.candidates(environment: ["AURIS_CUDA_LIBRARY_PATH": "/opt/a:/opt/b", "VIRTUAL_ENV": prefix.path])
        #expect(Array(candidates.prefix(6)) == [
            "/opt/a/libnvrtc.so.13", "/opt/a/libnvrtc.so.12", "/opt/b/libnvrtc.so.13", "/opt/b/libnvrtc.so.12",
            "libnvrtc.so.13", "libnvrtc.so.12",
        ])
        // The virtual environment's wheel folder, and not the CUDA 12 folder that does not exist.
        #expect(candidates.dropFirst(6).prefix(2) == ["\(cu13.path)/libnvrtc.so.13", "\(cu13.path)/libnvrtc.so.12"])
        #expect(!candidates.contains { $0.contains("cuda_nvrtc") && $0.hasPrefix(prefix.path) })
    }

    @Test func aMissingLibraryNamesEveryPlaceTried() {
        let missing = CUDALibraryLocator(sonames: ["libauris-no-such-library.so.1"], pipPackages: ["none"])
        guard case .failure(let failure) = missing.open() else {
            Issue.record("a library that does not exist was opened")
            return
        }
        #expect(failure.allNotFound)
        #expect(failure.triedNames.contains("libauris-no-such-library.so.1"))
    }
}

/// Where cuBLAS is installed (a CUDA toolkit, or PyTorch's wheels), it loads without a GPU and
/// exports every entry point the backend calls, under the names the backend asks for.
@Suite("cuBLAS library")
struct CUBLASLibraryTests {
    static let installed = (try? CUBLAS.shared.get()) != nil

    @Test("every entry point resolves", .enabled(if: installed, "needs libcublas (pip install nvidia-cublas)"))
    func everyEntryPointResolves() throws {
        let library = try CUBLAS.shared.get()
        #expect(library.libraryName.contains("libcublas.so"))
        #expect(library.cublasGetStatusString != nil, "cuBLAS 11.4+ names its errors")
    }
}
