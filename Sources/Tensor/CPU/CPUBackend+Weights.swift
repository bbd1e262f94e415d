import CPUKernels
import DeviceMemory

// Weights in float16 and int8 on the CPU. Decoding steps (one or two rows) stream the weights
// once through the kernels in CPUKernels; longer inputs (the encoder's 1500 frames) reuse each
// weight hundreds of times, so float16 is widened once into scratch for OpenBLAS, and int8 runs
// an exact integer product.
extension CPUBackend {
    public var computeTypes: [ComputeType] { ComputeType.allCases }

    public func makeWeights(_ type: ComputeType, rows: Int, columns: Int, in arena: WeightArena?,
                            fill: (WeightDestination) throws -> Void) throws -> WeightMatrix {
        func region(_ byteCount: Int) throws -> DeviceRegion {
            try arena?.take(byteCount) ?? DeviceRegion(DeviceBuffer(allocator: allocator, byteCount: max(1, byteCount)), byteCount: byteCount)
        }
        let values = try region(rows * columns * type.elementSize)
        let scales = type == .int8 ? try region(rows * MemoryLayout<Float>.stride) : nil
        try fill(WeightDestination(
            type: type, rows: rows, columns: columns, values: UnsafeMutableRawPointer(bitPattern: values.address)!,
            scales: scales.map { UnsafeMutablePointer<Float>(bitPattern: $0.address)! }))
        return WeightMatrix(type: type, rows: rows, columns: columns, values: values, scales: scales)
    }

    public func write(_ bytes: UnsafeRawBufferPointer, to region: DeviceRegion) throws {
        precondition(bytes.count <= region.byteCount, "\(bytes.count) bytes do not fit a region of \(region.byteCount)")
        guard let source = bytes.baseAddress else { return }
        UnsafeMutableRawPointer(bitPattern: region.address)!.copyMemory(from: source, byteCount: bytes.count)
    }

    public func linear(_ x: Tensor, weights: WeightMatrix, bias: Tensor?) throws -> Tensor {
        precondition(weights.columns == x.columns, "linear: input width \(x.columns) does not match \(weights.rows)×\(weights.columns) weights")
        switch weights.type {
        case .float32:
            return try linear(x, weight: weights.tensor, bias: bias)
        case .float16:
            return try linearFloat16(x, weights: weights, bias: bias)
        case .int8:
            return try linearInt8(x, weights: weights, bias: bias)
        }
    }

    public func gatherRows(_ table: WeightMatrix, rows: [Int]) throws -> Tensor {
        if table.type == .float32 { return try gatherRows(table.tensor, rows: rows) }
        let width = table.columns
        let output = try makeTensor(shape: [rows.count, width])
        for (index, row) in rows.enumerated() {
            precondition(row >= 0 && row < table.rows, "row \(row) outside a table of \(table.rows)")
            let target = output.hostPointer + index * width
            switch table.type {
            case .float16:
                auris_f16_to_f32(table.halfPointer + row * width, target, width)
            case .int8:
                auris_dequantize_weight_row(table.int8Pointer + row * width, width, table.scalePointer[row], target)
            case .float32:
                break  // handled above
            }
        }
        return output
    }

    private func linearFloat16(_ x: Tensor, weights: WeightMatrix, bias: Tensor?) throws -> Tensor {
        let rows = x.rows, inputs = x.columns, outputs = weights.rows
        if rows > Self.vectorRows {
            // Widened once per product: 2 bytes read and 4 written per weight, against
            // `rows` multiply-adds per weight in the product itself.
            let wide = try makeTensor(shape: [outputs, inputs])
            let source = weights.halfPointer, target = wide.hostPointer
            parallelRanges(outputs * inputs) { part in
                auris_f16_to_f32(source + part.lowerBound, target + part.lowerBound, part.count)
            }
            return try linear(x, weight: wide, bias: bias)
        }
        let output = try startOutput(x, outputs: outputs, bias: bias)
        if bias == nil { output.hostPointer.initialize(repeating: 0, count: output.count) }
        let w = weights.halfPointer, input = x.hostPointer, out = output.hostPointer
        parallelRanges(outputs, minimumPerThread: vectorSplit(inputs)) { part in
            for row in 0..<rows {
                auris_gemv_f16(w + part.lowerBound * inputs, part.count, inputs, input + row * inputs, out + row * outputs + part.lowerBound)
            }
        }
        return output
    }

