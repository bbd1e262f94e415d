import Foundation
import Service

/// The JSON messages a live stream sends (docs/server.md, "Live recognition").
enum StreamMessage {
    struct Ready: Encodable {
        let type = "ready"
        let jobID: String, model: String, device: String, sampleRate: Int, encoding: String
        enum CodingKeys: String, CodingKey {
            case type, model, device, encoding
            case jobID = "job_id", sampleRate = "sample_rate"
        }
    }

    struct Partial: Encodable {
        let type = "partial"
        let start: Double, end: Double, text: String, stable: String
    }

    struct Final: Encodable {
        let type = "final"
        let segment: TranscriptSegment
    }

    struct Done: Encodable {
        let type = "done"
        let jobID: String, duration: Double, text: String
        enum CodingKeys: String, CodingKey {
            case type, duration, text
            case jobID = "job_id"
        }
    }

    struct Failure: Encodable {
        let type = "error"
        let code: String, message: String, field: String?
    }

    static func json(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    static func json(_ event: LiveEvent) -> String {
        switch event {
        case let .partial(start, end, text, stable):
            json(Partial(start: (start * 100).rounded() / 100, end: (end * 100).rounded() / 100, text: text, stable: stable))
        case .final(let segment):
            json(Final(segment: segment))
        }
    }

    static func json(_ error: ServiceError) -> String {
        json(Failure(code: error.apiCode, message: error.message, field: error.field))
    }
}
