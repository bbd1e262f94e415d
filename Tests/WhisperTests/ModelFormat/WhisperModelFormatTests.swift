import Foundation
import Testing
@testable import Whisper
import WhisperTestKit

@Suite("tiny Whisper models")
struct TinyWhisperModelTests {
    @Test("every weight type writes a model that loads with the requested dimensions", arguments: ModelQuantization.allCases)
    func writeAndLoad(quantization: ModelQuantization) throws {
        let directory = try TemporaryDirectory()
        let dimensions = try TinyWhisperModel.write(to: directory.url, dataType: quantization, layers: 2, width: 64, heads: 2, melBins: 80, seed: 1)
        let model = try WhisperModelDirectory(directory: directory.url)
        #expect(model.dimensions == dimensions)
        #expect(dimensions.encoderLayers == 2 && dimensions.decoderLayers == 2)
        #expect(dimensions.width == 64 && dimensions.encoderHeads == 2 && dimensions.decoderHeads == 2)
        #expect(dimensions.melBins == 80 && dimensions.maxTargetPositions == 448 && dimensions.audioContext == 1500)
        #expect(dimensions.feedForwardWidth == 256 && dimensions.headWidth == 32)
        #expect(dimensions.vocabularySize == 1872)
        #expect(model.file.specName == "WhisperSpec" && model.file.specRevision == 3 && model.file.binaryVersion == 6)
        #expect(model.file.aliases == ["decoder/projection/weight": "decoder/embeddings/weight"])

        for tensor in WhisperSpecLayout.tensors(for: dimensions) {
            let variable = try model.file.variable(tensor.name)
            #expect(variable.shape == tensor.shape, "\(tensor.name)")
            #expect(variable.dataType == (tensor.isQuantizable ? quantization.weightType : quantization.otherType), "\(tensor.name)")
            #expect(try model.file.floats(tensor.name).count == tensor.shape.reduce(1, *))
        }
        for scalar in WhisperSpecLayout.scalars(for: dimensions) {
            let variable = try model.file.variable(scalar.name)
            #expect(variable.dataType == scalar.dataType)
            #expect(try variable.scalarInt() == scalar.value)
        }
    }

    @Test("quantised tiny models dequantise close to the float32 one")
    func quantisedMatchesFloat() throws {
        let dimensions = try TinyWhisperModel.dimensions(layers: 1, width: 32, heads: 2, melBins: 16)
        let reference = try ModelFile(bytes: TinyWhisperModel.modelWriter(dimensions: dimensions, dataType: .float32, seed: 5).serialized())
        for quantization in [ModelQuantization.float16, .bfloat16, .int8, .int8Float16, .int16] {
            let file = try ModelFile(bytes: TinyWhisperModel.modelWriter(dimensions: dimensions, dataType: quantization, seed: 5).serialized())
            for tensor in WhisperSpecLayout.tensors(for: dimensions) {
                let exact = try reference.floats(tensor.name)
                let magnitude = exact.reduce(Float(0)) { max($0, abs($1)) }
                let tolerance: Float = switch quantization {
                case .int8, .int8Float16, .int8BFloat16: magnitude / 127 + magnitude * 0x1p-7
                case .int16: magnitude / 1024
                case .bfloat16: magnitude * 0x1p-8
                default: magnitude * 0x1p-11
                }
                #expect(try file.floats(tensor.name).maxDifference(exact) <= tolerance, "\(quantization) \(tensor.name)")
            }
        }
    }

    @Test("the same seed gives the same bytes; another seed does not")
    func deterministic() throws {
        let dimensions = try TinyWhisperModel.dimensions(layers: 1, width: 16, heads: 2, melBins: 8)
        let first = try TinyWhisperModel.modelWriter(dimensions: dimensions, dataType: .int8, seed: 9).serialized()
        let again = try TinyWhisperModel.modelWriter(dimensions: dimensions, dataType: .int8, seed: 9).serialized()
        let other = try TinyWhisperModel.modelWriter(dimensions: dimensions, dataType: .int8, seed: 10).serialized()
        #expect(first == again)
        #expect(first != other)
    }

    @Test("fused attention biases have a zero key part, as converted models do")
    func zeroKeyBias() throws {
        let dimensions = try TinyWhisperModel.dimensions(layers: 1, width: 16, heads: 2, melBins: 8)
        let file = try ModelFile(bytes: TinyWhisperModel.modelWriter(dimensions: dimensions).serialized())
        let selfBias = try file.floats("decoder/layer_0/self_attention/linear_0/bias")
        #expect(selfBias[16..<32].allSatisfy { $0 == 0 })
        #expect(selfBias[0..<16].contains { $0 != 0 } && selfBias[32..<48].contains { $0 != 0 })
        let crossBias = try file.floats("decoder/layer_0/attention/linear_1/bias")
        #expect(crossBias[0..<16].allSatisfy { $0 == 0 })
        let positions = try file.floats("encoder/position_encodings/encodings")
        #expect(positions[0..<8] == [0, 0, 0, 0, 0, 0, 0, 0])  // sin(0)
        #expect(positions[8..<16] == [1, 1, 1, 1, 1, 1, 1, 1])  // cos(0)
    }

