import DeviceMemory
import Foundation
import GPU
import Testing

@Suite("Device discovery")
struct DeviceDiscoveryTests {
    @Test("without a driver, discovery finds no CUDA devices and says why",
          .enabled(if: !GPUPresence.hasCUDADevice, GPUPresence.gpuPresentReason))
    func noDriver() {
        let inventory = DeviceDiscovery.discover()
        #expect(inventory.cuda.isEmpty)
        #expect(inventory.cudaUnavailableReason?.hasPrefix("CUDA is not available: ") == true,
                "reason: \(inventory.cudaUnavailableReason ?? "nil")")
    }

    @Test("with a GPU, every device is described", .enabled(if: GPUPresence.hasCUDADevice, GPUPresence.noGPUReason))
    func describesDevices() {
        let inventory = DeviceDiscovery.discover()
        #expect(inventory.cudaUnavailableReason == nil)
        for (index, device) in inventory.cuda.enumerated() {
            #expect(device.id == .cuda(index))
            #expect(!device.name.isEmpty)
            #expect(device.totalBytes > 0)
            #expect(Self.isVersion(device.computeCapability), "compute capability \(device.computeCapability)")
            #expect(Self.isVersion(device.driverVersion), "driver version \(device.driverVersion)")
        }
    }

    @Test("a second discovery is cheap and identical")
    func discoverTwice() {
        let first = DeviceDiscovery.discover()
        let clock = ContinuousClock()
        var second = first
        let elapsed = clock.measure { second = DeviceDiscovery.discover() }
        #expect(first == second)
        #expect(elapsed < .milliseconds(50))
    }

    @Test("the inventory encodes with snake_case keys")
    func inventoryJSON() throws {
        let inventory = DeviceInventory(
            cuda: [CUDADeviceDescription(id: .cuda(0), name: "NVIDIA H200", totalBytes: 150_000_000_000,
                                         computeCapability: "9.0", driverVersion: "13.0")],
            cudaUnavailableReason: nil)
        let json = String(decoding: try JSONEncoder().encode(inventory), as: UTF8.self)
        #expect(json.contains("\"total_bytes\":150000000000"))
        #expect(json.contains("\"compute_capability\":\"9.0\""))
        #expect(json.contains("\"driver_version\":\"13.0\""))
        #expect(json.contains("\"id\":\"cuda:0\""))
        #expect(try JSONDecoder().decode(DeviceInventory.self, from: Data(json.utf8)) == inventory)
    }

    @Test("makeBackend refuses the host")
    func backendForCPU() {
        do throws(DeviceMemoryError) {
            _ = try DeviceDiscovery.makeBackend(for: .cpu)
            Issue.record("expected makeBackend(for: .cpu) to throw")
        } catch {
            #expect(error.code == .invalidDevice)
        }
    }

    @Test("makeBackend refuses an ordinal beyond the devices present")
    func backendForMissingOrdinal() {
        do throws(DeviceMemoryError) {
            _ = try DeviceDiscovery.makeBackend(for: .cuda(999))
            Issue.record("expected makeBackend(for: cuda:999) to throw")
        } catch {
            // With devices, the ordinal is wrong and the message names it; without, the driver is
            // usually missing, though a driver reporting zero devices is an invalid ordinal too.
            if GPUPresence.hasCUDADevice {
                #expect(error.code == .invalidDevice)
                #expect(error.message.contains("cuda:999"))
            } else {
                #expect(error.code == .unavailable || error.code == .invalidDevice)
            }
        }
    }

    static func isVersion(_ text: String) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 2 && parts.allSatisfy { !$0.isEmpty && $0.allSatisfy(\.isNumber) }
    }
}
