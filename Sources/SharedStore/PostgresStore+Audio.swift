import Foundation
import PostgresNIO
import Service

/// Note [Uploads every worker can read]: a job may run on any worker, so its audio must be
/// readable by all of them. Two ways, chosen at start:
/// - `--spool-dir`, a folder every worker sees at the same path (an NFS mount, or one disk for
///   workers on one machine): the row keeps the path, the file stays where it is. Best for long
///   recordings: nothing is copied.
/// - Without it, the audio goes into the database with its job, in 1 MiB `bytea` parts, in the
///   transaction that queues the job (so a job is never visible without its audio), up to a
///   limit (`--max-database-audio-mb`, 256 by default; a larger upload is refused with 507 and
///   told to use a spool folder). The worker that runs it reads it back into a file of its own;
///   the parts go when the job ends. PostgreSQL is then the only thing the workers share.
extension PostgresStore {
    static let audioPartBytes = 1 << 20

    /// Inserts the audio of `job` (from its local file) in parts, on the enqueueing transaction.
    func insertAudio(of job: JobRecord, limit: Int, on connection: PostgresConnection) async throws {
        guard let path = job.audioPath else { return }
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        guard size <= limit else {
            throw ServiceError(.storageFull, "\(job.fileName) is \(size >> 20) MiB; the shared database keeps uploads up to \(limit >> 20) MiB. "
                               + "Start the workers with --spool-dir on a folder they all see, or raise --max-database-audio-mb")
        }
        guard let file = FileHandle(forReadingAtPath: path) else {
            throw ServiceError(.badAudio, "the upload \(job.fileName) could not be read back to store it", apiCode: "audio_missing")
        }
        defer { try? file.close() }
        var part = 0
        while let data = try file.read(upToCount: Self.audioPartBytes), !data.isEmpty {
            try await connection.query("INSERT INTO job_audio (job_id, part, data) VALUES (\(job.id), \(part), \(data))", logger: logger)
            part += 1
        }
    }

    public func fetchAudio(of id: String, to file: URL) async throws -> Bool {
        FileManager.default.createFile(atPath: file.path, contents: nil)
        guard let output = FileHandle(forWritingAtPath: file.path) else {
            throw ServiceError(.storageFull, "could not write the audio of job \(id) to \(file.path)")
        }
        defer { try? output.close() }
        // One part at a time, each a call of its own: a long recording never sits whole in memory.
        var parts = 0
        while let data = try await rows("SELECT data FROM job_audio WHERE job_id = \(id) AND part = \(parts)", { try $0.decode(Data.self) }).first {
            try output.write(contentsOf: data)
            parts += 1
        }
        if parts == 0 { try? FileManager.default.removeItem(at: file) }
        return parts > 0
    }
}
