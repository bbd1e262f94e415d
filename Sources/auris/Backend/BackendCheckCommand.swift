import ArgumentParser
import DeviceMemory
import Foundation
import GPU
import Tensor

/// `auris backend-check --device cuda:0`: every engine operation on the device against the CPU,
/// at Whisper's shapes, so a GPU machine without a Swift toolchain can prove its kernels right.
struct BackendCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backend-check",
        abstract: "Compare every engine operation on a device (cuda:N, or cpu) with the CPU's results.")

    @Option(help: "The device to check. With cpu, a one-thread CPU is compared with a multi-threaded one.")
    var device = "cuda:0"

    @Option(help: "CPU threads for the reference.")
    var threads = min(4, ProcessInfo.processInfo.activeProcessorCount)

    func run() throws {
        let results: [BackendAgreement.Result]
        do {
            let target = try DeviceID(parsing: device)
            let allocators = try DeviceAllocators(configuration: .default)
            let reference = CPUBackend(allocator: try allocators.allocator(for: .cpu), threads: target.kind == .cpu ? 1 : threads)
            print("cpu kernels: \(CPUBackend.kernels)")
            let candidate = try ComputeBackends.open(target, allocators: allocators, threads: threads)
            if let gpu = candidate as? CUDABackend {
                print("device \(target): \(gpu.memory.deviceName), compute capability \(gpu.memory.computeCapability)")
                let nvrtc = (try? NVRTC.shared.get()).map { "\($0.libraryName) (\($0.version))" } ?? "not found"
                print("nvrtc: \(nvrtc); cublas: \((try? CUBLAS.shared.get().libraryName) ?? "not found")")
            }
            results = try BackendAgreement(reference: reference, candidate: candidate).run()
            let stats = candidate.allocator.stats()
            print("device memory: peak allocated \(stats.allocatedBytes.all.peak) B, peak reserved \(stats.reservedBytes.all.peak) B")
        } catch let error as DeviceMemoryError {
            throw UserError(error.message)
        }
        results.forEach { print($0) }
        let failed = results.filter { !$0.passed }.count
        print("backend-check: \(results.count - failed) passed, \(failed) failed")
        if failed > 0 { throw ExitCode.failure }
    }
}
