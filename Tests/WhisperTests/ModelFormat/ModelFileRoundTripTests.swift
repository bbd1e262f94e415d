import Foundation
import Testing
@testable import Whisper
import WhisperTestKit

@Suite("model.bin write → read round trips")
struct ModelFileRoundTripTests {
    /// Values exactly representable in float16 and bfloat16, so every float type round-trips
    /// them exactly.
    static let exactValues: [Float] = [0, 1, -1, 0.5, -0.25, 2, 3, -4, 0.125, 8, -16, 0.75]

    @Test("float types round-trip exactly representable values", arguments: [ModelDataType.float32, .float16, .bfloat16])
    func floatRoundTrip(type: ModelDataType) throws {
        var writer = ModelFileWriter(specName: "TestSpec", specRevision: 1)
        try writer.add("layer/weight", shape: [3, 4], values: Self.exactValues, as: type)
        let file = try ModelFile(bytes: writer.serialized())
        let variable = try file.variable("layer/weight")
        #expect(variable.shape == [3, 4])
        #expect(variable.dataType == type)
        #expect(variable.bytes.count == 12 * type.byteWidth)
        #expect(try variable.floats() == Self.exactValues)
        #expect(try file.floats("layer/weight") == Self.exactValues)
        #expect(file.specName == "TestSpec")
        #expect(file.specRevision == 1)
        #expect(file.binaryVersion == 6)
    }

    @Test("float16 and bfloat16 round to nearest even, like the converter")
    func halfRounding() throws {
        var generator = TinyWhisperModel.Generator(seed: 7)
        let values = generator.uniform(count: 1000, bound: 3)
        var writer = ModelFileWriter()
        try writer.add("h", shape: [1000], values: values, as: .float16)
        try writer.add("b", shape: [1000], values: values, as: .bfloat16)
        let file = try ModelFile(bytes: writer.serialized())
        let half = try file.floats("h")
        let brain = try file.floats("b")
        for (index, value) in values.enumerated() {
            // float16 keeps 11 significant bits: error at most half an ulp.
            #expect(abs(half[index] - value) <= abs(value) * 0x1p-11)
            // bfloat16 keeps 8 significant bits: error at most half an ulp.
            #expect(abs(brain[index] - value) <= abs(value) * 0x1p-8)
        }
    }

    @Test("int8 quantisation: per-row scales, ties to even, zero rows, dequantisation")
    func int8KnownValues() throws {
        var writer = ModelFileWriter()
        try writer.add("w", shape: [2, 3], values: [1, -0.5, 0.25, 0, 0, 0], as: .int8)
        let file = try ModelFile(bytes: writer.serialized())
        let weight = try file.variable("w")
        let scale = try file.variable("w_scale")
        #expect(weight.dataType == .int8)
        #expect(try weight.integers() == [127, -64, 32, 0, 0, 0])  // −63.5 → −64 (even), 31.75 → 32
        #expect(scale.shape == [2])
        #expect(scale.dataType == .float32)
        #expect(try scale.floats() == [127, 1])  // zero row: amax 127 → scale 1
        let values = try file.floats("w")
        #expect(values == [1, -64 / Float(127), 32 / Float(127), 0, 0, 0])
        #expect(try weight.dequantized(scale: scale) == values)
    }

    @Test("int8 dequantisation error stays within half a step per row")
    func int8Accuracy() throws {
        var generator = TinyWhisperModel.Generator(seed: 3)
        let rows = 16, columns = 40
        var values = generator.uniform(count: rows * columns, bound: 1)
        for column in 0..<columns { values[5 * columns + column] *= 100 }  // one large row
        var writer = ModelFileWriter()
        try writer.add("w", shape: [rows, columns], values: values, as: .int8)
        let file = try ModelFile(bytes: writer.serialized())
        let restored = try file.floats("w")
        let scales = try file.variable("w_scale").floats()
        for row in 0..<rows {
            let step = 1 / scales[row]
            for column in 0..<columns {
                let index = row * columns + column
                #expect(abs(restored[index] - values[index]) <= step / 2 * 1.0001)
            }
        }
    }

