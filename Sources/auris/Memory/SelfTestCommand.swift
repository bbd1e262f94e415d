import ArgumentParser
import DeviceMemory
import DeviceMemoryConformance
import Foundation
import GPU

/// `auris memory self-test`: the allocator conformance suite on this machine's devices, so an
/// operator (or a GPU machine without a Swift toolchain) can check the allocator where it runs.
struct SelfTestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "self-test",
        abstract: "Run the allocator conformance suite on a device (cpu, cuda:N) and report each check."
    )

    @Option(name: .long, help: "Devices to check; every device of the machine by default.")
    var device: [String] = []

    @Option(name: .long, help: "Random operation sequences to replay per device, in addition to the named checks.")
    var sequences = 20

    func run() throws {
        var passed = 0, failed = 0
        for device in try devices() {
            let suite = ConformanceSuite(name: device.description) { () throws -> any MemoryBackend in
                if device.kind == .cpu { return HostMemory() }
                return try DeviceDiscovery.makeBackend(for: device)
            }
            var checks: [(name: String, run: @Sendable () throws -> Void)] = suite.checks
            for seed in 1...max(1, sequences) {
                // Seeds after the suite's own (which replays seed 1).
                checks.append(("random sequence \(seed + 1)", { try suite.replayRandom(seed: UInt64(seed + 1), count: 200) }))
            }
            for check in checks {
                let start = Date()
                do {
                    try check.run()
                    passed += 1
                    print("ok    \(device)  \(check.name)  (\(Int(Date().timeIntervalSince(start) * 1000)) ms)")
                } catch {
                    failed += 1
                    print("FAIL  \(device)  \(check.name): \(error)")
                }
            }
        }
        print("self-test: \(passed) passed, \(failed) failed")
        if failed > 0 { throw ExitCode.failure }
    }
}

extension SelfTestCommand {
    /// The devices named with --device, or every device of the machine.
    func devices() throws -> [DeviceID] {
        let inventory = DeviceDiscovery.discover()
        let available = [DeviceID.cpu] + inventory.cuda.map(\.id)
        guard !device.isEmpty else { return available }
        return try device.map { text in
            let parsed: DeviceID
            do throws(DeviceMemoryError) { parsed = try DeviceID(parsing: text) } catch { throw UserError(error.message) }
            guard available.contains(parsed) else {
                throw UserError("\(parsed) is not available on this machine\(inventory.cudaUnavailableReason.map { ": \($0)" } ?? "")")
            }
            return parsed
        }
    }
}
