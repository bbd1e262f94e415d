import Foundation
import Whisper

/// Writes a CTranslate2 `model.bin` (the layout `ModelFile` documents) from named arrays.
///
/// Output matches what CTranslate2's Python converter writes (`ModelSpec._serialize`): variables
/// sorted by name, then aliases sorted by name. Quantisation follows `LayerSpec._quantize`
/// exactly, so a float32 array written `as: .int8` gives the same bytes as the converter:
///
/// - int8: the tensor is seen as rows (`shape[0]` rows of the remaining elements; a
///   `[out, in, k]` convolution is `out` rows); per row `amax = max |x|` (0 → 127, and at least
///   `127 / Float.greatestFiniteMagnitude`), `scale = 127 / amax`, stored value
///   `rint(x × scale)` (ties to even). `<name>_scale` is written as float32 `[rows]`.
/// - int16: one scale per tensor, `scale = 1024 / max |x|`, value `rint(x × scale)` clipped to
///   the int16 range; `<name>_scale` is a float32 scalar.
/// - float16 and bfloat16: round to nearest even.
///
/// Binary versions below 4 are written too (to exercise the reader's legacy paths); they can
/// only hold float32, int16 and int8, and versions below 3 cannot hold aliases.
public struct ModelFileWriter: Sendable {
    public var specName: String
    public var specRevision: Int
    public var binaryVersion: Int

    private struct Entry: Sendable {
        var shape: [Int]
        var dataType: ModelDataType
        var bytes: [UInt8]
    }

    private var entries: [String: Entry] = [:]
    private var aliasTargets: [String: String] = [:]

    public init(specName: String = "WhisperSpec", specRevision: Int = 3, binaryVersion: Int = ModelFile.currentBinaryVersion) {
        self.specName = specName
        self.specRevision = specRevision
        self.binaryVersion = binaryVersion
    }

    /// Names added so far (variables, including generated `_scale` ones, and aliases), sorted.
    public var names: [String] { (Array(entries.keys) + Array(aliasTargets.keys)).sorted(by: Self.pythonOrder) }

    // MARK: Adding variables

    /// Adds a variable from raw little-endian bytes. The byte count must match the shape unless
    /// `checked` is false (to produce deliberately corrupt files in tests).
    public mutating func addRaw(_ name: String, shape: [Int], dataType: ModelDataType, bytes: [UInt8], checked: Bool = true) throws(WhisperError) {
        try checkNew(name)
        if checked {
            let count = try Self.elementCount(name, shape)
            guard bytes.count == count * dataType.byteWidth else {
                throw WhisperError(.invalidArgument, "variable \(name): \(bytes.count) bytes given, shape \(shape) of \(dataType) needs \(count * dataType.byteWidth)")
            }
        }
        entries[name] = Entry(shape: shape, dataType: dataType, bytes: bytes)
    }

    /// Adds a tensor of `values` (row-major, `shape.reduce(1, *)` of them) stored as `dataType`:
    /// float32, float16 and bfloat16 convert; int8 and int16 quantise and also add
    /// `<name>_scale` (see the type's documentation).
    public mutating func add(_ name: String, shape: [Int], values: [Float], as dataType: ModelDataType = .float32) throws(WhisperError) {
        let count = try Self.elementCount(name, shape)
        guard values.count == count else {
            throw WhisperError(.invalidArgument, "variable \(name): \(values.count) values given, shape \(shape) needs \(count)")
        }
        switch dataType {
        case .float32:
            try addRaw(name, shape: shape, dataType: .float32, bytes: Self.littleEndianBytes(values.map(\.bitPattern)))
        case .float16:
            try addRaw(name, shape: shape, dataType: .float16, bytes: Self.littleEndianBytes(values.map(HalfPrecision.halfBits(from:))))
        case .bfloat16:
            try addRaw(name, shape: shape, dataType: .bfloat16, bytes: Self.littleEndianBytes(values.map(HalfPrecision.bfloat16Bits(from:))))
        case .int8:
            guard !shape.isEmpty else {
                throw WhisperError(.invalidArgument, "variable \(name): a scalar cannot be quantised to int8 (CTranslate2 quantises weight tensors)")
            }
            try checkNew(name + "_scale")
            let rows = shape[0]
            let (quantized, scales) = Self.quantizeInt8(values, rows: rows)
            try addRaw(name, shape: shape, dataType: .int8, bytes: quantized.map { UInt8(bitPattern: $0) })
            try addRaw(name + "_scale", shape: [rows], dataType: .float32, bytes: Self.littleEndianBytes(scales.map(\.bitPattern)))
        case .int16:
            try checkNew(name + "_scale")
            let (quantized, scale) = Self.quantizeInt16(values)
            try addRaw(name, shape: shape, dataType: .int16, bytes: Self.littleEndianBytes(quantized.map { UInt16(bitPattern: $0) }))
            try addRaw(name + "_scale", shape: [], dataType: .float32, bytes: Self.littleEndianBytes([scale.bitPattern]))
        case .int32:
            throw WhisperError(.invalidArgument, "variable \(name): int32 is not a weight encoding; use addIntegers(_:shape:values:as:)")
        }
    }

