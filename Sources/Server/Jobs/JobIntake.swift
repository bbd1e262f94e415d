import DeviceMemory
import Foundation
import Hummingbird
import Service

/// Turns uploaded files into queued jobs: checks the model, moves each file where the job keeps
/// its audio until it has run, and submits them.
struct JobIntake: Sendable {
    /// `DATA_DIR/jobs`: audio of jobs not yet run (same file system as the uploads, so a move
    /// is a rename).
    let directory: URL
    let queue: JobQueue
    let registry: ModelRegistry
    /// The devices with a worker; a job may ask for one of them.
    let devices: [DeviceID]

    /// Queues one job per uploaded file, as a batch when `batch` is given.
    ///
    /// - Parameter models: a model per file, in order, overriding `parameters.model` (a batch
    ///   may mix recordings that need different models).
    func submit(_ upload: Upload, parameters: JobParameters, models: [String]? = nil,
                batch: BatchRecord? = nil) async throws -> [JobRecord] {
        if let models, models.count != upload.files.count {
            throw APIError(.badRequest, code: "invalid_models",
                "'models' names \(models.count) models for \(upload.files.count) files; give one per file, in order, comma-separated")
        }
        for model in Set(models ?? []).union([parameters.model].compactMap { $0 }) { try await checkModel(model) }
        try checkDevice(parameters.device)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var jobs: [JobRecord] = []
        for (position, file) in upload.files.enumerated() {
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

    /// Refuses a device without a worker before anything is queued: the job would never run.
    func checkDevice(_ device: String?) throws {
        guard let device, !devices.contains(where: { $0.description == device }) else { return }
        throw APIError(.badRequest, code: "invalid_device",
            "the server does not run models on '\(device)'; it serves \(devices.map(\.description).joined(separator: ", "))")
    }

    /// Refuses an unknown model before anything is queued.
    func checkModel(_ id: String?) async throws {
        guard let id else { return }
        let known = await registry.list().map(\.id)
        guard known.contains(id) else {
            throw APIError(.notFound, code: "unknown_model",
                "no model named '\(id)'; available: \(known.joined(separator: ", ")) (GET /api/models)")
        }
    }
}
