/// One variable of a `model.bin`: its name, shape, element type and a zero-copy view of its bytes.
///
/// `bytes` points straight into the memory-mapped file (little-endian, row-major, no padding
/// and no alignment guarantee: variables start wherever the previous one ended). The variable
/// holds a reference to the mapping, so the view stays valid as long as this value or its
/// `ModelFile` is alive. The mapping is read-only: never write through `bytes`.
///
/// Conversions to `[Float]` follow CTranslate2: float16 and bfloat16 widen exactly; int8 and
/// int16 weights are dequantised with their `<name>_scale` companion as `value / scale`, one
/// scale per row (per output channel) for int8, one scalar scale per tensor for int16.
public struct ModelVariable: @unchecked Sendable {
    public let name: String
    /// Dimensions, outermost first; empty for a scalar.
    public let shape: [Int]
    public let dataType: ModelDataType
    /// The raw data, `elementCount × dataType.byteWidth` bytes.
    public let bytes: UnsafeRawBufferPointer
    /// Where the data starts in the file (0 for variables not read from a file).
    public let fileOffset: Int
    /// Keeps the mapping alive for as long as this view exists.
    let owner: ModelBytes

    init(name: String, shape: [Int], dataType: ModelDataType, bytes: UnsafeRawBufferPointer, fileOffset: Int, owner: ModelBytes) {
        self.name = name
        self.shape = shape
        self.dataType = dataType
        self.bytes = bytes
        self.fileOffset = fileOffset
        self.owner = owner
    }

    public var rank: Int { shape.count }
    public var elementCount: Int { shape.reduce(1, *) }
    /// A rank-0 variable (CTranslate2 stores flags and small integers such as `num_heads` so).
    public var isScalar: Bool { shape.isEmpty }

    // MARK: Scalars

    /// The value of a one-element integer variable (`int8`, `int16` or `int32`), such as
    /// `decoder/activation` or `encoder/num_heads`.
    public func scalarInt() throws(WhisperError) -> Int {
        try requireSingleElement()
        switch dataType {
        case .int8: return Int(bytes.loadUnaligned(as: Int8.self))
        case .int16: return Int(Int16(littleEndian: bytes.loadUnaligned(as: Int16.self)))
        case .int32: return Int(Int32(littleEndian: bytes.loadUnaligned(as: Int32.self)))
        case .float32, .float16, .bfloat16:
            throw WhisperError(.dataTypeMismatch, "variable \(name) is \(dataType), not an integer scalar")
        }
    }

    /// The value of a one-element variable of any type, as a `Float`.
    public func scalarFloat() throws(WhisperError) -> Float {
        try requireSingleElement()
        switch dataType {
        case .int8, .int16, .int32: return Float(try scalarInt())
        case .float32, .float16, .bfloat16: return Self.loadFloat(bytes.baseAddress!, at: 0, dataType)
        }
    }

    /// A flag: CTranslate2 stores Python booleans as int8 scalars.
    public func scalarBool() throws(WhisperError) -> Bool {
        try scalarInt() != 0
    }

    private func requireSingleElement() throws(WhisperError) {
        guard elementCount == 1 else {
            throw WhisperError(.shapeMismatch, "variable \(name) has shape \(shape), not a scalar")
        }
    }

    // MARK: Arrays

    /// All elements of an integer variable.
    public func integers() throws(WhisperError) -> [Int] {
        let count = elementCount
        guard count > 0 else { return [] }
        let base = bytes.baseAddress!
        switch dataType {
        case .int8:
            return (0..<count).map { Int(base.loadUnaligned(fromByteOffset: $0, as: Int8.self)) }
        case .int16:
            return (0..<count).map { Int(Int16(littleEndian: base.loadUnaligned(fromByteOffset: $0 * 2, as: Int16.self))) }
        case .int32:
            return (0..<count).map { Int(Int32(littleEndian: base.loadUnaligned(fromByteOffset: $0 * 4, as: Int32.self))) }
        case .float32, .float16, .bfloat16:
            throw WhisperError(.dataTypeMismatch, "variable \(name) is \(dataType), not an integer tensor")
        }
    }

    /// The elements of a float32, float16 or bfloat16 variable, widened to `Float`. Quantised
    /// (integer) weights need their scale: use `dequantized(scale:)` or `ModelFile.floats(_:)`.
    public func floats() throws(WhisperError) -> [Float] {
        let count = elementCount
        var result = [Float](repeating: 0, count: count)
        try result.withUnsafeMutableBufferPointer { (buffer) throws(WhisperError) in
            try copyFloats(into: buffer)
        }
        return result
    }

