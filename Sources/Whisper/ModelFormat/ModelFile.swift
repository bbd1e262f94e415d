import Foundation

/// A CTranslate2 `model.bin`, memory-mapped read-only, with its variables as zero-copy views.
///
/// ## Layout (little-endian, no padding; see `ModelSpec._serialize` in
/// `ctranslate2/specs/model_spec.py` and `Model::load` in `src/models/model.cc`)
///
/// ```
/// uint32  binary version                      (1…6; CTranslate2 4.x writes 6)
/// string  spec name, e.g. "WhisperSpec"       (version ≥ 2)
/// uint32  spec revision                       (version ≥ 2; otherwise 1)
/// uint32  number of variables
/// per variable, sorted by name:
///   string  name
///   uint8   rank, then uint32 × rank dimensions
///   version ≥ 4: uint8 data-type id (ModelDataType), uint32 byte count
///   version ≤ 3: uint8 item size (4 → float32, 2 → int16, 1 → int8), uint32 element count
///   bytes   the data, row-major
/// version ≥ 3: uint32 number of aliases, then per alias: string alias, string target
/// string = uint16 length including a terminating NUL, then the UTF-8 bytes and the NUL
/// ```
///
/// Binary versions 5 and 6 only changed what the converter writes, not the layout. An alias
/// names a variable stored under another name (Whisper's output projection is an alias of the
/// token embedding); as in CTranslate2, `<alias>_scale` also resolves to `<target>_scale`
/// when the target has a quantisation scale.
public final class ModelFile: Sendable {
    /// The newest binary version this reader understands.
    public static let currentBinaryVersion = 6

    /// Where the bytes came from (the file's path, or the name given to `init(bytes:name:)`).
    public let path: String
    public let binaryVersion: Int
    /// The spec name (`"WhisperSpec"`, `"TransformerSpec"`, …); empty for binary version 1.
    public let specName: String
    public let specRevision: Int
    /// Variables in file order (the converter sorts them by name).
    public let variables: [ModelVariable]
    /// Alias name → target name, as stored (not including the implied `_scale` aliases).
    public let aliases: [String: String]
    /// Whether the bytes are a memory mapping of the file (true for `init(contentsOf:)`).
    public var isMemoryMapped: Bool { storage.isMemoryMapped }
    /// Total size of the file in bytes.
    public var byteCount: Int { storage.bytes.count }

    private let storage: ModelBytes
    private let index: [String: Int]
    /// Every name that resolves (variables, stored aliases, implied `_scale` aliases) → index.
    private let resolved: [String: Int]

    /// Memory-maps and parses the `model.bin` at `url`.
    public convenience init(contentsOf url: URL) throws(WhisperError) {
        let path = url.path
        try self.init(storage: ModelBytes(mapping: path), path: path)
    }

    /// Parses a `model.bin` held in memory (the bytes are copied once). `name` is used in errors.
    public convenience init(bytes: some Collection<UInt8>, name: String = "model.bin") throws(WhisperError) {
        let array = Array(bytes)
        let storage = array.withUnsafeBytes { ModelBytes(copying: $0) }
        try self.init(storage: storage, path: name)
    }

