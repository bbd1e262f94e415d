import GPU

extension CUDABackend {
    /// Note [Row-major through column-major BLAS]: cuBLAS is column-major, and a row-major
    /// `[r, c]` matrix is the same bytes as a column-major `c × r` one. So a row-major product
    /// `out = x · wᵀ` is computed as the column-major `outᵀ = w · xᵀ` — no copies, only the
    /// roles of the operands and their transposition flags change.
    public func linear(_ x: Tensor, weight: Tensor, bias: Tensor?) throws -> Tensor {
        let rows = x.rows, inputs = x.columns, outputs = weight.shape[0]
        precondition(weight.columns == inputs, "linear: input width \(inputs) does not match weight \(weight.shape)")
        let output = try makeTensor(shape: Array(x.shape.dropLast()) + [outputs])
        if decodeKernels && rows <= Self.fewRows {
            // Note [Decoding steps in few launches]: eight warps, each one output column.
            try stream.launch(kernels.linearFewRows, grid: KernelGrid((outputs + 7) / 8), block: KernelGrid(256), [
                output.argument, x.argument, weight.argument, .address(bias?.address ?? 0), .int(rows), .int(inputs), .int(outputs),
            ])
            return output
        }
        if let bias {
            try launchElementwise(kernels.fillRows, count: output.count, [output.argument, bias.argument, .int(output.count), .int(outputs)])
        }
        try blas.multiply(MatrixOperand(weight.address, leadingDimension: inputs), .transpose,
                          MatrixOperand(x.address, leadingDimension: inputs), .none,
                          into: MatrixOperand(output.address, leadingDimension: outputs),
                          m: outputs, n: rows, k: inputs, beta: bias == nil ? 0 : 1)
        return output
    }

    public func conv1d(_ x: Tensor, weight: Tensor, bias: Tensor, stride: Int, padding: Int) throws -> Tensor {
        let inChannels = x.shape[0], length = x.shape[1]
        let outChannels = weight.shape[0], kernel = weight.shape[2]
        precondition(weight.shape[1] == inChannels, "conv1d: \(inChannels) input channels, weight \(weight.shape)")
        let outLength = (length + 2 * padding - kernel) / stride + 1
        let depth = inChannels * kernel
        let columns = try makeTensor(shape: [depth, outLength])
        try launchElementwise(kernels.im2col, count: columns.count, [
            columns.argument, x.argument, .int(inChannels), .int(length), .int(kernel), .int(stride), .int(padding), .int(outLength),
        ])
        let output = try makeTensor(shape: [outChannels, outLength])
        try launchElementwise(kernels.fillColumns, count: output.count, [output.argument, bias.argument, .int(output.count), .int(outLength)])
        // Row-major out[oc, t] = Σ w[oc, d] · columns[d, t]; column-major outᵀ = columnsᵀ · wᵀ.
        try blas.multiply(MatrixOperand(columns.address, leadingDimension: outLength), .none,
                          MatrixOperand(weight.address, leadingDimension: depth), .none,
                          into: MatrixOperand(output.address, leadingDimension: outLength),
                          m: outLength, n: outChannels, k: depth, beta: 1)
        return output
    }

    /// Up to this many rows, a product or an attention runs as one kernel of ours rather than
    /// through cuBLAS: the rows of a decoding step, or a short prompt.
    static var fewRows: Int { 8 }
    /// The most keys whose scores fit the few-queries kernel's shared memory (48 KiB with room to
    /// spare; Whisper's windows have 1,500, its decoder at most 448).
    static var fewQueriesKeyLimit: Int { 8192 }

    public func attention(query: Tensor, keys: Tensor, values: Tensor, keyCount: Int, heads: Int, causal: Bool) throws -> Tensor {
        let queries = query.rows, width = query.columns, headWidth = width / heads
        precondition(keys.columns == width && keyCount <= keys.rows, "attention: keys \(keys.shape) for width \(width)")
        let output = try makeTensor(shape: [queries, width])
        if decodeKernels && queries <= Self.fewRows && keyCount <= Self.fewQueriesKeyLimit {
            try attendFewQueries(into: output, query: query, keys: keys.address, values: values.address, keyStride: width,
                                 keyCount: keyCount, heads: heads, causal: causal)
            return output
        }
        let scores = try makeTensor(shape: [heads, queries, keyCount])
        // Per head h, row-major scores[q, k] = scale · Σ query[q, h·hw + d] · keys[k, h·hw + d]:
        // column-major scoresᵀ = keysₕᵀᵀ · queryₕᵀ, the heads a batch strided by hw columns.
        try blas.multiply(MatrixOperand(keys.address, leadingDimension: width, batchStride: headWidth), .transpose,
                          MatrixOperand(query.address, leadingDimension: width, batchStride: headWidth), .none,
                          into: MatrixOperand(scores.address, leadingDimension: keyCount, batchStride: queries * keyCount),
                          m: keyCount, n: queries, k: headWidth, alpha: 1 / Float(headWidth).squareRoot(), batch: heads)
        try stream.launch(kernels.softmaxRows, grid: KernelGrid(queries, heads), block: KernelGrid(256), [
            scores.argument, .int(queries), .int(keyCount), .int(keyCount - queries), .int(causal ? 1 : 0),
        ])
        // Row-major output[q, h·hw + d] = Σ scores[q, k] · values[k, h·hw + d].
        try blas.multiply(MatrixOperand(values.address, leadingDimension: width, batchStride: headWidth), .none,
                          MatrixOperand(scores.address, leadingDimension: keyCount, batchStride: queries * keyCount), .none,
                          into: MatrixOperand(output.address, leadingDimension: width, batchStride: headWidth),
                          m: headWidth, n: queries, k: keyCount, batch: heads)
        return output
    }

