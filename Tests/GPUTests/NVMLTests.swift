import DeviceMemory
import Foundation
import GPU
import Testing

@Suite("NVML")
struct NVMLTests {
    @Test("cuda:0 is reported, or refused with a reason, never a crash")
    func deviceZero() {
        switch NVML.deviceMemory(index: 0) {
        case .success(let memory):
            // NVML can succeed even where CUDA cannot (CUDA_VISIBLE_DEVICES="" hides every GPU
            // from CUDA but not from NVML), so success is not tied to discovery's answer.
            #expect(memory.totalBytes > 0)
            #expect(memory.freeBytes <= memory.totalBytes)
            #expect(memory.usedBytes <= memory.totalBytes)
            #expect(!memory.name.isEmpty)
            #expect(memory.uuid.hasPrefix("GPU-") || memory.uuid.hasPrefix("MIG-"), "uuid \(memory.uuid)")
            for process in memory.processes { #expect(process.pid > 0) }
        case .failure(let error):
            #expect(!error.message.isEmpty)
            if GPUPresence.hasCUDADevice {
                // A GPU machine may still lack libnvidia-ml (for example a container started
                // without the utility capability); anything else is a real failure.
                #expect(error.code == .unavailable, "\(error.message)")
                #expect(NVML.unavailableReason != nil)
            } else {
                #expect(error.code == .unavailable || error.code == .invalidDevice, "\(error.message)")
            }
        }
    }

    @Test("where NVML cannot load, queries fail as unavailable with the reason",
          .enabled(if: NVML.unavailableReason != nil, "NVML loads on this machine"))
    func unavailable() throws {
        let reason = try #require(NVML.unavailableReason)
        #expect(reason.hasPrefix("NVML is not available: "))
        guard case .failure(let error) = NVML.deviceMemory(index: 0) else {
            Issue.record("NVML reported a device although it is unavailable")
            return
        }
        #expect(error.code == .unavailable)
        #expect(error.message == reason)
    }

    @Test("a negative ordinal is refused")
    func negativeIndex() {
        guard case .failure(let error) = NVML.deviceMemory(index: -1) else {
            Issue.record("NVML accepted cuda:-1")
            return
        }
        #expect(error.code == .invalidDevice || error.code == .unavailable)
    }

    @Test("reports encode with snake_case keys and an explicit null for unknown sizes")
    func json() throws {
        let report = NVMLDeviceMemory(
            name: "NVIDIA H200", uuid: "GPU-00000000-0000-0000-0000-000000000000",
            totalBytes: 100, freeBytes: 60, usedBytes: 40,
            processes: [GPUProcessUsage(pid: 42, name: "python3", usedBytes: 30),
                        GPUProcessUsage(pid: 43, name: "", usedBytes: nil)])
        let json = String(decoding: try JSONEncoder().encode(report), as: UTF8.self)
        for key in ["\"total_bytes\":100", "\"free_bytes\":60", "\"used_bytes\":40", "\"uuid\"", "\"pid\":42",
                    "\"used_bytes\":30", "\"used_bytes\":null", "\"name\":\"python3\""] {
            #expect(json.contains(key), "missing \(key) in \(json)")
        }
        #expect(try JSONDecoder().decode(NVMLDeviceMemory.self, from: Data(json.utf8)) == report)
    }
}
