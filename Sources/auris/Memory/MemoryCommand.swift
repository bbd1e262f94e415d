import ArgumentParser
import DeviceMemory
import Foundation
import GPU
import Service

/// `auris memory`: every device with the allocator's statistics and the device's own figures.
struct MemoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "memory",
        abstract: "Show every device's memory: device total and free, allocator statistics, and per-process GPU use.",
        discussion: "The allocator is configured by AURIS_ALLOC_CONF (for example max_split_size_mb:128,garbage_collection_threshold:0.8).",
        subcommands: [ReportCommand.self, SelfTestCommand.self],
        defaultSubcommand: ReportCommand.self
    )
}

/// `auris memory` (the default): the report.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Show every device's memory (the default)."
    )

    @Flag(name: .long, help: "Print JSON (snake_case keys, sizes in bytes).")
    var json = false

    func run() throws {
        let allocators: DeviceAllocators
        do {
            let configuration = try AllocatorConfiguration.fromEnvironment(ProcessInfo.processInfo.environment)
            allocators = try DeviceAllocators(configuration: configuration)
        } catch {
            throw UserError(error.message)
        }
        let report = MemoryReport(allocators: allocators)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print(report.text)
        }
    }
}