    /// Adds an integer tensor stored as `dataType` (int8, int16 or int32), values range-checked.
    public mutating func addIntegers(_ name: String, shape: [Int], values: [Int], as dataType: ModelDataType) throws(WhisperError) {
        let count = try Self.elementCount(name, shape)
        guard values.count == count else {
            throw WhisperError(.invalidArgument, "variable \(name): \(values.count) values given, shape \(shape) needs \(count)")
        }
        let bytes: [UInt8]
        switch dataType {
        case .int8:
            bytes = try values.map { (value) throws(WhisperError) in UInt8(bitPattern: try Self.narrow(value, to: Int8.self, name)) }
        case .int16:
            bytes = Self.littleEndianBytes(try values.map { (value) throws(WhisperError) in UInt16(bitPattern: try Self.narrow(value, to: Int16.self, name)) })
        case .int32:
            bytes = Self.littleEndianBytes(try values.map { (value) throws(WhisperError) in UInt32(bitPattern: try Self.narrow(value, to: Int32.self, name)) })
        case .float32, .float16, .bfloat16:
            throw WhisperError(.invalidArgument, "variable \(name): \(dataType) is not an integer type")
        }
        try addRaw(name, shape: shape, dataType: dataType, bytes: bytes)
    }

    /// Adds a rank-0 integer (as CTranslate2 stores `num_heads`, `activation`, flags, …).
    public mutating func addScalar(_ name: String, _ value: Int, as dataType: ModelDataType) throws(WhisperError) {
        if dataType.isFloatingPoint {
            try add(name, shape: [], values: [Float(value)], as: dataType)
        } else {
            try addIntegers(name, shape: [], values: [value], as: dataType)
        }
    }

    /// Adds a rank-0 float32.
    public mutating func addScalar(_ name: String, _ value: Float) throws(WhisperError) {
        try add(name, shape: [], values: [value], as: .float32)
    }

    /// Adds a boolean flag, stored as an int8 scalar as the converter does.
    public mutating func addFlag(_ name: String, _ value: Bool) throws(WhisperError) {
        try addIntegers(name, shape: [], values: [value ? 1 : 0], as: .int8)
    }

    /// Declares `alias` as another name for the variable `target`.
    public mutating func addAlias(_ alias: String, to target: String) throws(WhisperError) {
        try checkNew(alias)
        aliasTargets[alias] = target
    }

    /// Removes a variable or alias (not its `_scale`); returns whether it existed.
    @discardableResult
    public mutating func remove(_ name: String) -> Bool {
        entries.removeValue(forKey: name) != nil || aliasTargets.removeValue(forKey: name) != nil
    }

    /// Whether a variable or alias of that name has been added.
    public func contains(_ name: String) -> Bool {
        entries[name] != nil || aliasTargets[name] != nil
    }

    // MARK: Output

    /// The file's bytes.
    public func serialized() throws(WhisperError) -> [UInt8] {
        guard (1...ModelFile.currentBinaryVersion).contains(binaryVersion) else {
            throw WhisperError(.invalidArgument, "cannot write binary version \(binaryVersion); versions 1 to \(ModelFile.currentBinaryVersion) exist")
        }
        var output: [UInt8] = []
        output.reserveCapacity(entries.values.reduce(1024) { $0 + $1.bytes.count + 64 })
        Self.append(UInt32(binaryVersion), to: &output)
        if binaryVersion >= 2 {
            try Self.appendString(specName, to: &output)
            Self.append(UInt32(specRevision), to: &output)
        }
        let names = entries.keys.sorted(by: Self.pythonOrder)
        Self.append(UInt32(names.count), to: &output)
        for name in names {
            let entry = entries[name]!
            try Self.appendString(name, to: &output)
            guard entry.shape.count <= Int(UInt8.max) else {
                throw WhisperError(.invalidArgument, "variable \(name): rank \(entry.shape.count) does not fit the format")
            }
            output.append(UInt8(entry.shape.count))
            for dimension in entry.shape {
                guard let value = UInt32(exactly: dimension) else {
                    throw WhisperError(.invalidArgument, "variable \(name): dimension \(dimension) does not fit in uint32")
                }
                Self.append(value, to: &output)
            }
            if binaryVersion >= 4 {
                output.append(entry.dataType.rawValue)
                guard let byteCount = UInt32(exactly: entry.bytes.count) else {
                    throw WhisperError(.invalidArgument, "variable \(name): \(entry.bytes.count) bytes exceed the format's 4 GiB per variable")
                }
                Self.append(byteCount, to: &output)
            } else {
                guard [.float32, .int16, .int8].contains(entry.dataType) else {
                    throw WhisperError(.invalidArgument, "variable \(name): binary version \(binaryVersion) cannot store \(entry.dataType) (only float32, int16 and int8 before version 4)")
                }
                output.append(UInt8(entry.dataType.byteWidth))
                Self.append(UInt32(entry.bytes.count / entry.dataType.byteWidth), to: &output)
            }
            output.append(contentsOf: entry.bytes)
        }
        if binaryVersion >= 3 {
            let aliases = aliasTargets.keys.sorted(by: Self.pythonOrder)
            Self.append(UInt32(aliases.count), to: &output)
            for alias in aliases {
                try Self.appendString(alias, to: &output)
                try Self.appendString(aliasTargets[alias]!, to: &output)
            }
        } else if !aliasTargets.isEmpty {
            throw WhisperError(.invalidArgument, "binary version \(binaryVersion) cannot store aliases (they arrived in version 3)")
        }
        return output
    }

