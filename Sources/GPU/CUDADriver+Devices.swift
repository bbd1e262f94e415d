#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import DeviceMemory

/// Device queries shared by discovery, the memory backend and NVML's device matching.
extension CUDADriver {
    /// The number of devices CUDA exposes to this process (after CUDA_VISIBLE_DEVICES).
    public func deviceCount() throws(DeviceMemoryError) -> Int {
        var count: Int32 = 0
        try check(cuDeviceGetCount(&count), "cuDeviceGetCount")
        return Int(count)
    }

    /// The CUdevice handle for ordinal `index`, or `.invalidDevice` saying which ordinals exist.
    ///
    /// Validating against the count first gives a message that names the real devices instead of
    /// CUDA's bare CUDA_ERROR_INVALID_DEVICE.
    public func device(ordinal index: Int) throws(DeviceMemoryError) -> Int32 {
        let count = try deviceCount()
        guard index >= 0, index < count else {
            throw DeviceMemoryError(.invalidDevice, CUDADriver.noSuchDeviceMessage(index: index, count: count))
        }
        var device: Int32 = 0
        try check(cuDeviceGet(&device, Int32(index)), "cuDeviceGet(\(index))")
        return device
    }

    static func noSuchDeviceMessage(index: Int, count: Int) -> String {
        let available: String
        switch count {
        case 0: available = "this machine has no CUDA devices"
        case 1: available = "this machine has 1 CUDA device (cuda:0)"
        default: available = "this machine has \(count) CUDA devices (cuda:0 to cuda:\(count - 1))"
        }
        var message = "cuda:\(index) does not exist: \(available)"
        if let visible = environment("CUDA_VISIBLE_DEVICES") {
            message += " with CUDA_VISIBLE_DEVICES=\"\(visible)\""
        }
        return message
    }

    /// The marketing name, such as "NVIDIA H200".
    public func name(of device: Int32) throws(DeviceMemoryError) -> String {
        try string(capacity: 256, "cuDeviceGetName") { cuDeviceGetName($0, $1, device) }
    }

    /// The PCI address as `domain:bus:device.function` in hex, such as "0000:3B:00.0"; the same
    /// physical GPU has the same address in NVML, whatever the two APIs number it.
    public func pciBusID(of device: Int32) throws(DeviceMemoryError) -> String {
        // The documentation asks for room for 13 characters including the terminator; allow more.
        try string(capacity: 64, "cuDeviceGetPCIBusId") { cuDeviceGetPCIBusId($0, $1, device) }
    }

    /// The device's total memory in bytes.
    public func totalMemory(of device: Int32) throws(DeviceMemoryError) -> Int {
        var bytes = 0
        try check(cuDeviceTotalMem(&bytes, device), "cuDeviceTotalMem_v2")
        return bytes
    }

    /// The compute capability as "major.minor", such as "9.0" for Hopper.
    public func computeCapability(of device: Int32) throws(DeviceMemoryError) -> String {
        var major: Int32 = 0
        var minor: Int32 = 0
        try check(
            cuDeviceGetAttribute(&major, CUDADriver.attributeComputeCapabilityMajor, device),
            "cuDeviceGetAttribute(COMPUTE_CAPABILITY_MAJOR)")
        try check(
            cuDeviceGetAttribute(&minor, CUDADriver.attributeComputeCapabilityMinor, device),
            "cuDeviceGetAttribute(COMPUTE_CAPABILITY_MINOR)")
        return "\(major).\(minor)"
    }

    /// Calls a C function that writes a NUL-terminated string into a caller-provided buffer.
    ///
    /// The buffer is zeroed and its last byte is never offered to the callee, so the result is
    /// terminated even if the driver fills every byte it was given.
    private func string(
        capacity: Int, _ what: String,
        _ body: (UnsafeMutablePointer<CChar>, Int32) -> Int32
    ) throws(DeviceMemoryError) -> String {
        var buffer = [CChar](repeating: 0, count: capacity)
        let result = buffer.withUnsafeMutableBufferPointer { body($0.baseAddress!, Int32(capacity - 1)) }
        try check(result, what)
        return cStringValue(buffer)
    }
}

/// The text of a NUL-terminated C string held in `buffer` (up to the first NUL, or all of it).
func cStringValue(_ buffer: [CChar]) -> String {
    let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
    return String(decoding: bytes, as: UTF8.self)
}

/// An environment variable's value, or `nil` when unset.
func environment(_ name: String) -> String? {
    guard let value = getenv(name) else { return nil }
    return String(cString: value)
}
