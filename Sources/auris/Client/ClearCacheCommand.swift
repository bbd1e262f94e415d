import ArgumentParser
import DeviceMemory
import Foundation
import Service

/// `auris clear-cache`: asks a running server to release its cached device memory, and shows
/// allocated and reserved before and after on every device.
struct ClearCacheCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clear-cache",
        abstract: "Release a running server's cached device memory (optionally unloading models first).")

    @Option(help: "The server.")
    var server = "http://127.0.0.1:8080"

    @Flag(name: .customLong("unload-models"), help: "Unload every idle model first.")
    var unloadModels = false

    @Flag(help: "Print the server's JSON answer.")
    var json = false

    func run() async throws {
        let path = unloadModels ? "api/system/unload_and_clear" : "api/system/clear_cache"
        let data = try await ServerClient(server).send("POST", path)
        if json {
            print(String(decoding: data, as: UTF8.self))
            return
        }
        let result = try JSONDecoder().decode(MemoryControl.ClearCacheResult.self, from: data)
        if let models = result.unloadedModels {
            print(models.isEmpty ? "no idle model to unload" : "unloaded: \(models.joined(separator: ", "))")
        }
        for report in result.devices {
            print("\(report.device): reserved \(ByteCount(report.before.reservedBytes)) → \(ByteCount(report.after.reservedBytes)), "
                + "allocated \(ByteCount(report.before.allocatedBytes)) → \(ByteCount(report.after.allocatedBytes)); "
                + "released \(ByteCount(report.releasedBytes)) in \(report.releasedSegments) segment(s), "
                + String(format: "%.2f ms", report.durationMilliseconds))
        }
        if !result.cudaAvailable { print(result.cudaUnavailableReason ?? "CUDA is not available") }
    }
}
