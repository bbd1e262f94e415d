import GPU
import Testing

/// Whether this machine has a usable CUDA device, decided once so that every test agrees.
///
/// The tests are written to be correct on both kinds of machine: the development machines have
/// no NVIDIA driver at all, the GPU machines an H200. Tests that need one or the other say so
/// with `.enabled(if:)`, so each run reports the other kind as skipped, with the reason.
enum GPUPresence {
    static let hasCUDADevice = !DeviceDiscovery.discover().cuda.isEmpty
    static let noGPUReason: Comment = "needs a machine with an NVIDIA GPU and driver"
    static let gpuPresentReason: Comment = "checks behaviour on a machine without a usable NVIDIA GPU"
}
