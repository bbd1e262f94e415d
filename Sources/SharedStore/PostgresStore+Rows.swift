import Foundation
import PostgresNIO
import Service
import Whisper

/// Rows to records and back. Nested values (parameters, transcript, memory) are JSON text, as
/// in the SQLite store; times are `timestamptz`.
extension PostgresStore {
    static let jobColumns = ["id", "batch_id", "position", "file_name", "audio_path", "parameters", "state", "attempts",
                             "created_at", "started_at", "finished_at", "processed_seconds", "total_seconds", "model",
                             "device", "transcript", "text", "error", "error_code", "error_api_code", "processing_ms",
                             "memory", "waiting"]
    static let jobSelect = jobColumns.joined(separator: ", ")

    static func json<T: Encodable>(_ value: T?) throws -> String? {
        guard let value else { return nil }
        return String(decoding: try JSONEncoder().encode(value), as: UTF8.self)
    }

    static func decodeJSON<T: Decodable>(_ type: T.Type, _ text: String?) throws -> T? {
        guard let text else { return nil }
        return try JSONDecoder().decode(T.self, from: Data(text.utf8))
    }

    static func job(from row: PostgresRow) throws -> JobRecord {
        let cells = row.makeRandomAccess()
        func value<T: PostgresDecodable>(_ name: String, _ type: T.Type) throws -> T {
            try cells[name].decode(T.self)
        }
        let parameters = try decodeJSON(JobParameters.self, value("parameters", String.self)) ?? JobParameters()
        var job = JobRecord(id: try value("id", String.self), batchID: try value("batch_id", String?.self),
                            position: try value("position", Int.self), fileName: try value("file_name", String.self),
                            audioPath: try value("audio_path", String?.self), parameters: parameters,
                            createdAt: try value("created_at", Date.self))
        let state = try value("state", String.self)
        guard let known = JobState(rawValue: state) else { throw ServiceError(.storeBusy, "job \(job.id) has an unknown state '\(state)'") }
        job.state = known
        job.attempts = try value("attempts", Int.self)
        job.startedAt = try value("started_at", Date?.self)
        job.finishedAt = try value("finished_at", Date?.self)
        job.processedSeconds = try value("processed_seconds", Double?.self)
        job.totalSeconds = try value("total_seconds", Double?.self)
        job.model = try value("model", String?.self)
        job.device = try value("device", String?.self)
        job.transcript = try decodeJSON(Transcript.self, value("transcript", String?.self))
        job.text = try value("text", String?.self)
        job.error = try value("error", String?.self)
        job.errorCode = try value("error_code", String?.self).flatMap(ServiceError.Code.init(rawValue:))
        job.errorAPICode = try value("error_api_code", String?.self)
        job.processingMilliseconds = try value("processing_ms", Double?.self)
        job.memory = try decodeJSON(JobMemory.self, value("memory", String?.self))
        job.waiting = try value("waiting", String?.self)
        return job
    }

    static func batch(from row: PostgresRow) throws -> BatchRecord {
        let (id, createdAt) = try row.decode((String, Date).self)
        return BatchRecord(id: id, createdAt: createdAt)
    }

    static let auditSelect = "id, time, actor, action, parameters, result, detail, memory_before, memory_after, duration_ms"

    static func auditEntry(from row: PostgresRow) throws -> AuditEntry {
        let (id, time, actor, action, parameters, result, detail, before, after, duration) =
            try row.decode((Int64, Date, String, String, String?, String, String?, String?, String?, Double?).self)
        var entry = AuditEntry(time: time, actor: actor, action: action, parameters: parameters,
                               result: AuditOutcome(rawValue: result) ?? .failed, detail: detail,
                               memoryBefore: try decodeJSON([DeviceUsage].self, before),
                               memoryAfter: try decodeJSON([DeviceUsage].self, after), durationMilliseconds: duration)
        entry.id = id
        return entry
    }

    /// All the rows of `query`, each made a record.
    func rows<T: Sendable>(_ query: PostgresQuery, _ make: @escaping @Sendable (PostgresRow) throws -> T) async throws -> [T] {
        try await run { [logger] client in
            var records: [T] = []
            for try await row in try await client.query(query, logger: logger) { records.append(try make(row)) }
            return records
        }
    }

    /// A LIKE pattern matching `text` literally (backslash is PostgreSQL's default escape).
    static func literalPattern(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
            .replacingOccurrences(of: "_", with: "\\_")
    }
}
