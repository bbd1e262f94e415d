import COpenBLAS

extension CPUBackend {
    /// Up to this many rows, a product is done row by row as matrix-vector products.
    static let vectorRows = 2

    public func linear(_ x: Tensor, weight: Tensor, bias: Tensor?) throws -> Tensor {
        let rows = x.rows, inputs = x.columns, outputs = weight.shape[0]
        precondition(weight.columns == inputs, "linear: input width \(inputs) does not match weight \(weight.shape)")
        let output = try makeTensor(shape: Array(x.shape.dropLast()) + [outputs])
        let out = output.hostPointer
        if let bias {
            // Start from the bias in every row so the product accumulates onto it (beta = 1).
            let b = bias.hostPointer
            for row in 0..<rows { (out + row * outputs).update(from: b, count: outputs) }
        }
        let x = x.hostPointer, w = weight.hostPointer, beta: Float = bias == nil ? 0 : 1
        if rows <= Self.vectorRows {
            // Note [Matrix-vector for decoding]: a decoder step multiplies one row by each
            // weight matrix. sgemm would first repack the whole weight (for the vocabulary
            // projection, 80 MB) on every call; sgemv streams it once. The weight's rows are
            // split between the threads, so each streams its own part.
            parallelRanges(outputs, minimumPerThread: max(64, (1 << 18) / max(inputs, 1))) { part in
                for row in 0..<rows {
                    cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(part.count), Int32(inputs), 1, w + part.lowerBound * inputs,
                                Int32(inputs), x + row * inputs, 1, beta, out + row * outputs + part.lowerBound, 1)
                }
            }
        } else {
            parallelRanges(rows, minimumPerThread: 32) { part in
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(part.count), Int32(outputs), Int32(inputs),
                            1, x + part.lowerBound * inputs, Int32(inputs), w, Int32(inputs),
                            beta, out + part.lowerBound * outputs, Int32(outputs))
            }
        }
        return output
    }

    public func conv1d(_ x: Tensor, weight: Tensor, bias: Tensor, stride: Int, padding: Int) throws -> Tensor {
        let inChannels = x.shape[0], length = x.shape[1]
        let outChannels = weight.shape[0], kernel = weight.shape[2]
        precondition(weight.shape[1] == inChannels, "conv1d: \(inChannels) input channels, weight \(weight.shape)")
        let outLength = (length + 2 * padding - kernel) / stride + 1
        // im2col: column t holds the receptive field of output t, so one matrix product does it.
        let columns = try makeTensor(shape: [inChannels * kernel, outLength])
        let source = x.hostPointer, target = columns.hostPointer
        parallelRanges(inChannels, minimumPerThread: 8) { channels in
            for channel in channels {
                for tap in 0..<kernel {
                    let row = target + (channel * kernel + tap) * outLength
                    for t in 0..<outLength {
                        let position = t * stride + tap - padding
                        row[t] = position >= 0 && position < length ? source[channel * length + position] : 0
                    }
                }
            }
        }
        let output = try makeTensor(shape: [outChannels, outLength])
        let out = output.hostPointer, b = bias.hostPointer
        for channel in 0..<outChannels {
            (out + channel * outLength).initialize(repeating: b[channel], count: outLength)
        }
        let depth = inChannels * kernel, w = weight.hostPointer
        parallelRanges(outChannels, minimumPerThread: 16) { part in
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(part.count), Int32(outLength), Int32(depth),
                        1, w + part.lowerBound * depth, Int32(depth), target, Int32(outLength), 1,
                        out + part.lowerBound * outLength, Int32(outLength))
        }
        return output
    }
}