    /// Writes the file (atomically: a reader never sees half a model).
    public func write(to url: URL) throws(WhisperError) {
        let bytes = try serialized()
        do {
            try Data(bytes).write(to: url, options: .atomic)
        } catch {
            throw WhisperError(.writeFailed, "cannot write \(url.path): \(error.localizedDescription)")
        }
    }

    // MARK: Quantisation (model_spec.py's rules)

    /// Per-row int8 quantisation; returns the int8 values and one float32 scale per row.
    public static func quantizeInt8(_ values: [Float], rows: Int) -> (values: [Int8], scales: [Float]) {
        precondition(rows > 0 && values.count % rows == 0, "values do not split into \(rows) rows")
        let rowLength = values.count / rows
        var quantized = [Int8](repeating: 0, count: values.count)
        var scales = [Float](repeating: 1, count: rows)
        let smallestAmax = Float(127) / Float.greatestFiniteMagnitude
        for row in 0..<rows {
            let start = row * rowLength
            var amax: Float = 0
            for index in start..<(start + rowLength) { amax = max(amax, abs(values[index])) }
            if amax == 0 { amax = 127 }
            amax = max(amax, smallestAmax)
            let scale = Float(127) / amax
            scales[row] = scale
            for index in start..<(start + rowLength) {
                let scaled = (values[index] * scale).rounded(.toNearestOrEven)
                quantized[index] = Int8(max(-128, min(127, scaled)))
            }
        }
        return (quantized, scales)
    }

    /// Per-tensor int16 quantisation; returns the int16 values and the scalar scale.
    public static func quantizeInt16(_ values: [Float]) -> (values: [Int16], scale: Float) {
        let amax = values.reduce(Float(0)) { max($0, abs($1)) }
        let scale: Float = amax == 0 ? 1 : Float(1024) / amax
        let quantized = values.map { value -> Int16 in
            let scaled = (value * scale).rounded(.toNearestOrEven)
            return Int16(max(Float(Int16.min), min(Float(Int16.max), scaled)))
        }
        return (quantized, scale)
    }

    // MARK: Helpers

    private func checkNew(_ name: String) throws(WhisperError) {
        guard !name.isEmpty else { throw WhisperError(.invalidArgument, "a variable name cannot be empty") }
        guard entries[name] == nil, aliasTargets[name] == nil else {
            throw WhisperError(.invalidArgument, "variable \(name) is already defined")
        }
    }

    private static func elementCount(_ name: String, _ shape: [Int]) throws(WhisperError) -> Int {
        guard shape.allSatisfy({ $0 >= 0 }) else {
            throw WhisperError(.invalidArgument, "variable \(name): negative dimension in \(shape)")
        }
        return shape.reduce(1, *)
    }

    private static func narrow<T: FixedWidthInteger>(_ value: Int, to: T.Type, _ name: String) throws(WhisperError) -> T {
        guard let narrowed = T(exactly: value) else {
            throw WhisperError(.invalidArgument, "variable \(name): \(value) does not fit in \(T.self)")
        }
        return narrowed
    }

    /// Python sorts names by code point; so does comparing Unicode scalars.
    private static func pythonOrder(_ lhs: String, _ rhs: String) -> Bool {
        lhs.unicodeScalars.lexicographicallyPrecedes(rhs.unicodeScalars)
    }

    private static func append<T: FixedWidthInteger>(_ value: T, to output: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { output.append(contentsOf: $0) }
    }

    private static func appendString(_ string: String, to output: inout [UInt8]) throws(WhisperError) {
        let utf8 = Array(string.utf8)
        guard !utf8.contains(0), utf8.count < Int(UInt16.max) else {
            throw WhisperError(.invalidArgument, "name \(string.debugDescription) cannot be stored (NUL byte or longer than 65,534 bytes)")
        }
        append(UInt16(utf8.count + 1), to: &output)
        output.append(contentsOf: utf8)
        output.append(0)
    }

    private static func littleEndianBytes<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: values.count * MemoryLayout<T>.size)
        bytes.withUnsafeMutableBytes { raw in
            for (index, value) in values.enumerated() {
                raw.storeBytes(of: value.littleEndian, toByteOffset: index * MemoryLayout<T>.size, as: T.self)
            }
        }
        return bytes
    }
}