    @Test("int8 convolution weights get one scale per output channel")
    func int8Convolution() throws {
        var generator = TinyWhisperModel.Generator(seed: 11)
        let values = generator.uniform(count: 4 * 5 * 3, bound: 0.3)
        var writer = ModelFileWriter()
        try writer.add("conv/weight", shape: [4, 5, 3], values: values, as: .int8)
        let file = try ModelFile(bytes: writer.serialized())
        #expect(try file.variable("conv/weight_scale").shape == [4])
        let (expected, expectedScales) = ModelFileWriter.quantizeInt8(values, rows: 4)
        #expect(try file.variable("conv/weight").integers() == expected.map(Int.init))
        #expect(try file.variable("conv/weight_scale").floats() == expectedScales)
        #expect(try file.floats("conv/weight").maxDifference(values) <= 0.3 / 127)
    }

    @Test("int16 weights use one scalar scale")
    func int16() throws {
        let values: [Float] = [0.5, -1, 0.25, 0.001]
        var writer = ModelFileWriter()
        try writer.add("w", shape: [2, 2], values: values, as: .int16)
        let file = try ModelFile(bytes: writer.serialized())
        let scale = try file.variable("w_scale")
        #expect(scale.isScalar)
        #expect(try scale.scalarFloat() == 1024)
        #expect(try file.variable("w").integers() == [512, -1024, 256, 1])
        #expect(try file.floats("w") == [0.5, -1, 0.25, 1 / Float(1024)])
    }

    @Test("int16 weight without a scale uses CTranslate2's global scale 1000")
    func int16LegacyScale() throws {
        var writer = ModelFileWriter()
        try writer.addIntegers("w", shape: [2], values: [1000, -500], as: .int16)
        let file = try ModelFile(bytes: writer.serialized())
        #expect(try file.floats("w") == [1, -0.5])
    }

    @Test("scalars of every integer type, floats and flags")
    func scalars() throws {
        var writer = ModelFileWriter()
        try writer.addScalar("a/activation", 3, as: .int8)
        try writer.addScalar("a/num_heads", 6, as: .int16)
        try writer.addScalar("a/alignment_layer", -1, as: .int16)
        try writer.addScalar("a/big", 70000, as: .int32)
        try writer.addScalar("a/epsilon", Float(1e-5))
        try writer.addFlag("a/pre_norm", true)
        try writer.addIntegers("a/ids", shape: [3], values: [1, -2, 3], as: .int32)
        let file = try ModelFile(bytes: writer.serialized())
        #expect(try file.variable("a/activation").scalarInt() == 3)
        #expect(try file.variable("a/num_heads").scalarInt() == 6)
        #expect(try file.variable("a/alignment_layer").scalarInt() == -1)
        #expect(try file.variable("a/big").scalarInt() == 70000)
        #expect(try file.variable("a/epsilon").scalarFloat() == Float(1e-5))
        #expect(try file.variable("a/pre_norm").scalarBool())
        #expect(try file.variable("a/ids").integers() == [1, -2, 3])
        #expect(try file.variable("a/num_heads").isScalar)
        #expect(try file.scalarInt("a/missing", default: 9) == 9)
        #expect(try file.scalarIntIfPresent("a/missing") == nil)
        #expect(try file.variable("a/activation").dataType == .int8)
        #expect(try file.variable("a/num_heads").dataType == .int16)
    }

    @Test("the writer range-checks integers")
    func integerRange() throws {
        var writer = ModelFileWriter()
        expectModelFormatError(.invalidArgument, mentioning: ["300"]) { try writer.addScalar("x", 300, as: .int8) }
        expectModelFormatError(.invalidArgument) { try writer.add("y", shape: [2], values: [1], as: .float32) }
        try writer.add("z", shape: [1], values: [1])
        expectModelFormatError(.invalidArgument, mentioning: ["already"]) { try writer.add("z", shape: [1], values: [1]) }
    }

    @Test("aliases resolve to their target, and so do their scales")
    func aliases() throws {
        var writer = ModelFileWriter()
        try writer.add("decoder/embeddings/weight", shape: [3, 2], values: [1, 2, 3, 4, 5, 6], as: .int8)
        try writer.addAlias("decoder/projection/weight", to: "decoder/embeddings/weight")
        try writer.add("x", shape: [1], values: [7])
        try writer.addAlias("y", to: "x")
        let file = try ModelFile(bytes: writer.serialized())
        #expect(file.aliases == ["decoder/projection/weight": "decoder/embeddings/weight", "y": "x"])
        let projection = try file.variable("decoder/projection/weight")
        #expect(projection.name == "decoder/embeddings/weight")
        let embedding = try file.variable("decoder/embeddings/weight")
        #expect(projection.bytes.baseAddress == embedding.bytes.baseAddress)
        #expect(file.contains("decoder/projection/weight_scale"))
        #expect(try file.floats("decoder/projection/weight") == file.floats("decoder/embeddings/weight"))
        #expect(try file.floats("y") == [7])
        #expect(file.names.contains("decoder/projection/weight"))
        #expect(file.variables.count == 3)  // weight, weight_scale, x
    }

