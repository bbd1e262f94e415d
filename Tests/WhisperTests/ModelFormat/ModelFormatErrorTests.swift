import Foundation
import Testing
@testable import Whisper
import WhisperTestKit

@Suite("model format errors")
struct ModelFormatErrorTests {
    static func smallModel() throws -> [UInt8] {
        var writer = ModelFileWriter()
        try writer.add("encoder/weight", shape: [2, 3], values: [1, 2, 3, 4, 5, 6], as: .float16)
        try writer.addScalar("encoder/num_heads", 2, as: .int16)
        try writer.addAlias("decoder/weight", to: "encoder/weight")
        return try writer.serialized()
    }

    @Test("a missing model.bin names its path")
    func missingFile() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("model.bin")
        expectModelFormatError(.missingFile, mentioning: [path.path]) { _ = try ModelFile(contentsOf: path) }
    }

    @Test("a directory is not a model file")
    func directoryInsteadOfFile() throws {
        let directory = try TemporaryDirectory()
        expectModelFormatError(.unreadableFile, mentioning: ["not a regular file"]) { _ = try ModelFile(contentsOf: directory.url) }
    }

    @Test("an empty file is truncated")
    func emptyFile() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("model.bin")
        try Data().write(to: path)
        expectModelFormatError(.truncated, mentioning: [path.path]) { _ = try ModelFile(contentsOf: path) }
    }

    @Test("every proper prefix of a valid file is reported truncated")
    func everyPrefixIsTruncated() throws {
        let bytes = try Self.smallModel()
        #expect(throws: Never.self) { try ModelFile(bytes: bytes) }
        for length in 0..<bytes.count {
            do {
                _ = try ModelFile(bytes: bytes.prefix(length), name: "cut.bin")
                Issue.record("a prefix of \(length) of \(bytes.count) bytes was accepted")
            } catch {
                #expect(error.code == .truncated, "prefix \(length): \(error.message)")
                #expect(error.message.contains("cut.bin"))
            }
        }
    }

    @Test("a variable whose data runs past the end is named in the error")
    func dataPastTheEnd() throws {
        let directory = try TemporaryDirectory()
        var writer = ModelFileWriter()
        try writer.add("a", shape: [2], values: [1, 2])
        try writer.add("big/weight", shape: [100], values: Array(repeating: 1, count: 100), as: .float16)
        var bytes = try writer.serialized()
        bytes.removeLast(4 + 50)  // the alias count, then part of big/weight's data
        let path = directory.file("model.bin")
        try Data(bytes).write(to: path)
        expectModelFormatError(.truncated, mentioning: [path.path, "big/weight", "200 bytes"]) { _ = try ModelFile(contentsOf: path) }
    }

    @Test("a newer binary version is unsupported", arguments: [7, 42])
    func newerVersion(version: UInt32) throws {
        var bytes = try Self.smallModel()
        withUnsafeBytes(of: version.littleEndian) { bytes.replaceSubrange(0..<4, with: $0) }
        expectModelFormatError(.unsupportedVersion, mentioning: ["binary version \(version)", "newer"]) { _ = try ModelFile(bytes: bytes) }
    }

    @Test("version 0 and foreign formats are not CTranslate2")
    func notCTranslate2() throws {
        expectModelFormatError(.notCTranslate2) { _ = try ModelFile(bytes: [0, 0, 0, 0, 1, 2, 3]) }
        expectModelFormatError(.notCTranslate2, mentioning: ["zip"]) { _ = try ModelFile(bytes: [0x50, 0x4B, 0x03, 0x04] + Array(repeating: 0, count: 30)) }
        expectModelFormatError(.notCTranslate2, mentioning: ["GGUF"]) { _ = try ModelFile(bytes: Array("GGUF".utf8) + [3, 0, 0, 0]) }
        expectModelFormatError(.notCTranslate2, mentioning: ["GGML"]) { _ = try ModelFile(bytes: Array("lmgg".utf8) + [3, 0, 0, 0]) }
        var safetensors: [UInt8] = [0x34, 0x12, 0, 0, 0, 0, 0, 0]  // header length, then the JSON header
        safetensors += Array("{}".utf8)
        expectModelFormatError(.notCTranslate2, mentioning: ["safetensors"]) { _ = try ModelFile(bytes: safetensors) }
        expectModelFormatError(.notCTranslate2, mentioning: ["JSON"]) { _ = try ModelFile(bytes: Array("{\"a\": 1}".utf8)) }
        expectModelFormatError(.notCTranslate2, mentioning: ["0x78563412"]) { _ = try ModelFile(bytes: [0x12, 0x34, 0x56, 0x78, 0, 0]) }
    }

    @Test("an unknown data type id is rejected with the variable's name")
    func unknownDataType() throws {
        var writer = ModelFileWriter(specName: "S", specRevision: 1)
        try writer.add("w", shape: [1], values: [1])
        var bytes = try writer.serialized()
        // version(4) "S"(2+2) revision(4) count(4) name "w"(2+2) rank(1) dim(4) → dtype at 25
        #expect(bytes[25] == ModelDataType.float32.rawValue)
        bytes[25] = 9
        expectModelFormatError(.unknownDataType, mentioning: ["w", "9"]) { _ = try ModelFile(bytes: bytes) }
    }

    @Test("a byte count that disagrees with the shape is malformed")
    func byteCountMismatch() throws {
        var writer = ModelFileWriter()
        try writer.addRaw("w", shape: [3], dataType: .float32, bytes: Array(repeating: 0, count: 8), checked: false)
        expectModelFormatError(.malformed, mentioning: ["w", "8 bytes", "12"]) { _ = try ModelFile(bytes: writer.serialized()) }
    }

    @Test("reading a variable as the wrong kind of value")
    func wrongAccess() throws {
        var writer = ModelFileWriter()
        try writer.add("f", shape: [2], values: [1, 2])
        try writer.add("q", shape: [2, 2], values: [1, 2, 3, 4], as: .int8)
        try writer.addIntegers("lonely", shape: [2], values: [1, 2], as: .int8)
        let file = try ModelFile(bytes: writer.serialized())
        expectModelFormatError(.shapeMismatch, mentioning: ["f"]) { _ = try file.variable("f").scalarInt() }
        expectModelFormatError(.dataTypeMismatch, mentioning: ["q_scale"]) { _ = try file.variable("q").floats() }
        expectModelFormatError(.dataTypeMismatch) { _ = try file.variable("f").integers() }
        expectModelFormatError(.missingVariable, mentioning: ["lonely_scale"]) { _ = try file.floats("lonely") }
        expectModelFormatError(.missingVariable, mentioning: ["nothing"]) { _ = try file.variable("nothing") }
    }
}