    /// Cross-attention over the fused key|value matrix read in place: keys are its first `width`
    /// columns, values the next, so a decoding step copies nothing apart.
    public func crossAttention(query: Tensor, fusedKeyValues keyValues: WeightMatrix, heads: Int) throws -> Tensor {
        let fused = keyValues.tensor, width = query.columns
        precondition(fused.columns == 2 * width, "cross-attention: key|value matrix \(fused.shape) for width \(width)")
        let output = try makeTensor(shape: [query.rows, width])
        if decodeKernels && query.rows <= Self.fewRows && fused.rows <= Self.fewQueriesKeyLimit {
            try attendFewQueries(into: output, query: query, keys: fused.address, values: fused.address + UInt(width * MemoryLayout<Float>.stride),
                                 keyStride: 2 * width, keyCount: fused.rows, heads: heads, causal: false)
            return output
        }
        let keys = try makeTensor(shape: [fused.rows, width]), values = try makeTensor(shape: [fused.rows, width])
        try copyColumns(of: fused, columnStart: 0, width: width, into: keys, destinationRow: 0)
        try copyColumns(of: fused, columnStart: width, width: width, into: values, destinationRow: 0)
        return try attention(query: query, keys: keys, values: values, keyCount: fused.rows, heads: heads, causal: false)
    }

    /// One launch of `auris_attention_few_queries`: a block per query and head, the scores in
    /// shared memory. With `causal`, query `i` sits at position `keyCount - queries + i`.
    private func attendFewQueries(into output: Tensor, query: Tensor, keys: UInt, values: UInt, keyStride: Int,
                                  keyCount: Int, heads: Int, causal: Bool) throws {
        let queries = query.rows, width = query.columns, headWidth = width / heads, threads = 256
        precondition(headWidth <= threads, "attention: heads of \(headWidth) exceed a block of \(threads) threads")
        let sharedBytes = (32 + headWidth + keyCount + threads) * MemoryLayout<Float>.stride
        try stream.launch(kernels.attentionFewQueries, grid: KernelGrid(queries, heads), block: KernelGrid(threads), sharedBytes: sharedBytes, [
            output.argument, .int(width), query.argument, .int(width), .address(keys), .address(values), .int(keyStride),
            .int(keyCount), .int(keyCount - queries), .int(causal ? 1 : 0), .float(1 / Float(headWidth).squareRoot()), .int(headWidth),
        ])
    }

    public func addInPlace(_ x: Tensor, _ y: Tensor) throws {
        if y.count == x.count {
            try launchElementwise(kernels.add, count: x.count, [x.argument, y.argument, .int(x.count)])
        } else {
            precondition(y.count == x.columns, "add: cannot broadcast \(y.shape) over \(x.shape)")
            try launchElementwise(kernels.addRow, count: x.count, [x.argument, y.argument, .int(x.count), .int(x.columns)])
        }
    }

    public func layerNorm(_ x: Tensor, gamma: Tensor, beta: Tensor, epsilon: Float) throws -> Tensor {
        let output = try makeTensor(shape: x.shape)
        try launchPerRow(kernels.layerNorm, rows: x.rows, [
            output.argument, x.argument, gamma.argument, beta.argument, .int(x.columns), .float(epsilon),
        ])
        return output
    }

    public func geluInPlace(_ x: Tensor) throws {
        try launchElementwise(kernels.gelu, count: x.count, [x.argument, .int(x.count)])
    }

    public func transpose(_ x: Tensor) throws -> Tensor {
        let rows = x.shape[0], columns = x.shape[1]
        let output = try makeTensor(shape: [columns, rows])
        try stream.launch(kernels.transpose, grid: KernelGrid((columns + 31) / 32, (rows + 31) / 32), block: KernelGrid(32, 8),
                          [output.argument, x.argument, .int(rows), .int(columns)])
        return output
    }

    public func gatherRows(_ table: Tensor, rows: [Int]) throws -> Tensor {
        let width = table.columns
        let output = try makeTensor(shape: [rows.count, width])
        guard !rows.isEmpty else { return output }
        for row in rows { precondition(row >= 0 && row < table.rows, "row \(row) outside a table of \(table.rows)") }
        // The indices travel as a small buffer from the allocator, like every other device byte.
        let indices = try DeviceBuffer(allocator: allocator, byteCount: rows.count * MemoryLayout<Int32>.stride)
        let values = rows.map { Int32($0) }
        try values.withUnsafeBytes { try stream.copy(from: $0.baseAddress!, toDevice: indices.address, byteCount: $0.count) }
        try launchPerRow(kernels.gatherRows, rows: rows.count, [output.argument, table.argument, .address(indices.address), .int(width)])
        return output
    }

    public func copyColumns(of source: Tensor, columnStart: Int, width: Int, into destination: Tensor, destinationRow: Int) throws {
        let rows = source.rows
        precondition(destination.columns == width && destinationRow + rows <= destination.rows,
                     "copyColumns: \(rows) rows of width \(width) do not fit \(destination.shape) at row \(destinationRow)")
        let target = destination.address + UInt(destinationRow * width * MemoryLayout<Float>.stride)
        try launchPerRow(kernels.copyColumns, rows: rows, [
            .address(target), source.argument, .int(source.columns), .int(columnStart), .int(width),
        ])
    }
}