    @Test("an alias whose target is absent is reported as such")
    func danglingAlias() throws {
        var writer = ModelFileWriter()
        try writer.add("x", shape: [1], values: [7])
        try writer.addAlias("y", to: "nowhere")
        let file = try ModelFile(bytes: writer.serialized())
        #expect(!file.contains("y"))
        expectModelFormatError(.missingVariable, mentioning: ["y", "nowhere"]) { _ = try file.variable("y") }
    }

    @Test("legacy binary versions 1–5 are read", arguments: [1, 2, 3, 4, 5])
    func legacyVersions(version: Int) throws {
        var writer = ModelFileWriter(specName: "WhisperSpec", specRevision: 2, binaryVersion: version)
        try writer.add("f", shape: [2, 2], values: [1, 2, 3, 4], as: .float32)
        try writer.add("q", shape: [2, 2], values: [1, -1, 0.5, 0.25], as: .int8)
        try writer.add("s", shape: [2], values: [0.5, -1], as: .int16)
        if version >= 3 { try writer.addAlias("g", to: "f") }
        let file = try ModelFile(bytes: writer.serialized())
        #expect(file.binaryVersion == version)
        #expect(file.specName == (version >= 2 ? "WhisperSpec" : ""))
        #expect(file.specRevision == (version >= 2 ? 2 : 1))
        #expect(try file.floats("f") == [1, 2, 3, 4])
        let (quantized, scales) = ModelFileWriter.quantizeInt8([1, -1, 0.5, 0.25], rows: 2)
        #expect(scales == [127, 254])
        #expect(try file.floats("q") == [Float(quantized[0]) / 127, Float(quantized[1]) / 127, Float(quantized[2]) / 254, Float(quantized[3]) / 254])
        #expect(try file.floats("s") == [0.5, -1])
        if version >= 3 { #expect(try file.floats("g") == [1, 2, 3, 4]) }
    }

    @Test("versions before 4 cannot hold float16; before 3, no aliases")
    func legacyWriterLimits() throws {
        var writer = ModelFileWriter(binaryVersion: 3)
        try writer.add("h", shape: [1], values: [1], as: .float16)
        expectModelFormatError(.invalidArgument, mentioning: ["float16"]) { _ = try writer.serialized() }
        var old = ModelFileWriter(binaryVersion: 2)
        try old.add("f", shape: [1], values: [1])
        try old.addAlias("g", to: "f")
        expectModelFormatError(.invalidArgument, mentioning: ["alias"]) { _ = try old.serialized() }
    }

    @Test("the byte layout matches CTranslate2's serialiser")
    func byteLayout() throws {
        var writer = ModelFileWriter(specName: "AB", specRevision: 3)
        try writer.addScalar("z", 5, as: .int16)
        try writer.add("a", shape: [2], values: [1, -2], as: .float32)
        try writer.addAlias("b", to: "a")
        let bytes = try writer.serialized()
        var expected: [UInt8] = [6, 0, 0, 0, 3, 0, 0x41, 0x42, 0, 3, 0, 0, 0, 2, 0, 0, 0]
        expected += [2, 0, 0x61, 0, 1, 2, 0, 0, 0, 0, 8, 0, 0, 0]  // "a", rank 1, [2], float32, 8 bytes
        expected += [0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0xC0]  // 1.0, −2.0
        expected += [2, 0, 0x7A, 0, 0, 2, 2, 0, 0, 0, 5, 0]  // "z", rank 0, int16, 2 bytes, 5
        expected += [1, 0, 0, 0, 2, 0, 0x62, 0, 2, 0, 0x61, 0]  // one alias b → a
        #expect(bytes == expected)
    }

    @Test("a file on disk is memory-mapped and its variables outlive the ModelFile")
    func memoryMapping() throws {
        let directory = try TemporaryDirectory()
        var writer = ModelFileWriter()
        try writer.add("w", shape: [2, 3], values: [1, 2, 3, 4, 5, 6], as: .float16)
        try writer.write(to: directory.file("model.bin"))
        var file: ModelFile? = try ModelFile(contentsOf: directory.file("model.bin"))
        #expect(file?.isMemoryMapped == true)
        #expect(file?.byteCount == (try writer.serialized()).count)
        let variable = try #require(file).variable("w")
        #expect(variable.fileOffset > 0)
        file = nil
        #expect(try variable.floats() == [1, 2, 3, 4, 5, 6])
        #expect(try ModelFile(bytes: writer.serialized()).isMemoryMapped == false)
    }

    @Test("copyFloats fills caller storage and checks its size")
    func copyIntoBuffer() throws {
        var writer = ModelFileWriter()
        try writer.add("w", shape: [4], values: [1, 2, 3, 4], as: .bfloat16)
        try writer.add("q", shape: [2, 2], values: [1, 2, 3, 4], as: .int8)
        let file = try ModelFile(bytes: writer.serialized())
        var buffer = [Float](repeating: 0, count: 4)
        try buffer.withUnsafeMutableBufferPointer { try file.copyFloats("w", into: $0) }
        #expect(buffer == [1, 2, 3, 4])
        try buffer.withUnsafeMutableBufferPointer { try file.copyFloats("q", into: $0) }
        #expect(buffer.maxDifference([1, 2, 3, 4]) < 0.02)
        var small = [Float](repeating: 0, count: 3)
        expectModelFormatError(.invalidArgument) {
            try small.withUnsafeMutableBufferPointer { try file.copyFloats("w", into: $0) }
        }
    }
}

#if !((os(macOS) || targetEnvironment(macCatalyst)) && arch(x86_64))  // no Float16 on Intel Macs
@Suite("half-precision conversions")
struct HalfPrecisionTests {
    @Test("software float16 → float matches Float16 for all 65,536 patterns")
    func halfToFloatExhaustive() {
        var mismatches = 0
        for bits in 0...UInt16.max {
            let native = Float(Float16(bitPattern: bits))
            let software = HalfPrecision.softwareFloat(fromHalfBits: bits)
            if native.isNaN ? !software.isNaN : native.bitPattern != software.bitPattern { mismatches += 1 }
        }
        #expect(mismatches == 0)
    }