@Suite("Whisper model errors")
struct WhisperModelErrorTests {
    static let dimensions = try! TinyWhisperModel.dimensions(layers: 1, width: 16, heads: 2, melBins: 8)

    static func whisperFile(_ edit: (inout ModelFileWriter) throws -> Void = { _ in }) throws -> ModelFile {
        var writer = try TinyWhisperModel.modelWriter(dimensions: dimensions, dataType: .int8)
        try edit(&writer)
        return try ModelFile(bytes: writer.serialized(), name: "tiny/model.bin")
    }

    @Test("the unedited tiny model is valid")
    func valid() throws {
        #expect(try WhisperDimensions(file: Self.whisperFile()) == Self.dimensions)
    }

    @Test("a model of another spec is rejected")
    func wrongSpec() throws {
        let file = try Self.whisperFile { $0.specName = "TransformerSpec" }
        expectModelFormatError(.wrongSpec, mentioning: ["tiny/model.bin", "TransformerSpec", "WhisperSpec"]) { _ = try WhisperDimensions(file: file) }
        let unnamed = try Self.whisperFile { $0.binaryVersion = 1; $0.remove("decoder/projection/weight") }
        expectModelFormatError(.wrongSpec, mentioning: ["binary version 1"]) { _ = try WhisperDimensions(file: unnamed) }
    }

    @Test("a newer WhisperSpec revision is unsupported")
    func newerRevision() throws {
        let file = try Self.whisperFile { $0.specRevision = 4 }
        expectModelFormatError(.unsupportedVersion, mentioning: ["revision 4"]) { _ = try WhisperDimensions(file: file) }
    }

    @Test("a missing required variable is named", arguments: [
        "encoder/conv2/bias", "decoder/layer_0/attention/linear_1/weight", "encoder/layer_norm/gamma",
        "decoder/position_encodings/encodings", "decoder/layer_0/self_attention/linear_0/weight_scale",
    ])
    func missingVariable(name: String) throws {
        let file = try Self.whisperFile { writer in
            let removed = writer.remove(name)
            #expect(removed)
        }
        expectModelFormatError(.missingVariable, mentioning: [name.replacingOccurrences(of: "_scale", with: ""), "tiny/model.bin"]) { _ = try WhisperDimensions(file: file) }
    }

    @Test("the output projection alias pointing nowhere is reported")
    func danglingProjection() throws {
        let file = try Self.whisperFile {
            $0.remove("decoder/projection/weight")
            try $0.addAlias("decoder/projection/weight", to: "decoder/lm_head/weight")
        }
        expectModelFormatError(.missingVariable, mentioning: ["decoder/projection/weight", "decoder/lm_head/weight"]) { _ = try WhisperDimensions(file: file) }
    }

    @Test("a gap in the layers is reported")
    func layerGap() throws {
        let file = try Self.whisperFile { try $0.add("encoder/layer_2/ffn/layer_norm/gamma", shape: [16], values: Array(repeating: 1, count: 16)) }
        expectModelFormatError(.missingVariable, mentioning: ["encoder/layer_1"]) { _ = try WhisperDimensions(file: file) }
    }

    @Test("an inconsistent shape is reported")
    func shapeMismatch() throws {
        let file = try Self.whisperFile {
            $0.remove("decoder/layer_0/ffn/linear_1/bias")
            try $0.add("decoder/layer_0/ffn/linear_1/bias", shape: [17], values: Array(repeating: 0, count: 17))
        }
        expectModelFormatError(.shapeMismatch, mentioning: ["decoder/layer_0/ffn/linear_1/bias", "[17]", "[16]"]) { _ = try WhisperDimensions(file: file) }
    }

