import DeviceMemory

extension MemoryReport {
    /// The report for a terminal: one block per device, figures in human units.
    public var text: String {
        var lines: [String] = []
        let configuration = allocatorConfiguration
        lines.append("Allocator: max_split_size \(configuration.maxSplitSize.map { "\(ByteCount($0))" } ?? "unlimited"), "
            + "garbage_collection_threshold \(configuration.garbageCollectionThreshold.map { "\($0)" } ?? "off"), "
            + "memory_fraction \(configuration.memoryFraction)")
        lines.append(cudaAvailable ? "CUDA: available" : (cudaUnavailableReason ?? "CUDA is not available"))
        for device in devices {
            lines.append("")
            let capability = device.computeCapability.map { " (compute capability \($0))" } ?? ""
            lines.append("\(device.device)  \(device.name)\(capability)")
            let memory = device.memory
            lines.append("  device     total \(ByteCount(memory.totalBytes))  free \(ByteCount(memory.freeBytes))  used \(ByteCount(memory.usedBytes))")
            if device.allocatorOpen {
                let stats = device.stats
                lines.append("  allocator  allocated \(ByteCount(device.allocatedBytes))  reserved \(ByteCount(device.reservedBytes))"
                    + "  cached \(ByteCount(stats.cachedBytes))  fragmentation \(percent(device.fragmentation))")
                lines.append("             segments \(stats.segment.all.current) (small \(stats.segment.smallPool.current), large \(stats.segment.largePool.current))"
                    + "  peak reserved \(ByteCount(stats.reservedBytes.all.peak))  retries \(stats.numAllocRetries)  OOMs \(stats.numOOMs)")
            } else {
                lines.append("  allocator  not opened by this process (it holds no memory here)")
            }
            if let pinned = device.pinnedHostBytes, pinned > 0 {
                lines.append("  pinned     \(ByteCount(pinned)) of page-locked host memory for transfers")
            }
            if let processes = device.processes {
                lines.append(processes.isEmpty ? "  processes  none using this device" : "  processes")
                for process in processes {
                    let used = process.usedBytes.map { "\(ByteCount($0))" } ?? "unknown"
                    lines.append("    pid \(process.pid)  \(process.name.isEmpty ? "?" : process.name)  \(used)")
                }
            }
        }
        return lines.joined(separator: "\n")
    }

    private func percent(_ fraction: Double) -> String {
        "\(Int((fraction * 1000).rounded()) / 10).\(Int((fraction * 1000).rounded()) % 10)%"
    }
}
