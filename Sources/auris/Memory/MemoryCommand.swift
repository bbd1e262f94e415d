import ArgumentParser
import DeviceMemory
import Foundation
import GPU
import Service

/// `auris memory`: every device with the allocator's statistics and the device's own figures.
struct MemoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "memory",
        abstract: "Show every device's memory: device total and free, allocator statistics, and per-process GPU use.",
        discussion: "The allocator is configured by AURIS_ALLOC_CONF (for example max_split_size_mb:128,garbage_collection_threshold:0.8).",
        subcommands: [ReportCommand.self, SelfTestCommand.self],
        defaultSubcommand: ReportCommand.self
    )
}

/// `auris memory` (the default): the report.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Show every device's memory (the default)."
    )

    @Flag(name: .long, help: "Print JSON (snake_case keys, sizes in bytes).")
    var json = false

    @Option(help: "Ask a running server (e.g. http://127.0.0.1:8080) instead of this process.")
    var server: String?

    func run() async throws {
        if let server {
            let data = try await ServerClient(server).send("GET", "api/system/memory")
            if json {
                print(String(decoding: data, as: UTF8.self))
            } else {
                print(try JSONDecoder().decode(MemoryReport.self, from: data).text)
            }
            return
        }
        let report = MemoryReport(allocators: try localAllocators())
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print(report.text)
        }
    }

    private func localAllocators() throws -> DeviceAllocators {
        do throws(DeviceMemoryError) {
            let configuration = try AllocatorConfiguration.fromEnvironment(ProcessInfo.processInfo.environment)
            return try DeviceAllocators(configuration: configuration)
        } catch {
            throw UserError(error.message)
        }
    }
}