    private init(storage: ModelBytes, path: String) throws(WhisperError) {
        self.storage = storage
        self.path = path
        var reader = Reader(bytes: storage.bytes, path: path)

        guard storage.bytes.count >= 4 else {
            throw WhisperError(.truncated, "\(path) is incomplete: \(storage.bytes.count) bytes, too short to hold a CTranslate2 binary version")
        }
        let version = Int(try reader.uint32("binary version"))
        guard (1...Self.currentBinaryVersion).contains(version) else {
            throw Self.versionError(version, bytes: storage.bytes, path: path)
        }
        binaryVersion = version

        if version >= 2 {
            specName = try reader.string("spec name")
            specRevision = Int(try reader.uint32("spec revision"))
        } else {
            specName = ""
            specRevision = 1
        }

        let variableCount = Int(try reader.uint32("variable count"))
        var variables: [ModelVariable] = []
        variables.reserveCapacity(min(variableCount, 4096))
        var index: [String: Int] = [:]
        for ordinal in 0..<variableCount {
            let name = try reader.string("name of variable \(ordinal)")
            guard !name.isEmpty else {
                throw WhisperError(.malformed, "\(path): variable \(ordinal) has an empty name (at byte \(reader.offset))")
            }
            let rank = Int(try reader.uint8("rank of \(name)"))
            var shape: [Int] = []
            shape.reserveCapacity(rank)
            for axis in 0..<rank {
                shape.append(Int(try reader.uint32("dimension \(axis) of \(name)")))
            }
            let dataType: ModelDataType
            let byteCount: Int
            if version >= 4 {
                let typeID = try reader.uint8("data type of \(name)")
                guard let type = ModelDataType(rawValue: typeID) else {
                    throw WhisperError(
                        .unknownDataType,
                        "\(path): variable \(name) has unknown data type id \(typeID) (known: 0 float32, 1 int8, 2 int16, 3 int32, 4 float16, 5 bfloat16)"
                    )
                }
                dataType = type
                byteCount = Int(try reader.uint32("byte count of \(name)"))
            } else {
                let itemSize = try reader.uint8("item size of \(name)")
                guard let type = ModelDataType.fromLegacyItemSize(itemSize) else {
                    throw WhisperError(.unknownDataType, "\(path): variable \(name) has item size \(itemSize); binary version \(version) knows only 1, 2 and 4")
                }
                dataType = type
                let (product, overflow) = Int(try reader.uint32("element count of \(name)")).multipliedReportingOverflow(by: type.byteWidth)
                guard !overflow else { throw WhisperError(.malformed, "\(path): variable \(name) declares an impossible size") }
                byteCount = product
            }

            var elements = 1
            for dimension in shape {
                let (product, overflow) = elements.multipliedReportingOverflow(by: dimension)
                guard !overflow else {
                    throw WhisperError(.malformed, "\(path): variable \(name) has an impossible shape \(shape)")
                }
                elements = product
            }
            let (expected, overflow) = elements.multipliedReportingOverflow(by: dataType.byteWidth)
            guard !overflow, expected == byteCount else {
                throw WhisperError(
                    .malformed,
                    "\(path): variable \(name) declares \(byteCount) bytes but its shape \(shape) of \(dataType) needs \(overflow ? "more than Int.max" : String(expected))"
                )
            }
            let start = reader.offset
            let data = try reader.bytes(byteCount, what: "data of variable \(name) (shape \(shape), \(dataType))")
            guard index[name] == nil else {
                throw WhisperError(.malformed, "\(path): variable \(name) appears twice")
            }
            index[name] = variables.count
            variables.append(ModelVariable(name: name, shape: shape, dataType: dataType, bytes: data, fileOffset: start, owner: storage))
        }

        var aliases: [String: String] = [:]
        var resolved = index
        if version >= 3 {
            let aliasCount = Int(try reader.uint32("alias count"))
            for ordinal in 0..<aliasCount {
                let alias = try reader.string("name of alias \(ordinal)")
                let target = try reader.string("target of alias \(alias)")
                aliases[alias] = target
                // As CTranslate2 does: an alias of a missing variable is ignored (a spec that needs
                // it reports it missing), and the target's quantisation scale is aliased too.
                if let position = resolved[target], resolved[alias] == nil {
                    resolved[alias] = position
                }
                if let position = resolved[target + "_scale"], resolved[alias + "_scale"] == nil {
                    resolved[alias + "_scale"] = position
                }
            }
        }

        self.variables = variables
        self.index = index
        self.aliases = aliases
        self.resolved = resolved
    }

    // MARK: Lookup