    /// Writes the elements of a float variable into `destination`, which must hold exactly
    /// `elementCount` values (for instance a host buffer that is then uploaded to a device).
    public func copyFloats(into destination: UnsafeMutableBufferPointer<Float>) throws(WhisperError) {
        guard dataType.isFloatingPoint else {
            throw WhisperError(
                .dataTypeMismatch,
                "variable \(name) is quantised (\(dataType)); read it with its scale \(name)_scale (ModelFile.floats(_:) or dequantized(scale:))"
            )
        }
        try requireDestination(destination.count)
        let count = elementCount
        guard count > 0 else { return }
        let source = bytes.baseAddress!
        let target = destination.baseAddress!
        switch dataType {
        case .float32:
            UnsafeMutableRawPointer(target).copyMemory(from: source, byteCount: count * 4)
        case .float16:
            for index in 0..<count {
                target[index] = HalfPrecision.float(fromHalfBits: UInt16(littleEndian: source.loadUnaligned(fromByteOffset: index * 2, as: UInt16.self)))
            }
        case .bfloat16:
            for index in 0..<count {
                target[index] = HalfPrecision.float(fromBFloat16Bits: UInt16(littleEndian: source.loadUnaligned(fromByteOffset: index * 2, as: UInt16.self)))
            }
        case .int8, .int16, .int32:
            break  // excluded above
        }
    }

    /// Dequantises an int8 or int16 weight with its scale variable: element `i` of block `b`
    /// becomes `value / scale[b]`, where the tensor is cut into `scale.elementCount` equal
    /// contiguous blocks. That covers CTranslate2's two layouts: int8 weights with one scale per
    /// row (shape `[rows]`; a `[out, in, k]` convolution counts as `out` rows of `in × k`), and
    /// int16 weights with a single rank-0 scale.
    public func dequantized(scale: ModelVariable) throws(WhisperError) -> [Float] {
        var result = [Float](repeating: 0, count: elementCount)
        try result.withUnsafeMutableBufferPointer { (buffer) throws(WhisperError) in
            try copyDequantized(scale: scale, into: buffer)
        }
        return result
    }

    /// `dequantized(scale:)` into caller-provided storage of exactly `elementCount` values.
    public func copyDequantized(scale: ModelVariable, into destination: UnsafeMutableBufferPointer<Float>) throws(WhisperError) {
        guard dataType == .int8 || dataType == .int16 || dataType == .int32 else {
            throw WhisperError(.dataTypeMismatch, "variable \(name) is \(dataType), not a quantised integer weight")
        }
        guard scale.dataType.isFloatingPoint else {
            throw WhisperError(.dataTypeMismatch, "scale \(scale.name) of \(name) is \(scale.dataType), not a float type")
        }
        try requireDestination(destination.count)
        let count = elementCount
        let scales = try scale.floats()
        guard !scales.isEmpty, count % scales.count == 0 else {
            throw WhisperError(
                .shapeMismatch,
                "scale \(scale.name) has \(scales.count) values, which do not divide the \(count) elements of \(name) (shape \(shape)) into rows"
            )
        }
        if scales.count > 1, let rows = shape.first, rows != scales.count {
            throw WhisperError(
                .shapeMismatch,
                "scale \(scale.name) has \(scales.count) values but \(name) has \(rows) rows (shape \(shape)); int8 scales are per row"
            )
        }
        guard count > 0 else { return }
        let rowLength = count / scales.count
        let source = bytes.baseAddress!
        let target = destination.baseAddress!
        for row in 0..<scales.count {
            let factor = scales[row]
            let start = row * rowLength
            switch dataType {
            case .int8:
                for index in start..<(start + rowLength) {
                    target[index] = Float(source.loadUnaligned(fromByteOffset: index, as: Int8.self)) / factor
                }
            case .int16:
                for index in start..<(start + rowLength) {
                    target[index] = Float(Int16(littleEndian: source.loadUnaligned(fromByteOffset: index * 2, as: Int16.self))) / factor
                }
            default:
                for index in start..<(start + rowLength) {
                    target[index] = Float(Int32(littleEndian: source.loadUnaligned(fromByteOffset: index * 4, as: Int32.self))) / factor
                }
            }
        }
    }

    private func requireDestination(_ count: Int) throws(WhisperError) {
        guard count == elementCount else {
            throw WhisperError(.invalidArgument, "destination holds \(count) values but \(name) has \(elementCount) (shape \(shape))")
        }
    }

    @inline(__always)
    static func loadFloat(_ base: UnsafeRawPointer, at index: Int, _ type: ModelDataType) -> Float {
        switch type {
        case .float32: return Float(bitPattern: UInt32(littleEndian: base.loadUnaligned(fromByteOffset: index * 4, as: UInt32.self)))
        case .float16: return HalfPrecision.float(fromHalfBits: UInt16(littleEndian: base.loadUnaligned(fromByteOffset: index * 2, as: UInt16.self)))
        case .bfloat16: return HalfPrecision.float(fromBFloat16Bits: UInt16(littleEndian: base.loadUnaligned(fromByteOffset: index * 2, as: UInt16.self)))
        case .int8: return Float(base.loadUnaligned(fromByteOffset: index, as: Int8.self))
        case .int16: return Float(Int16(littleEndian: base.loadUnaligned(fromByteOffset: index * 2, as: Int16.self)))
        case .int32: return Float(Int32(littleEndian: base.loadUnaligned(fromByteOffset: index * 4, as: Int32.self)))
        }
    }
}

extension ModelVariable: CustomStringConvertible {
    public var description: String {
        "\(name) \(shape) \(dataType)"
    }
}
