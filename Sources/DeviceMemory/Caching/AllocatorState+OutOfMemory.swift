extension AllocatorState {
    /// The message users see when memory really is exhausted: where every byte is, and what
    /// they can do about it.
    func outOfMemoryError(requested: Int) -> DeviceMemoryError {
        let device = backend.memoryInfo()
        let allocated = stats.allocatedBytes.all.current
        let reserved = stats.reservedBytes.all.current
        let cached = reserved - allocated
        var message = "Out of memory on \(backend.device) (\(backend.deviceName)): tried to allocate \(ByteCount(requested)). "
        message += "The device has a total capacity of \(ByteCount(device.totalBytes)), of which \(ByteCount(device.freeBytes)) is free. "
        message += "Of the memory Auris holds, \(ByteCount(allocated)) is allocated to live tensors and \(ByteCount(cached)) is reserved but unallocated (cached)."
        if configuration.memoryFraction < 1 {
            message += " This allocator may use at most \(ByteCount(allowedMaximumBytes)) (memory_fraction \(configuration.memoryFraction))."
        }
        if cached > requested {
            message += " The cached memory is fragmented: set max_split_size_mb in \(AllocatorConfiguration.environmentVariable) to reduce fragmentation."
        }
        message += " To free memory: unload models you are not using, transcribe shorter inputs or fewer at once, or use a device with more memory."
        return DeviceMemoryError(.outOfMemory, message)
    }
}

/// A byte count in human units (B, KiB, MiB, GiB) for messages.
public struct ByteCount: CustomStringConvertible, Sendable {
    public let bytes: Int
    public init(_ bytes: Int) { self.bytes = bytes }

    public var description: String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(bytes)
        var unit = 0
        while abs(value) >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        if unit == 0 { return "\(bytes) B" }
        let hundredths = Int((value * 100).rounded())
        let fraction = abs(hundredths % 100)
        return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction) \(units[unit])"
    }
}
