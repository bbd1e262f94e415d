import Foundation
import Logging
import Tensor

/// What the service needs to know to start: devices, models, where its data lives, and how the
/// engine and memory care behave by default.
public struct ServiceConfiguration: Sendable {
    public var devices: [DeviceID]
    /// Every sub-folder with a model.bin is a model, named by the folder.
    public var modelsDirectory: URL
    /// The model used when a request names none (a folder name, or a path to a model).
    public var defaultModel: String
    /// Holds the store (`auris.sqlite`), the policies and queued audio.
    public var dataDirectory: URL
    public var threads: Int
    /// nil = each device's default (float16 on the CPU, float32 on a GPU).
    public var computeType: ComputeType?
    /// How long an unused model stays loaded (also the idle-unload policy's default).
    public var keepAlive: KeepAlive
    public var allocatorConfiguration: AllocatorConfiguration
    /// Caps the host device at this many bytes; nil = the machine's memory.
    public var hostCapacityBytes: Int?
    /// The out-of-memory test hook (`AURIS_FAULT_OOM`); nil = off.
    public var outOfMemoryFaults: OutOfMemoryFaults?
    /// Live streams open at once, at most (each keeps a core busy while someone speaks).
    public var liveStreamLimit: Int
    /// This worker's name among several sharing a database (host:port).
    public var workerName: String
    /// Where this worker's API answers, for the fleet view.
    public var workerURL: String
    /// Where uploads wait for a worker; with a shared database, a folder every worker sees
    /// (docs/scale-out.md). nil = `jobs` in the data directory.
    public var spoolDirectory: URL?

    public init(devices: [DeviceID], modelsDirectory: URL, defaultModel: String, dataDirectory: URL, threads: Int,
                computeType: ComputeType?, keepAlive: KeepAlive, allocatorConfiguration: AllocatorConfiguration,
                hostCapacityBytes: Int?, outOfMemoryFaults: OutOfMemoryFaults? = nil, liveStreamLimit: Int = 4,
                workerName: String = ProcessInfo.processInfo.hostName, workerURL: String = "", spoolDirectory: URL? = nil) {
        self.workerURL = workerURL
        self.liveStreamLimit = liveStreamLimit
        self.workerName = workerName
        self.spoolDirectory = spoolDirectory
        self.devices = devices
        self.modelsDirectory = modelsDirectory
        self.defaultModel = defaultModel
        self.dataDirectory = dataDirectory
        self.threads = threads
        self.computeType = computeType
        self.keepAlive = keepAlive
        self.allocatorConfiguration = allocatorConfiguration
        self.hostCapacityBytes = hostCapacityBytes
        self.outOfMemoryFaults = outOfMemoryFaults
    }
}

/// The whole service, assembled: one allocator per device, a model registry and a transcription
/// service for each serving device, the store, the job queue and its intake, memory care, the
/// audit log and the events. The HTTP server and the command line talk to these parts only.
public struct AurisService: Sendable {
    public let allocators: DeviceAllocators
    public let registries: [ModelRegistry]
    public let store: any JobStore
    public let audit: AuditLog
    public let hub: EventHub
    public let queue: JobQueue
    public let intake: Intake
    public let models: ModelsService
    public let memory: MemoryService
    public let metrics: JobMetrics
    public let live: LiveStreamService
    public let fleet: Fleet

