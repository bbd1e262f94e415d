import ArgumentParser
import DeviceMemory
import Foundation
import GPU
import Hummingbird
import Logging
import Server
import Service
import SharedStore
import Tensor

/// `auris serve`: the speech-recognition server.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the Auris server (HTTP API and memory management).")

    @Option(help: "Address to listen on. The default answers this machine only.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on.")
    var port = 8080

    @Option(name: .customLong("data-dir"), help: "Where jobs, history, the audit log and policies are kept (auris.sqlite, policies.json).")
    var dataDirectory = "data"

    @Option(help: "Devices the engine runs on, comma-separated, one worker each: cpu, cuda:N, or gpus for every NVIDIA GPU.")
    var device = "cpu"

    @Option(name: .customLong("models-dir"), help: "Folder whose sub-folders are models.")
    var modelsDirectory = "models"

    @Option(help: "Default model: a folder name in --models-dir, or a path to a model directory.")
    var model = "whisper-tiny.en"

    @Option(name: .customLong("max-upload-mb"), help: "Largest accepted upload, in MiB.")
    var maxUploadMegabytes = 2048

    @Option(name: .customLong("keep-alive"), help: "Seconds an unused model stays loaded (negative: until unloaded).")
    var keepAlive: Double = 300

    @Option(name: .customLong("compute-type"),
            help: "How models' weights are held and multiplied unless a request says: float32, float16 or int8. Default: each device's (float16 on the CPU, float32 on a GPU).")
    var computeType: ComputeType?

    @Option(help: "CPU threads for the engine.")
    var threads = min(4, ProcessInfo.processInfo.activeProcessorCount)

    @Option(name: .customLong("history-days"), help: "Delete finished jobs this many days after they finished (default: keep).")
    var historyDays: Double?

    @Option(name: .customLong("audit-days"), help: "Delete audit entries after this many days (0: keep them all).")
    var auditDays: Double = 365

    @Option(name: .customLong("host-memory-mb"), help: "Cap the host device's memory at this many MiB (default: the machine's).")
    var hostMemoryMegabytes: Int?

    @Option(name: .customLong("max-live-streams"), help: "Live recognition streams (/api/stream) open at once, at most; each keeps about a core busy while someone speaks.")
    var maxLiveStreams = 4

    @Option(help: "A PostgreSQL database shared by several Auris workers, as postgres://user[:password]@host[:port]/database (also AURIS_DATABASE; a password is better in the environment than in `ps`). Default: SQLite in --data-dir, for one machine.")
    var database: String?

    @Option(name: .customLong("lease-seconds"), help: "With --database: how long a worker's claim on a job holds without renewal (renewed every third of it); a dead worker's job runs elsewhere after this.")
    var leaseSeconds = 15.0

    @Option(name: .customLong("max-database-audio-mb"), help: "With --database and no --spool-dir: uploads are kept in the database for any worker to read, up to this many MiB each.")
    var maxDatabaseAudioMegabytes = 256

    @Option(name: .customLong("spool-dir"), help: "Where uploads wait for a worker: with --database, a folder every worker sees at the same path (an NFS mount). Default: --data-dir/jobs.")
    var spoolDirectory: String?

    func run() async throws {
        CHeap.configureForLongRunningProcess()   // Note [A C heap that does not creep]
        var logger = Logger(label: "auris")
        logger.logLevel = .info
        let configuration = try makeConfiguration()
        if let faults = configuration.outOfMemoryFaults {
            logger.warning("failing a share of device allocations on purpose, a test hook (Note [Failing on purpose])",
                           metadata: [OutOfMemoryFaults.environmentVariable: "\(faults.fraction)", "seed": "\(faults.seed)"])
        }
        let app = try await buildApplication(configuration, logger: logger)
        try await app.runService()
    }

    private func makeConfiguration() throws -> ServerConfiguration {
        let environment = ProcessInfo.processInfo.environment
        if let historyDays, !(historyDays > 0) { throw UserError("--history-days must be a positive number of days") }
        guard let keepAlive = KeepAlive(requestSeconds: keepAlive) else {
            throw UserError("--keep-alive must be a number of seconds up to a year (\(Int(KeepAlive.longestSeconds))), or negative to keep models until unloaded")
        }
        guard maxUploadMegabytes > 0 else { throw UserError("--max-upload-mb must be a positive number of MiB") }
        guard auditDays >= 0 else { throw UserError("--audit-days must be 0 (keep everything) or a positive number of days") }
        guard maxLiveStreams >= 0 else { throw UserError("--max-live-streams must be 0 (no live recognition) or more") }
        let parsedDevices: [DeviceID], allocatorConfiguration: AllocatorConfiguration, faults: OutOfMemoryFaults?
        do throws(DeviceMemoryError) {
            parsedDevices = try Self.devices(device)
            allocatorConfiguration = try AllocatorConfiguration.fromEnvironment(environment)
            faults = try OutOfMemoryFaults.fromEnvironment(environment)
        } catch {
            throw UserError(error.message)
        }
        var configuration = ServerConfiguration(
            host: host, port: port, dataDirectory: URL(fileURLWithPath: dataDirectory),
            device: parsedDevices[0], moreDevices: Array(parsedDevices.dropFirst()), modelsDirectory: URL(fileURLWithPath: modelsDirectory),
            defaultModel: model, maxUploadBytes: maxUploadMegabytes << 20,
            // A token on the command line would show in `ps`; it comes from the environment.
            adminToken: environment["AURIS_ADMIN_TOKEN"].flatMap { $0.isEmpty ? nil : $0 },
            keepAlive: keepAlive, threads: threads, computeType: computeType,
            allocatorConfiguration: allocatorConfiguration, hostCapacityBytes: hostMemoryMegabytes.map { $0 << 20 },
            outOfMemoryFaults: faults, historyRetentionDays: historyDays, auditRetentionDays: auditDays > 0 ? auditDays : nil)
        configuration.liveStreamLimit = maxLiveStreams
        if let database = database ?? environment["AURIS_DATABASE"].flatMap({ $0.isEmpty ? nil : $0 }) {
            do { configuration.database = try DatabaseAddress(parsing: database) } catch { throw UserError(error.message) }
        }
        configuration.spoolDirectory = spoolDirectory.map { URL(fileURLWithPath: $0) }
        guard leaseSeconds >= 1, leaseSeconds <= 3600 else { throw UserError("--lease-seconds must be between 1 and 3600") }
        configuration.leaseSeconds = leaseSeconds
        guard maxDatabaseAudioMegabytes > 0 else { throw UserError("--max-database-audio-mb must be a positive number of MiB") }
        configuration.databaseAudioLimitBytes = maxDatabaseAudioMegabytes << 20
        return configuration
    }

    /// `cpu`, `cuda:1`, `cuda:0,cuda:1`, or `gpus` for every GPU discovery finds.
    static func devices(_ text: String) throws(DeviceMemoryError) -> [DeviceID] {
        if text == "gpus" {
            let inventory = DeviceDiscovery.discover()
            guard !inventory.cuda.isEmpty else {
                throw DeviceMemoryError(.invalidDevice, "--device gpus: \(inventory.cudaUnavailableReason ?? "no CUDA devices")")
            }
            return inventory.cuda.map(\.id)
        }
        var devices: [DeviceID] = []
        for part in text.split(separator: ",") {
            devices.append(try DeviceID(parsing: part.trimmingCharacters(in: .whitespaces)))
        }
        guard !devices.isEmpty else { throw DeviceMemoryError(.invalidDevice, "--device needs at least one device") }
        return devices
    }
}