    /// Every name that can be looked up: stored variables, then aliases (sorted).
    public var names: [String] {
        variables.map(\.name) + resolved.keys.filter { index[$0] == nil }.sorted()
    }

    /// The variable stored under `name` or reachable through an alias, or nil.
    public func variableIfPresent(_ name: String) -> ModelVariable? {
        guard let position = resolved[name] else { return nil }
        return variables[position]
    }

    /// The variable stored under `name` or reachable through an alias. The returned value keeps
    /// its stored name (`decoder/projection/weight` returns `decoder/embeddings/weight`).
    public func variable(_ name: String) throws(WhisperError) -> ModelVariable {
        if let variable = variableIfPresent(name) { return variable }
        if let target = aliases[name] {
            throw WhisperError(.missingVariable, "\(path) has no variable \(name): it is an alias of \(target), which the file does not contain")
        }
        throw WhisperError(.missingVariable, "\(path) has no variable \(name)")
    }

    public func contains(_ name: String) -> Bool { resolved[name] != nil }

    /// Drops the mapped pages of a variable that has been copied out (see
    /// `ModelBytes.releasePages`); reading it again is still valid, only slower.
    public func releasePages(of variable: ModelVariable) {
        storage.releasePages(variable.bytes)
    }

    /// `releasePages(of:)` for the byte range `bytes` of the variable's data.
    public func releasePages(of variable: ModelVariable, bytes: Range<Int>) {
        storage.releasePages(UnsafeRawBufferPointer(rebasing: variable.bytes[bytes]))
    }

    /// A variable's values as `Float`, whatever its stored type: float32/float16/bfloat16 are
    /// widened; int8/int16 weights are dequantised with `<name>_scale` (resolved through aliases).
    public func floats(_ name: String) throws(WhisperError) -> [Float] {
        let variable = try variable(name)
        if variable.dataType.isFloatingPoint { return try variable.floats() }
        return try variable.dequantized(scale: scale(of: name, variable))
    }

    /// `floats(_:)` into caller-provided storage of exactly the variable's element count.
    public func copyFloats(_ name: String, into destination: UnsafeMutableBufferPointer<Float>) throws(WhisperError) {
        let variable = try variable(name)
        if variable.dataType.isFloatingPoint { return try variable.copyFloats(into: destination) }
        try variable.copyDequantized(scale: scale(of: name, variable), into: destination)
    }

    /// The quantisation scale of a (possibly aliased) integer weight.
    public func scale(of name: String) throws(WhisperError) -> ModelVariable {
        try scale(of: name, variable(name))
    }

    private func scale(of name: String, _ variable: ModelVariable) throws(WhisperError) -> ModelVariable {
        if let scale = variableIfPresent(name + "_scale") ?? variableIfPresent(variable.name + "_scale") {
            return scale
        }
        if variable.dataType == .int16 {
            // CTranslate2 accepts int16 models saved without a scale and then uses its fixed
            // global int16 scale (ops::Quantize::global_int16_scale = 1000).
            return Self.legacyInt16Scale
        }
        throw WhisperError(.missingVariable, "\(path): \(variable.dataType) weight \(name) has no quantisation scale \(name)_scale")
    }

    private static let legacyInt16Scale: ModelVariable = {
        var value = Float(1000).bitPattern.littleEndian
        let storage = withUnsafeBytes(of: &value) { ModelBytes(copying: $0) }
        return ModelVariable(name: "int16_global_scale", shape: [], dataType: .float32, bytes: storage.bytes, fileOffset: 0, owner: storage)
    }()

    /// The integer value of a scalar variable, or `default` when absent.
    public func scalarInt(_ name: String, default value: Int) throws(WhisperError) -> Int {
        guard let variable = variableIfPresent(name) else { return value }
        return try variable.scalarInt()
    }

    /// The integer value of a scalar variable, or nil when absent.
    public func scalarIntIfPresent(_ name: String) throws(WhisperError) -> Int? {
        guard let variable = variableIfPresent(name) else { return nil }
        return try variable.scalarInt()
    }

