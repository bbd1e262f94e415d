extension MemoryStats {
    /// The statistics as PyTorch's flat dictionary: `allocated_bytes.all.current`,
    /// `reserved_bytes.large_pool.peak`, `num_alloc_retries`, ... — the form Prometheus
    /// exporters and existing dashboards expect.
    public func flattened() -> [String: Int] {
        var result: [String: Int] = [:]
        let arrays: [(String, StatArray)] = [
            ("allocation", allocation), ("segment", segment), ("active", active),
            ("inactive_split", inactiveSplit), ("allocated_bytes", allocatedBytes),
            ("reserved_bytes", reservedBytes), ("active_bytes", activeBytes),
            ("inactive_split_bytes", inactiveSplitBytes), ("requested_bytes", requestedBytes),
        ]
        for (name, array) in arrays {
            for (poolName, stat) in [("all", array.all), ("small_pool", array.smallPool), ("large_pool", array.largePool)] {
                add(stat, "\(name).\(poolName)", to: &result)
            }
        }
        add(oversizeAllocations, "oversize_allocations", to: &result)
        add(oversizeSegments, "oversize_segments", to: &result)
        result["num_alloc_retries"] = numAllocRetries
        result["num_ooms"] = numOOMs
        result["num_device_alloc"] = numDeviceAlloc
        result["num_device_free"] = numDeviceFree
        result["num_empty_cache"] = numEmptyCache
        result["num_garbage_collections"] = numGarbageCollections
        return result
    }

    private func add(_ stat: Stat, _ prefix: String, to result: inout [String: Int]) {
        result["\(prefix).current"] = stat.current
        result["\(prefix).peak"] = stat.peak
        result["\(prefix).allocated"] = stat.allocated
        result["\(prefix).freed"] = stat.freed
    }
}
