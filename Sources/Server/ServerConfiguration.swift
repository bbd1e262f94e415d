import Foundation
import Service
import SharedStore

/// Everything `auris serve` can be told, with the defaults a newcomer wants: the local machine
/// only, the CPU, the models folder of the checkout.
public struct ServerConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// Holds the store (`auris.sqlite`: jobs, history, audit), the policies, queued audio and
    /// uploads in flight.
    public var dataDirectory: URL
    /// The devices the engine runs on, one worker each; the first also holds the models that
    /// `/api/models` loads by default.
    public var devices: [DeviceID]
    /// The first serving device.
    public var device: DeviceID {
        get { devices[0] }
        set { devices[0] = newValue }
    }
    /// Every sub-folder with a model.bin is a model, named by the folder.
    public var modelsDirectory: URL
    /// The model used when a request names none (a folder name, or a path to a model).
    public var defaultModel: String
    public var maxUploadBytes: Int
    /// Remote callers may use the admin routes only with this bearer token; nil = local only.
    public var adminToken: String?
    /// How long an unused model stays loaded.
    public var keepAlive: KeepAlive
    public var threads: Int
    /// The compute type models load in unless a request asks for another; nil = each device's
    /// default (float16 on the CPU, float32 on a GPU).
    public var computeType: ComputeType?
    public var allocatorConfiguration: AllocatorConfiguration
    /// Caps the host device (`cpu`) at this many bytes, as if it were a device of that size;
    /// nil = the machine's memory.
    public var hostCapacityBytes: Int?
    /// Fails a share of device allocations on purpose (`AURIS_FAULT_OOM`, a test hook); nil = off.
    public var outOfMemoryFaults: OutOfMemoryFaults?
    /// Finished jobs are deleted this many days after they finished; nil keeps them.
    public var historyRetentionDays: Double?
    /// Audit entries are deleted after this many days; nil keeps them.
    public var auditRetentionDays: Double?
    /// Live streams (`/api/stream`) open at once, at most.
    public var liveStreamLimit = 4
    /// The PostgreSQL database shared with other workers (`--database`); nil = SQLite in the
    /// data directory, for one machine.
    public var database: DatabaseAddress?
    /// Where uploads wait for a worker (`--spool-dir`), a folder every worker sees; nil = the
    /// data directory's `jobs`.
    public var spoolDirectory: URL?
    /// How long a claim on a job holds without renewal, with a shared database (Note [Leases]).
    public var leaseSeconds = 15.0
    /// With a database and no spool folder, the largest upload kept in the database.
    public var databaseAudioLimitBytes = 256 << 20

    public init(
        host: String = "127.0.0.1", port: Int = 8080,
        dataDirectory: URL = URL(fileURLWithPath: "data"), device: DeviceID? = nil, moreDevices: [DeviceID] = [],
        modelsDirectory: URL = URL(fileURLWithPath: "models"), defaultModel: String = "whisper-tiny.en",
        maxUploadBytes: Int = 2 << 30, adminToken: String? = nil, keepAlive: KeepAlive = .seconds(300),
        threads: Int = min(4, ProcessInfo.processInfo.activeProcessorCount),
        computeType: ComputeType? = nil,
        allocatorConfiguration: AllocatorConfiguration? = nil,
        hostCapacityBytes: Int? = nil,
        outOfMemoryFaults: OutOfMemoryFaults? = nil,
        historyRetentionDays: Double? = nil,
        auditRetentionDays: Double? = 365
    ) {
        self.host = host
        self.port = port
        self.dataDirectory = dataDirectory
        // The defaults are written here, not as default arguments, which would have to name the
        // device-memory module this file does not import.
        let device = device ?? .cpu
        self.devices = [device] + moreDevices.filter { $0 != device }
        self.modelsDirectory = modelsDirectory
        self.defaultModel = defaultModel
        self.maxUploadBytes = maxUploadBytes
        self.adminToken = adminToken
        self.keepAlive = keepAlive
        self.threads = threads
        self.computeType = computeType
        self.allocatorConfiguration = allocatorConfiguration ?? .default
        self.hostCapacityBytes = hostCapacityBytes
        self.outOfMemoryFaults = outOfMemoryFaults
        self.historyRetentionDays = historyRetentionDays
        self.auditRetentionDays = auditRetentionDays
    }

    /// The service's part of it.
    public var serviceConfiguration: ServiceConfiguration {
        ServiceConfiguration(
            devices: devices, modelsDirectory: modelsDirectory, defaultModel: defaultModel, dataDirectory: dataDirectory,
            threads: threads, computeType: computeType, keepAlive: keepAlive,
            allocatorConfiguration: allocatorConfiguration, hostCapacityBytes: hostCapacityBytes,
            outOfMemoryFaults: outOfMemoryFaults, liveStreamLimit: liveStreamLimit,
            workerName: workerName, workerURL: "http://\(["0.0.0.0", "::"].contains(host) ? ProcessInfo.processInfo.hostName : host):\(port)",
            spoolDirectory: spoolDirectory)
    }

    /// This worker's name among several sharing a database: stable across restarts (Note [Leases]).
    public var workerName: String { "\(ProcessInfo.processInfo.hostName):\(port)" }

    /// The shared store's settings (docs/scale-out.md).
    public var sharedStoreSettings: PostgresStore.Settings {
        PostgresStore.Settings(worker: workerName, lease: .milliseconds(Int(leaseSeconds * 1000)),
                               audioInDatabaseLimit: spoolDirectory == nil ? databaseAudioLimitBytes : nil)
    }
}
