import Foundation

/// The float32 initializers (weights) of an ONNX model file, by name.
///
/// Note [Reading ONNX without ONNX]: an `.onnx` file is a protocol-buffer `ModelProto`. The
/// weights are `TensorProto`s in the graph's `initializer` list (graph = field 7 of the model,
/// initializer = field 5 of the graph); each has `dims` (1), `data_type` (2; 1 = float32),
/// `float_data` (4) or `raw_data` (9, little-endian) and `name` (8). That is all Silero VAD
/// needs, so this reads those fields and skips everything else by wire type, instead of
/// linking a protobuf runtime. The graph itself (which operations, in which order) is written
/// out in `SileroVAD`, checked against onnxruntime by the golden tests.
struct ONNXInitializers {
    struct Initializer {
        let dims: [Int]
        let values: [Float]
    }

    let tensors: [String: Initializer]

    init(path: String) throws(WhisperError) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw WhisperError(.missingFile, "\(path) does not exist or cannot be read")
        }
        do {
            tensors = try data.withUnsafeBytes { bytes in try Self.parse(model: bytes, path: path) }
        } catch let error as WhisperError {
            throw error
        } catch {
            throw WhisperError(.malformed, "\(path): \(error)")
        }
    }

    /// The initializer `name` with shape `dims`, or an error naming what the file has instead.
    func tensor(_ name: String, dims: [Int]) throws(WhisperError) -> [Float] {
        guard let tensor = tensors[name] else {
            throw WhisperError(.missingVariable, "the voice activity model has no weight \(name)")
        }
        guard tensor.dims == dims else {
            throw WhisperError(.shapeMismatch, "the voice activity model's \(name) is \(tensor.dims), expected \(dims)")
        }
        return tensor.values
    }

    private static func parse(model: UnsafeRawBufferPointer, path: String) throws(WhisperError) -> [String: Initializer] {
        var tensors: [String: Initializer] = [:]
        var reader = ProtobufReader(model)
        while let field = try reader.next() {
            guard field.number == 7, case .bytes(let graph) = field.value else { continue }
            var graphReader = ProtobufReader(graph)
            while let graphField = try graphReader.next() {
                guard graphField.number == 5, case .bytes(let tensor) = graphField.value else { continue }
                if let (name, initializer) = try parseTensor(tensor) { tensors[name] = initializer }
            }
        }
        guard !tensors.isEmpty else { throw WhisperError(.malformed, "\(path) holds no ONNX float weights") }
        return tensors
    }

    /// A float32 tensor's name and values; nil for tensors of other types (integer constants).
    private static func parseTensor(_ bytes: UnsafeRawBufferPointer) throws(WhisperError) -> (String, Initializer)? {
        var reader = ProtobufReader(bytes)
        var dims: [Int] = [], dataType = 0, name = "", values: [Float] = []
        var raw: UnsafeRawBufferPointer?
        while let field = try reader.next() {
            switch (field.number, field.value) {
            case (1, .varint(let value)): dims.append(Int(truncatingIfNeeded: value))
            case (1, .bytes(let packed)):
                var inner = ProtobufReader(packed)
                while !inner.atEnd { dims.append(Int(truncatingIfNeeded: try inner.varint())) }
            case (2, .varint(let value)): dataType = Int(value)
            case (4, .bytes(let packed)): values += packed.bindMemory(to: UInt32.self).map { Float(bitPattern: UInt32(littleEndian: $0)) }
            case (4, .fixed32(let bits)): values.append(Float(bitPattern: bits))
            case (8, .bytes(let text)): name = String(decoding: text, as: UTF8.self)
            case (9, .bytes(let data)): raw = data
            default: break
            }
        }
        guard dataType == 1 else { return nil }
        if let raw {
            guard raw.count % 4 == 0 else { throw WhisperError(.malformed, "weight \(name) has \(raw.count) bytes, not whole floats") }
            values = (0..<raw.count / 4).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
        }
        guard values.count == dims.reduce(1, *) else {
            throw WhisperError(.malformed, "weight \(name) has \(values.count) values for shape \(dims)")
        }
        return (name, Initializer(dims: dims, values: values))
    }
}

/// Reads protocol-buffer fields one at a time (the wire format only, no schema).
struct ProtobufReader {
    enum Value {
        case varint(UInt64)
        case fixed64(UInt64)
        case bytes(UnsafeRawBufferPointer)
        case fixed32(UInt32)
    }

    private let bytes: UnsafeRawBufferPointer
    private var offset = 0

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    var atEnd: Bool { offset >= bytes.count }

    /// The next field, or nil at the end.
    mutating func next() throws(WhisperError) -> (number: Int, value: Value)? {
        guard !atEnd else { return nil }
        let key = try varint()
        let number = Int(key >> 3)
        switch key & 7 {
        case 0: return (number, .varint(try varint()))
        case 1: return (number, .fixed64(try take(8).loadUnaligned(as: UInt64.self).littleEndian))
        case 2:
            let length = try varint()
            guard length <= UInt64(bytes.count - offset) else { throw truncated() }
            return (number, .bytes(try take(Int(length))))
        case 5: return (number, .fixed32(try take(4).loadUnaligned(as: UInt32.self).littleEndian))
        default: throw WhisperError(.malformed, "not an ONNX file: protobuf wire type \(key & 7) at byte \(offset)")
        }
    }

    mutating func varint() throws(WhisperError) -> UInt64 {
        var value: UInt64 = 0
        for shift in stride(from: 0, to: 64, by: 7) {
            guard offset < bytes.count else { throw truncated() }
            let byte = bytes[offset]
            offset += 1
            value |= UInt64(byte & 0x7f) << UInt64(shift)
            if byte & 0x80 == 0 { return value }
        }
        throw WhisperError(.malformed, "not an ONNX file: a varint longer than 10 bytes")
    }

    private mutating func take(_ count: Int) throws(WhisperError) -> UnsafeRawBufferPointer {
        guard count <= bytes.count - offset else { throw truncated() }
        defer { offset += count }
        return UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + count])
    }

    private func truncated() -> WhisperError {
        WhisperError(.truncated, "the ONNX file ends in the middle of a field (byte \(offset) of \(bytes.count))")
    }
}
