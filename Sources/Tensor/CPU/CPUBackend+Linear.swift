import COpenBLAS

extension CPUBackend {
    /// Up to this many rows, a product is done row by row as matrix-vector products.
    static let vectorRows = 2

    public func linear(_ x: Tensor, weight: Tensor, bias: Tensor?) throws -> Tensor {
        precondition(weight.columns == x.columns, "linear: input width \(x.columns) does not match weight \(weight.shape)")
        let output = try startOutput(x, outputs: weight.shape[0], bias: bias)
        multiplyFloat32(x, weight: weight.hostPointer, outputs: weight.shape[0], into: output, accumulate: bias != nil)
        return output
    }

    /// An output `[rows, outputs]` holding the bias in every row (a product then accumulates
    /// onto it), or uninitialised without one.
    func startOutput(_ x: Tensor, outputs: Int, bias: Tensor?) throws -> Tensor {
        let output = try makeTensor(shape: Array(x.shape.dropLast()) + [outputs])
        if let bias {
            let b = bias.hostPointer, out = output.hostPointer
            for row in 0..<x.rows { (out + row * outputs).update(from: b, count: outputs) }
        }
        return output
    }

    /// `output (+)= x · wᵀ` with float32 weights `[outputs, x.columns]` at `w`.
    func multiplyFloat32(_ x: Tensor, weight w: UnsafePointer<Float>, outputs: Int, into output: Tensor, accumulate: Bool) {
        let rows = x.rows, inputs = x.columns, out = output.hostPointer
        let x = x.hostPointer, beta: Float = accumulate ? 1 : 0
        if rows <= Self.vectorRows {
            // Note [Matrix-vector for decoding]: a decoder step multiplies one row by each
            // weight matrix. sgemm would first repack the whole weight (for the vocabulary
            // projection, 80 MB) on every call; sgemv streams it once. The weight's rows are
            // split between the threads, so each streams its own part.
            parallelRanges(outputs, minimumPerThread: vectorSplit(inputs)) { part in
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
    }

    /// Weight rows per thread below which a matrix-vector product is not worth splitting.
    func vectorSplit(_ inputs: Int) -> Int { max(64, (1 << 18) / max(inputs, 1)) }

    /// Output positions per im2col block: the receptive fields of the encoder's second
    /// convolution would take 6.9 MB whole; in blocks of 512 they take 2.4 MB.
    static let convolutionBlock = 512

    public func conv1d(_ x: Tensor, weight: Tensor, bias: Tensor, stride: Int, padding: Int) throws -> Tensor {
        let inChannels = x.shape[0], length = x.shape[1]
        let outChannels = weight.shape[0], kernel = weight.shape[2]
        precondition(weight.shape[1] == inChannels, "conv1d: \(inChannels) input channels, weight \(weight.shape)")
        let outLength = (length + 2 * padding - kernel) / stride + 1
        let output = try makeTensor(shape: [outChannels, outLength])
        let out = output.hostPointer, b = bias.hostPointer
        for channel in 0..<outChannels {
            (out + channel * outLength).initialize(repeating: b[channel], count: outLength)
        }
        let depth = inChannels * kernel, w = weight.hostPointer, source = x.hostPointer
        let block = min(outLength, Self.convolutionBlock)
        let columns = try makeTensor(shape: [depth, block])
        let target = columns.hostPointer
        for start in Swift.stride(from: 0, to: outLength, by: block) {
            let count = min(block, outLength - start)
            // im2col: column t holds the receptive field of output start + t, so one matrix
            // product does the block.
            parallelRanges(inChannels, minimumPerThread: 8) { channels in
                for channel in channels {
                    for tap in 0..<kernel {
                        let row = target + (channel * kernel + tap) * count
                        for t in 0..<count {
                            let position = (start + t) * stride + tap - padding
                            row[t] = position >= 0 && position < length ? source[channel * length + position] : 0
                        }
                    }
                }
            }
            parallelRanges(outChannels, minimumPerThread: 16) { part in
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(part.count), Int32(count), Int32(depth),
                            1, w + part.lowerBound * depth, Int32(depth), target, Int32(count), 1,
                            out + part.lowerBound * outLength + start, Int32(outLength))
            }
        }
        return output
    }
}