    /// - Parameters:
    ///   - allocators: made from the configuration when nil (benchmarks and tests pass their own).
    ///   - store: where jobs, history, audit and policies live: the database several workers share
    ///     (the server opens it, docs/scale-out.md); nil = `auris.sqlite` in the data directory.
    public static func open(_ configuration: ServiceConfiguration, allocators given: DeviceAllocators? = nil,
                            store sharedStore: (any JobStore)? = nil,
                            logger: Logger, now: @escaping @Sendable () -> Date = Date.init) async throws -> AurisService {
        let allocators = try given ?? DeviceAllocators(configuration: configuration.allocatorConfiguration,
                                                       hostCapacityBytes: configuration.hostCapacityBytes,
                                                       faults: configuration.outOfMemoryFaults)
        var catalog = ModelCatalog.scan(configuration.modelsDirectory)
        var defaultID = configuration.defaultModel
        if catalog[defaultID] == nil, FileManager.default.fileExists(atPath: defaultID + "/model.bin") {
            let url = URL(fileURLWithPath: defaultID)
            defaultID = url.lastPathComponent
            catalog[defaultID] = url
        }
        guard catalog[defaultID] != nil else {
            throw ServiceError(.unknownModel, "the default model '\(configuration.defaultModel)' is neither in \(configuration.modelsDirectory.path) nor a model directory; run scripts/install-model.sh or pass --model")
        }
        let registries = try configuration.devices.map { device in
            ModelRegistry(models: catalog, defaultModelID: defaultID,
                          backend: try ComputeBackends.open(device, allocators: allocators, threads: configuration.threads),
                          defaultComputeType: configuration.computeType, defaultKeepAlive: configuration.keepAlive, now: now)
        }
        let control = MemoryControl(allocators: allocators, registries: registries)
        let store = try sharedStore ?? SQLiteStore(file: configuration.dataDirectory.appendingPathComponent("auris.sqlite"))
        let audit = AuditLog(logger: logger, store: store, memory: control, now: now)
        let hub = EventHub()
        var initialPolicies = MemoryPolicies.default
        initialPolicies.idleUnloadSeconds = configuration.keepAlive.seconds
        let care = try await MemoryCare(
            memory: control,
            policyStore: store as? any PolicyStore ?? PolicyFile(url: configuration.dataDirectory.appendingPathComponent("policies.json")),
            initialPolicies: initialPolicies, now: now,
            log: { record in
                await audit.policyAction(record)
                hub.publish("policy", EventPayloads.Policy(record.action, report: record.report))
            })
        let metrics = JobMetrics()
        let services = registries.map { TranscriptionService(registry: $0, care: care, metrics: metrics) }
        let queue = JobQueue(store: store, services: services, now: now) { event in
            hub.publish("job", EventPayloads.Job(event))
            switch event {
            case .recovered(let id):
                let why = store.isShared ? "its worker stopped renewing its lease (it died or lost the database)" : "the server stopped while it ran"
                Task { await audit.server("job.recovered", detail: "job \(id) is queued again: \(why)") }
            case .outcomeRefused(let id, let outcome):
                Task {
                    await audit.server("job.duplicate_finish", result: .refused,
                                       detail: "job \(id) ended \(outcome) here after its lease had expired; the outcome another worker wrote stands")
                }
            case .finished(let job):
                logger.info("job finished", metadata: Self.logMetadata(of: job))
                if let (result, detail) = Self.outOfMemoryAudit(of: job) {
                    Task { await audit.server("job.out_of_memory", result: result, detail: detail) }
                }
            default:
                break
            }
        }
        let models = ModelsService(registries: registries, audit: audit)
        let memory = MemoryService(control: control, care: care, audit: audit, hub: hub, timeline: MemoryTimeline())
        return AurisService(
            allocators: allocators, registries: registries, store: store, audit: audit, hub: hub, queue: queue,
            intake: Intake(directory: configuration.spoolDirectory ?? configuration.dataDirectory.appendingPathComponent("jobs"), queue: queue, registries: registries),
            models: models,
            memory: memory,
            metrics: metrics,
            live: LiveStreamService(store: store, models: models, care: care, audit: audit, hub: hub,
                                    limit: configuration.liveStreamLimit, now: now),
            fleet: Fleet(name: configuration.workerName, url: configuration.workerURL, store: store as? any FleetStore,
                         memory: memory, registries: registries, logger: logger, startedAt: now()))
    }

    /// One line per finished job, like the command line's summary: what ran, how long, and
    /// the memory it used above what the device held when it started.
    static func logMetadata(of job: JobRecord) -> Logger.Metadata {
        var metadata: Logger.Metadata = ["job": "\(job.id)", "state": "\(job.state.rawValue)", "model": "\(job.model ?? "")",
                                         "device": "\(job.device ?? "")", "audio_s": "\(job.totalSeconds ?? 0)",
                                         "processing_ms": "\(Int(job.processingMilliseconds ?? 0))"]
        if let memory = job.memory {
            metadata["peak_allocated_bytes"] = "\(memory.peakAllocatedBytes)"
            metadata["peak_reserved_bytes"] = "\(memory.peakReservedBytes)"
            metadata["memory_wait_ms"] = "\(Int(memory.waitMilliseconds))"
        }
        if let error = job.error { metadata["error"] = "\(error)" }
        return metadata
    }

    /// Every job that met out of memory is audited: finished on its second run, or failed.
    static func outOfMemoryAudit(of job: JobRecord) -> (AuditOutcome, String)? {
        let errors = job.memory?.outOfMemoryErrors ?? 0
        let name = "job \(job.id) ('\(job.fileName)')"
        if job.errorCode == .outOfMemory {
            return (.failed, "\(name) failed for memory after \(max(errors, 1)) out-of-memory errors: \(job.error ?? "")")
        }
        guard errors > 0 else { return nil }
        let waited = Int(job.memory?.waitMilliseconds ?? 0)
        return (.ok, "\(name) met out of memory, waited \(waited) ms for memory and ran again: \(job.state.rawValue)")
    }

    /// After the workers stop: unloads the models, returns their memory, and records how many
    /// jobs wait for the next start.
    public func shutdown() async {
        let result = await memory.control.unloadAndClear()
        let waiting = (try? await store.queuedJobIDs().count) ?? 0
        await audit.server("server.stop", detail: "unloaded [\((result.unloadedModels ?? []).joined(separator: ", "))], "
                           + "released \(result.releasedBytes) bytes; \(waiting) jobs wait for the next start")
    }

    /// Deletes finished jobs and audit entries older than their retention, and audits what went.
    public func prune(historyDays: Double?, auditDays: Double?, now moment: Date) async {
        guard historyDays != nil || auditDays != nil else { return }
        func cutoff(_ days: Double?) -> Date? { days.map { moment.addingTimeInterval(-$0 * 86_400) } }
        guard let pruned = try? await store.prune(historyBefore: cutoff(historyDays), auditBefore: cutoff(auditDays)),
              pruned.jobs + pruned.auditEntries > 0 else { return }
        await audit.server("server.retention", detail: "removed \(pruned.jobs) finished jobs older than "
            + "\(historyDays.map { "\($0) days" } ?? "-") and \(pruned.auditEntries) audit entries older than \(auditDays.map { "\($0) days" } ?? "-")")
    }

    /// The Prometheus exposition of memory, models and jobs.
    public func metricsText() async -> String {
        PrometheusExposition.render(memory: memory.control.report(), models: await models.list(), jobs: metrics.snapshot)
    }
}
