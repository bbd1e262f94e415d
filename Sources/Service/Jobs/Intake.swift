import Foundation

/// Turns received audio files into queued jobs: checks the model and the device, moves each file
/// where the job keeps its audio until it has run, and submits them — all before the caller is
/// answered, so that a bad request queues nothing.
public struct Intake: Sendable {
    /// A file already on disk (an upload spooled by the server), with the name the user gave it.
    public struct File: Sendable {
        public let url: URL
        public let originalName: String?
        public init(url: URL, originalName: String?) {
            self.url = url
            self.originalName = originalName
        }
    }

    /// `DATA_DIR/jobs`: audio of jobs not yet run (same file system as the uploads, so a move
    /// is a rename).
    public let directory: URL
    public let queue: JobQueue
    /// One per serving device; they share one model catalog.
    public let registries: [ModelRegistry]

    public init(directory: URL, queue: JobQueue, registries: [ModelRegistry]) {
        precondition(!registries.isEmpty, "intake needs at least one device")
        self.directory = directory
        self.queue = queue
        self.registries = registries
    }

    /// The devices with a worker; a job may ask for one of them.
    public var devices: [DeviceID] { registries.map(\.device) }

    /// Queues one job per file, as a batch when `batch` is given.
    ///
    /// - Parameters:
    ///   - models: a model per file, in order, overriding `parameters.model` (a batch may mix
    ///     recordings that need different models).
    ///   - openAICompatible: OpenAI's clients name OpenAI's models (`whisper-1`); a model this
    ///     server does not know is then served by the default instead of refused.
    public func submit(_ files: [File], parameters: JobParameters, models: [String]? = nil,
                       batch: BatchRecord? = nil, openAICompatible: Bool = false) async throws -> [JobRecord] {
        guard !files.isEmpty else { throw ServiceError.invalid("upload", "no audio received") }
        if let models, models.count != files.count {
            throw ServiceError.invalid("models",
                "'models' names \(models.count) models for \(files.count) files; give one per file, in order, comma-separated")
        }
        var parameters = parameters
        if let device = parameters.device, !devices.contains(device) {
            // A device without a worker: the job would never run.
            throw ServiceError.invalid("device",
                "the server does not run models on '\(device)'; it serves \(devices.map(\.description).joined(separator: ", "))")
        }
        // The models of the device asked for, else of any device: whichever worker the job goes
        // to (Note [Which worker runs a job]) can load them.
        let serving = registries.filter { parameters.device == nil || $0.device == parameters.device }
        let known = Array(Set(serving.flatMap { $0.list().map(\.id) })).sorted()
        if openAICompatible, let model = parameters.model, !known.contains(model) { parameters.model = nil }
        for model in Set(models ?? []).union([parameters.model].compactMap { $0 }) where !known.contains(model) {
            throw ServiceError(.unknownModel, "no model named '\(model)'; available: \(known.joined(separator: ", ")) (GET /api/models)")
        }
        try checkAbilities(parameters, models: models, serving: serving)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var jobs: [JobRecord] = []
        for (position, file) in files.enumerated() {
            let id = UUID().uuidString.lowercased()
            let audio = directory.appendingPathComponent(id + ".audio")
            try FileManager.default.moveItem(at: file.url, to: audio)
            var fileParameters = parameters
            if let models { fileParameters.model = models[position] }
            jobs.append(JobRecord(id: id, batchID: batch?.id, position: position,
                                  fileName: file.originalName ?? "upload-\(position + 1)", audioPath: audio.path,
                                  parameters: fileParameters))
        }
        do {
            try await queue.submit(jobs, batch: batch)
        } catch {
            for job in jobs { try? FileManager.default.removeItem(atPath: job.audioPath ?? "") }
            throw error
        }
        return jobs
    }

    /// Refuses a language or a translation that a model the job may run cannot honour — an
    /// English-only model would otherwise answer in English, silently.
    private func checkAbilities(_ parameters: JobParameters, models: [String]?, serving: [ModelRegistry]) throws(ServiceError) {
        if parameters.voiceActivity != nil, let registry = serving.first {
            // Refused now rather than failing the job later: the detector's file is installed
            // beside the models, and a server may run without it.
            let names: [String?] = models.map { Array(Set($0)).sorted() } ?? [parameters.model]
            for name in names {
                let path = registry.voiceActivityModelPath(for: name)
                guard FileManager.default.fileExists(atPath: path) else {
                    throw ServiceError.invalid("vad_filter", "this server has no voice activity detector: \(path) is missing (scripts/install-model.sh installs it)")
                }
            }
        }
        guard parameters.language != nil || parameters.task == .translate, let registry = serving.first else { return }
        let names: [String?] = models.map { Array(Set($0)).sorted() } ?? [parameters.model]
        for name in names {
            let abilities = try registry.abilities(of: name)
            if let refusal = abilities.refusal(language: parameters.language, translate: parameters.task == .translate) {
                throw ServiceError.invalid(refusal.option, "\(name ?? registry.defaultModelID): \(refusal.message)")
            }
        }
    }
}
