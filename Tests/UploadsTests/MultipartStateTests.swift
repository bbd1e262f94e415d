import Foundation
import NIOCore
import Testing
@testable import Uploads

/// What the multipart callbacks make of form fields: a list field sent as several parts keeps
/// every value, and fields (held in memory, unlike files) are bounded one by one and in all.
@Suite("Multipart fields")
struct MultipartStateTests {
    func field(_ state: MultipartState, _ name: String, _ value: String) {
        state.header("Content-Disposition", "form-data; name=\"\(name)\"")
        state.body(ByteBuffer(string: value))
        state.partComplete()
    }

    func fields(of state: MultipartState) throws -> [String: String] {
        var sink = UploadSink(directory: FileManager.default.temporaryDirectory, limitBytes: 1 << 20, allowMany: false)
        try state.flush(into: &sink)
        return sink.fields
    }

    @Test func listFieldsKeepEveryValueOtherFieldsTheLast() throws {
        let state = MultipartState()
        field(state, "timestamp_granularities[]", "word")
        field(state, "timestamp_granularities[]", "segment")
        field(state, "language", "fr")
        field(state, "language", "en")
        let fields = try fields(of: state)
        #expect(fields["timestamp_granularities[]"] == "word,segment")
        #expect(fields["language"] == "en")
    }

    @Test func fieldsAreBoundedOneByOneAndInAll() {
        let big = MultipartState()
        field(big, "prompt", String(repeating: "a", count: MultipartState.fieldLimit + 1))
        #expect(throws: UploadRefusal.self) { try fields(of: big) }

        let many = MultipartState()
        for _ in 0..<(MultipartState.fieldsLimit / MultipartState.fieldLimit + 1) {
            field(many, "tags[]", String(repeating: "b", count: MultipartState.fieldLimit))
        }
        #expect(throws: UploadRefusal.self) { try fields(of: many) }
    }
}