    // MARK: Diagnostics

    private static func versionError(_ version: Int, bytes: UnsafeRawBufferPointer, path: String) -> WhisperError {
        let head = Array(bytes.prefix(16))
        func starts(with magic: [UInt8]) -> Bool { head.starts(with: magic) }
        let kind: String?
        if starts(with: [0x50, 0x4B, 0x03, 0x04]) {
            kind = "a zip archive (a PyTorch checkpoint?)"
        } else if starts(with: Array("GGUF".utf8)) {
            kind = "a GGUF file"
        } else if starts(with: Array("lmgg".utf8)) || starts(with: Array("ggml".utf8)) || starts(with: Array("tjgg".utf8)) {
            kind = "a GGML file (whisper.cpp?)"
        } else if head.count >= 9, head[8] == UInt8(ascii: "{") {
            kind = "a safetensors file"
        } else if head.first == 0x80, head.count > 1, (2...5).contains(head[1]) {
            kind = "a Python pickle (a PyTorch checkpoint?)"
        } else if let first = head.first(where: { ![0x20, 0x09, 0x0A, 0x0D, 0xEF, 0xBB, 0xBF].contains($0) }), first == UInt8(ascii: "{") || first == UInt8(ascii: "[") {
            kind = "a JSON document"
        } else {
            kind = nil
        }
        if let kind {
            return WhisperError(.notCTranslate2, "\(path) is not a CTranslate2 model: it looks like \(kind)")
        }
        if version > currentBinaryVersion, version < 1000 {
            return WhisperError(
                .unsupportedVersion,
                "\(path) has CTranslate2 binary version \(version); this reader supports versions 1 to \(currentBinaryVersion). The model was probably converted by a newer CTranslate2."
            )
        }
        return WhisperError(
            .notCTranslate2,
            "\(path) is not a CTranslate2 model: it starts with binary version \(version) (0x\(String(UInt32(truncatingIfNeeded: version), radix: 16))); supported versions are 1 to \(currentBinaryVersion)"
        )
    }
}

/// A bounds-checked little-endian cursor over the file.
private struct Reader {
    let bytes: UnsafeRawBufferPointer
    let path: String
    var offset = 0

    private func truncated(_ size: Int, _ what: String) -> WhisperError {
        WhisperError(
            .truncated,
            "\(path) is truncated: reading \(what) needs \(size) bytes at offset \(offset), but the file has \(bytes.count - offset) left (total \(bytes.count) bytes)"
        )
    }

    mutating func uint8(_ what: String) throws(WhisperError) -> UInt8 {
        guard bytes.count - offset >= 1 else { throw truncated(1, what) }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func uint16(_ what: String) throws(WhisperError) -> UInt16 {
        guard bytes.count - offset >= 2 else { throw truncated(2, what) }
        defer { offset += 2 }
        return UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }

    mutating func uint32(_ what: String) throws(WhisperError) -> UInt32 {
        guard bytes.count - offset >= 4 else { throw truncated(4, what) }
        defer { offset += 4 }
        return UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    mutating func bytes(_ count: Int, what: String) throws(WhisperError) -> UnsafeRawBufferPointer {
        guard count >= 0, bytes.count - offset >= count else { throw truncated(count, what) }
        defer { offset += count }
        return UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + count)])
    }

    /// A length-prefixed string; as in CTranslate2 it ends at the first NUL.
    mutating func string(_ what: String) throws(WhisperError) -> String {
        let length = Int(try uint16("length of \(what)"))
        let start = offset
        let raw = try bytes(length, what: what)
        let content = raw.prefix { $0 != 0 }
        guard let string = String(validating: content, as: UTF8.self) else {
            throw WhisperError(.malformed, "\(path): \(what) at offset \(start) is not valid UTF-8")
        }
        return string
    }
}