    /// Note [int8 as CTranslate2 does it]: each input row is quantised on the fly with its own
    /// scale (127 / max|row|, shifted through the unsigned range as CTranslate2 rounds it), the
    /// product is exact in int32, and the result is `acc · (1 / input scale) / weight scale +
    /// bias`, in that order. Integer products being exact, what is left to differ from
    /// CTranslate2 is the float32 arithmetic around them.
    private func linearInt8(_ x: Tensor, weights: WeightMatrix, bias: Tensor?) throws -> Tensor {
        let rows = x.rows, inputs = x.columns, outputs = weights.rows
        let output = try makeTensor(shape: Array(x.shape.dropLast()) + [outputs])
        let w = weights.int8Pointer, scales = weights.scalePointer
        let input = x.hostPointer, out = output.hostPointer, b = bias?.hostPointer
        let block = 32
        let blocks = (rows + block - 1) / block
        // Scratch rows: the input rows themselves for a decoding step, else a block per thread.
        let scratchRows = rows <= Self.vectorRows ? rows : block * min(threads, blocks)
        let quantised = try DeviceBuffer(allocator: allocator, byteCount: scratchRows * inputs)
        let accumulators = try DeviceBuffer(allocator: allocator, byteCount: scratchRows * outputs * 4)
        let q = UnsafeMutablePointer<Int8>(bitPattern: quantised.address)!
        let acc = UnsafeMutablePointer<Int32>(bitPattern: accumulators.address)!
        if rows <= Self.vectorRows {
            var inputScales = [Float](repeating: 0, count: rows)
            for row in 0..<rows { inputScales[row] = auris_quantize_activation_row(input + row * inputs, inputs, q + row * inputs) }
            parallelRanges(outputs, minimumPerThread: vectorSplit(inputs) * 2) { part in
                for row in 0..<rows {
                    let rowAcc = acc + row * outputs + part.lowerBound
                    auris_gemv_s8(w + part.lowerBound * inputs, part.count, inputs, q + row * inputs, rowAcc)
                    auris_dequantize_row(rowAcc, part.count, inputScales[row], scales + part.lowerBound,
                                         b.map { $0 + part.lowerBound }, out + row * outputs + part.lowerBound)
                }
            }
            return output
        }
        // Blocks of rows, one thread's scratch each, so the int32 results stay in cache.
        parallelParts(blocks, minimumPerThread: 1) { slot, part in
            let blockQ = q + slot * block * inputs, blockAcc = acc + slot * block * outputs
            var blockScales = [Float](repeating: 0, count: block)
            for index in part {
                let first = index * block, count = min(block, rows - first)
                for r in 0..<count {
                    blockScales[r] = auris_quantize_activation_row(input + (first + r) * inputs, inputs, blockQ + r * inputs)
                }
                auris_gemm_s8(blockQ, count, w, outputs, inputs, blockAcc, outputs)
                for r in 0..<count {
                    auris_dequantize_row(blockAcc + r * outputs, outputs, blockScales[r], scales, b, out + (first + r) * outputs)
                }
            }
        }
        return output
    }
}

extension WeightMatrix {
    var halfPointer: UnsafePointer<UInt16> { UnsafePointer(bitPattern: values.address)! }
    var int8Pointer: UnsafePointer<Int8> { UnsafePointer(bitPattern: values.address)! }
    var scalePointer: UnsafePointer<Float> { UnsafePointer(bitPattern: scales!.address)! }
}