    @Test("the vocabulary has Whisper's special-token layout", arguments: TinyWhisperVocabulary.Flavor.allCases)
    func vocabularyLayout(flavor: TinyWhisperVocabulary.Flavor) throws {
        let vocabulary = TinyWhisperVocabulary(flavor: flavor)
        let tokens = vocabulary.tokens
        #expect(tokens[0] == "!" && tokens[188] == "Ā" && tokens[220] == "Ġ" && tokens[255] == "Ń")
        #expect(TinyWhisperVocabulary.byteTokenID(UInt8(ascii: " ")) == 220)
        #expect(TinyWhisperVocabulary.byteTokenID(0) == 188)
        #expect(tokens[256] == "Ġt" && tokens[262] == "Ġthe")
        #expect(Set(tokens).count == tokens.count)
        #expect(vocabulary.endOfText == 264 && tokens[264] == "<|endoftext|>")
        #expect(vocabulary.startOfTranscript == vocabulary.endOfText + 1 && tokens[vocabulary.startOfTranscript] == "<|startoftranscript|>")
        #expect(tokens[vocabulary.startOfTranscript + 1] == "<|en|>")
        #expect(vocabulary.languages.count == (flavor == .multilingualV3 ? 100 : 99))
        #expect(vocabulary.translate == vocabulary.startOfTranscript + 1 + vocabulary.languages.count)
        let specials = ["<|translate|>", "<|transcribe|>", "<|startoflm|>", "<|startofprev|>",
                        flavor == .multilingualV3 ? "<|nospeech|>" : "<|nocaptions|>", "<|notimestamps|>"]
        #expect(Array(tokens[vocabulary.translate..<(vocabulary.translate + 6)]) == specials)
        #expect(vocabulary.timestampBegin == vocabulary.noTimestamps + 1)
        #expect(tokens[vocabulary.timestampBegin] == "<|0.00|>" && tokens[vocabulary.timestampBegin + 1] == "<|0.02|>")
        #expect(tokens[vocabulary.timestampBegin + 50] == "<|1.00|>")
        #expect(tokens.last == "<|30.00|>" && tokens.count - vocabulary.timestampBegin == 1501)

        let config = vocabulary.config(decoderLayers: 4, decoderHeads: 6)
        #expect(config.suppressIDsBegin == [220, vocabulary.endOfText])
        #expect(Array(config.suppressIDs.prefix(6)) == [1, 2, 7, 8, 9, 10])  // as in the real list
        #expect(config.suppressIDs.contains(vocabulary.noSpeech) && !config.suppressIDs.contains(vocabulary.noTimestamps))
        #expect(config.langIDs == vocabulary.languageIDs)
        #expect(config.alignmentHeads?.count == 12 && config.alignmentHeads?.first == .init(layer: 2, head: 0))
        #expect(config.isMultilingual == flavor.isMultilingual)
    }

    @Test("vocabulary.json works as well as vocabulary.txt; the flavour decides multilingual")
    func vocabularyJSON() throws {
        let directory = try TemporaryDirectory()
        let vocabulary = TinyWhisperVocabulary(flavor: .multilingualV3)
        try TinyWhisperModel.write(to: directory.url, layers: 1, width: 16, heads: 2, melBins: 128, vocabulary: vocabulary, vocabularyFormat: .json)
        #expect(!FileManager.default.fileExists(atPath: directory.file("vocabulary.txt").path))
        let model = try WhisperModelDirectory(directory: directory.url)
        #expect(model.vocabulary == vocabulary.tokens)
        #expect(model.isMultilingual)
        #expect(model.dimensions.melBins == 128)
        #expect(FileManager.default.fileExists(atPath: directory.file("tokenizer.json").path))
    }

    @Test("config.json round-trips, nulls included")
    func configRoundTrip() throws {
        let config = WhisperModelConfig(suppressIDs: [1, 2], suppressIDsBegin: [220, 50256], langIDs: [50259], alignmentHeads: [.init(layer: 1, head: 0)])
        #expect(try WhisperModelConfig(jsonData: config.jsonData()) == config)
        let sparse = try WhisperModelConfig(jsonData: Data(#"{"suppress_ids": null, "suppress_ids_begin": [220], "lang_ids": null, "alignment_heads": null}"#.utf8))
        #expect(sparse == WhisperModelConfig(suppressIDs: [], suppressIDsBegin: [220]))
    }
}

@Suite("the real default model")
struct RealDefaultModelTests {
    @Test("tiny.en loads with its known dimensions", .enabled(if: GoldenFixtures.modelRuns, GoldenFixtures.skipReason))
    func tinyEnglish() throws {
        let directory = try #require(GoldenFixtures.modelDirectory)
        let model = try WhisperModelDirectory(directory: directory)
        let dimensions = model.dimensions
        // The project's default model is whisper-tiny.en.
        #expect(dimensions.encoderLayers == 4)
        #expect(dimensions.decoderLayers == 4)
        #expect(dimensions.width == 384)
        #expect(dimensions.encoderHeads == 6 && dimensions.decoderHeads == 6)
        #expect(dimensions.melBins == 80)
        #expect(dimensions.vocabularySize == 51864)
        #expect(dimensions.maxTargetPositions == 448)
        #expect(dimensions.audioContext == 1500 && dimensions.feedForwardWidth == 1536)
        #expect(model.file.isMemoryMapped)
        #expect(model.file.specName == "WhisperSpec")
        #expect(!model.isMultilingual)
        #expect(model.vocabulary[50256] == "<|endoftext|>" && model.vocabulary[50257] == "<|startoftranscript|>")
        #expect(model.vocabulary.last == "<|30.00|>")
        #expect(model.config.suppressIDsBegin == [220, 50256])
        #expect(!model.config.suppressIDs.isEmpty)
        #expect(try model.file.variable("decoder/activation").scalarInt() == WhisperSpecLayout.geluActivation)
        #expect(try model.file.variable("decoder/projection/weight").name == "decoder/embeddings/weight")
        let embedding = try model.file.floats("decoder/embeddings/weight")
        #expect(embedding.count == 51864 * 384)
        #expect(embedding.allSatisfy { $0.isFinite })
    }
}