    @Test("heads that do not divide the width are rejected")
    func badHeads() throws {
        let file = try Self.whisperFile {
            $0.remove("encoder/num_heads")
            try $0.addScalar("encoder/num_heads", 3, as: .int16)
        }
        expectModelFormatError(.shapeMismatch, mentioning: ["encoder/num_heads", "3"]) { _ = try WhisperDimensions(file: file) }
    }

    @Test("architecture flags other than Whisper's are rejected")
    func foreignFlags() throws {
        let file = try Self.whisperFile {
            $0.remove("decoder/activation")
            try $0.addScalar("decoder/activation", 0, as: .int8)
        }
        expectModelFormatError(.wrongSpec, mentioning: ["decoder/activation", "GELU"]) { _ = try WhisperDimensions(file: file) }
    }

    @Test("a directory without model.bin, config.json or vocabulary is named")
    func missingFiles() throws {
        let directory = try TemporaryDirectory()
        let modelDirectory = directory.file("model")
        expectModelFormatError(.missingFile, mentioning: [modelDirectory.path]) { _ = try WhisperModelDirectory(directory: modelDirectory) }

        try TinyWhisperModel.write(to: modelDirectory, layers: 1, width: 16, heads: 2, melBins: 8)
        #expect(throws: Never.self) { try WhisperModelDirectory(directory: modelDirectory) }

        try FileManager.default.moveItem(at: modelDirectory.appendingPathComponent("vocabulary.txt"), to: directory.file("vocabulary.txt"))
        expectModelFormatError(.missingFile, mentioning: ["vocabulary.json", "vocabulary.txt"]) { _ = try WhisperModelDirectory(directory: modelDirectory) }
        try FileManager.default.moveItem(at: directory.file("vocabulary.txt"), to: modelDirectory.appendingPathComponent("vocabulary.txt"))

        try FileManager.default.removeItem(at: modelDirectory.appendingPathComponent("config.json"))
        expectModelFormatError(.missingFile, mentioning: ["config.json"]) { _ = try WhisperModelDirectory(directory: modelDirectory) }

        try FileManager.default.removeItem(at: modelDirectory.appendingPathComponent("model.bin"))
        expectModelFormatError(.missingFile, mentioning: ["model.bin"]) { _ = try WhisperModelDirectory(directory: modelDirectory) }

        expectModelFormatError(.unreadableFile, mentioning: ["is a file"]) { _ = try WhisperModelDirectory(directory: modelDirectory.appendingPathComponent("tokenizer.json")) }
    }

    @Test("a vocabulary of the wrong size is rejected")
    func vocabularySize() throws {
        let directory = try TemporaryDirectory()
        try TinyWhisperModel.write(to: directory.url, layers: 1, width: 16, heads: 2, melBins: 8)
        var tokens = TinyWhisperVocabulary().tokens
        tokens.removeLast()
        try ModelVocabularyFile.textData(tokens).write(to: directory.file("vocabulary.txt"))
        expectModelFormatError(.invalidVocabulary, mentioning: ["vocabulary.txt", "\(tokens.count) tokens"]) { _ = try WhisperModelDirectory(directory: directory.url) }
    }

    @Test("a malformed config.json is rejected")
    func badConfig() throws {
        expectModelFormatError(.invalidConfig, mentioning: ["c.json", "JSON"]) { _ = try WhisperModelConfig(jsonData: Data("{".utf8), path: "c.json") }
        expectModelFormatError(.invalidConfig, mentioning: ["object"]) { _ = try WhisperModelConfig(jsonData: Data("[1]".utf8)) }
        expectModelFormatError(.invalidConfig, mentioning: ["suppress_ids"]) { _ = try WhisperModelConfig(jsonData: Data(#"{"suppress_ids": "x"}"#.utf8)) }
        expectModelFormatError(.invalidConfig, mentioning: ["suppress_ids"]) { _ = try WhisperModelConfig(jsonData: Data(#"{"suppress_ids": [1, 2.5]}"#.utf8)) }
        expectModelFormatError(.invalidConfig, mentioning: ["alignment_heads"]) { _ = try WhisperModelConfig(jsonData: Data(#"{"alignment_heads": [[1]]}"#.utf8)) }
        expectModelFormatError(.invalidConfig, mentioning: ["is_multilingual"]) { _ = try WhisperModelConfig(jsonData: Data(#"{"is_multilingual": 1}"#.utf8)) }

        let directory = try TemporaryDirectory()
        try TinyWhisperModel.write(to: directory.url, layers: 1, width: 16, heads: 2, melBins: 8)
        try Data(#"{"suppress_ids": [1, 999999], "suppress_ids_begin": [220]}"#.utf8).write(to: directory.file("config.json"))
        expectModelFormatError(.invalidConfig, mentioning: ["999999", "config.json"]) { _ = try WhisperModelDirectory(directory: directory.url) }
    }
}
