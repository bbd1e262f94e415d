import DeviceMemory
import Foundation

/// The Prometheus text exposition of Auris's memory and job figures (`GET /metrics`), with the
/// allocator's PyTorch names so that dashboards built for PyTorch map over directly.
public enum PrometheusExposition {
    public static func render(memory: MemoryReport, models: [ModelInfo], jobs: JobMetrics.Snapshot) -> String {
        var lines: [String] = []
        func metric(_ name: String, _ type: String, _ help: String, _ samples: [(labels: String, value: String)]) {
            lines.append("# HELP \(name) \(help)")
            lines.append("# TYPE \(name) \(type)")
            for sample in samples { lines.append("\(name)\(sample.labels) \(sample.value)") }
        }
        func perDevice(_ value: (DeviceReport) -> Int) -> [(labels: String, value: String)] {
            memory.devices.map { ("{device=\"\($0.device)\"}", "\(value($0))") }
        }
        metric("auris_allocated_bytes", "gauge", "Bytes held by live tensors (allocated_bytes.all.current).", perDevice(\.allocatedBytes))
        metric("auris_reserved_bytes", "gauge", "Bytes the caching allocator holds from the device (reserved_bytes.all.current).", perDevice(\.reservedBytes))
        metric("auris_reserved_peak_bytes", "gauge", "Peak reserved bytes since the last peak reset.", perDevice { $0.stats.reservedBytes.all.peak })
        metric("auris_inactive_split_bytes", "gauge", "Cached bytes trapped in partly used segments (fragmentation).", perDevice { $0.stats.inactiveSplitBytes.all.current })
        metric("auris_device_total_bytes", "gauge", "Device memory in all, as the device reports it.", perDevice { $0.memory.totalBytes })
        metric("auris_device_used_bytes", "gauge", "Device memory in use by every process, as the device reports it.", perDevice { $0.memory.usedBytes })
        metric("auris_allocator_ooms_total", "counter", "Requests that failed even after releasing the cache (num_ooms).", perDevice { $0.stats.numOOMs })
        metric("auris_allocator_retries_total", "counter", "Cache releases to retry a failed device allocation (num_alloc_retries).", perDevice { $0.stats.numAllocRetries })
        let faulted = memory.devices.filter { $0.injectedOutOfMemoryFaults != nil }
        if !faulted.isEmpty {
            metric("auris_injected_oom_faults_total", "counter", "Device allocations failed on purpose by AURIS_FAULT_OOM (a test hook).",
                   faulted.map { ("{device=\"\($0.device)\"}", "\($0.injectedOutOfMemoryFaults ?? 0)") })
        }
        metric("auris_empty_cache_total", "counter", "Cache releases, manual and automatic.", perDevice { $0.stats.numEmptyCache })
        metric("auris_models_loaded", "gauge", "Models resident on the device.", memory.devices.map { device in
            ("{device=\"\(device.device)\"}", "\(models.filter { $0.loaded && $0.device == device.device }.count)")
        })
        metric("auris_transcriptions_total", "counter", "Transcription jobs by outcome.",
               [("{outcome=\"ok\"}", "\(jobs.succeeded)"), ("{outcome=\"error\"}", "\(jobs.failed)")])
        metric("auris_audio_seconds_total", "counter", "Seconds of audio transcribed.", [("", "\(jobs.audioSeconds)")])
        metric("auris_job_out_of_memory_total", "counter", "Jobs that met out of memory, by whether their second run finished.",
               [("{outcome=\"recovered\"}", "\(jobs.outOfMemoryRecovered)"), ("{outcome=\"failed\"}", "\(jobs.outOfMemoryFailed)")])
        lines.append("# HELP auris_transcription_seconds Time to transcribe one job.")
        lines.append("# TYPE auris_transcription_seconds histogram")
        lines += jobs.duration.lines("auris_transcription_seconds")
        func perModel(_ name: String, _ help: String, _ histogram: (JobMetrics.ModelMemory) -> Histogram) {
            guard !jobs.memory.isEmpty else { return }
            lines.append("# HELP \(name) \(help)")
            lines.append("# TYPE \(name) histogram")
            for model in jobs.memory.keys.sorted() { lines += histogram(jobs.memory[model]!).lines(name, labels: "model=\"\(model)\"") }
        }
        perModel("auris_job_peak_allocated_bytes", "Per job: the most it held allocated above the bytes allocated at its start.", \.peakAllocatedBytes)
        perModel("auris_job_peak_reserved_bytes", "Per job: how far reserved bytes rose above their level at its start.", \.peakReservedBytes)
        perModel("auris_job_cache_growth_bytes", "Per job: reserved bytes it left in the cache.", \.cacheGrowthBytes)
        perModel("auris_job_memory_wait_seconds", "Per job: time spent freeing memory before it could run.", \.waitSeconds)
        return lines.joined(separator: "\n") + "\n"
    }
}