    @Test("software float → float16 matches Float16's rounding")
    func floatToHalf() {
        var generator = TinyWhisperModel.Generator(seed: 99)
        var samples: [Float] = [0, -0, 1, -1, 65504, 65519.996, 65520, 1e10, -1e10, .infinity, -.infinity,
                                0x1p-24, 0x1p-25, 0x1.8p-25, 0x1p-26, 0x1p-14, 0x1.ff8p-15, 5.96e-8, 2049, 2051, 1.0009766, 1.00048828125]
        for _ in 0..<20000 {
            samples.append(Float(bitPattern: UInt32(truncatingIfNeeded: generator.next())))
        }
        var mismatches: [Float] = []
        for value in samples {
            let native = Float16(value).bitPattern
            let software = HalfPrecision.softwareHalfBits(from: value)
            if value.isNaN {
                if !Float16(bitPattern: software).isNaN { mismatches.append(value) }
            } else if native != software {
                mismatches.append(value)
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
    }

    @Test("bfloat16 rounds to nearest even and keeps NaN")
    func bfloat16() {
        #expect(HalfPrecision.bfloat16Bits(from: 1) == 0x3F80)
        #expect(HalfPrecision.bfloat16Bits(from: Float(bitPattern: 0x3F80_8000)) == 0x3F80)  // tie → even
        #expect(HalfPrecision.bfloat16Bits(from: Float(bitPattern: 0x3F81_8000)) == 0x3F82)  // tie → even
        #expect(HalfPrecision.bfloat16Bits(from: Float(bitPattern: 0x3F80_8001)) == 0x3F81)
        #expect(HalfPrecision.float(fromBFloat16Bits: HalfPrecision.bfloat16Bits(from: .nan)).isNaN)
        #expect(HalfPrecision.float(fromBFloat16Bits: 0xC040) == -3)
    }
}
#endif
