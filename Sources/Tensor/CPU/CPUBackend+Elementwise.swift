import CPUKernels

extension CPUBackend {
    public func addInPlace(_ x: Tensor, _ y: Tensor) throws {
        let target = x.hostPointer, source = y.hostPointer
        if y.count == x.count {
            parallelRanges(x.count) { range in
                for i in range { target[i] += source[i] }
            }
        } else {
            precondition(y.count == x.columns, "add: cannot broadcast \(y.shape) over \(x.shape)")
            let width = x.columns
            parallelRanges(x.rows, minimumPerThread: 64) { rows in
                for row in rows {
                    let line = target + row * width
                    for i in 0..<width { line[i] += source[i] }
                }
            }
        }
    }

    public func layerNorm(_ x: Tensor, gamma: Tensor, beta: Tensor, epsilon: Float) throws -> Tensor {
        let output = try makeTensor(shape: x.shape)
        let width = x.columns, source = x.hostPointer, target = output.hostPointer
        let g = gamma.hostPointer, b = beta.hostPointer
        parallelRanges(x.rows, minimumPerThread: 64) { rows in
            for row in rows {
                let input = source + row * width, out = target + row * width
                var sum: Float = 0
                for i in 0..<width { sum += input[i] }
                let mean = sum / Float(width)
                var squares: Float = 0
                for i in 0..<width {
                    let centered = input[i] - mean
                    squares += centered * centered
                }
                let scale = 1 / (squares / Float(width) + epsilon).squareRoot()
                for i in 0..<width { out[i] = (input[i] - mean) * scale * g[i] + b[i] }
            }
        }
        return output
    }

    public func geluInPlace(_ x: Tensor) throws {
        let values = x.hostPointer
        parallelRanges(x.count) { range in auris_gelu(values + range.lowerBound, range.count) }
    }

    public func transpose(_ x: Tensor) throws -> Tensor {
        let rows = x.shape[0], columns = x.shape[1]
        let output = try makeTensor(shape: [columns, rows])
        let source = x.hostPointer, target = output.hostPointer
        // Blocked, so both sides stay in cache.
        let block = 32
        parallelRanges((rows + block - 1) / block, minimumPerThread: 4) { rowBlocks in
            for rowBlock in rowBlocks {
                let rowStart = rowBlock * block, rowEnd = min(rowStart + block, rows)
                var columnStart = 0
                while columnStart < columns {
                    let columnEnd = min(columnStart + block, columns)
                    for r in rowStart..<rowEnd {
                        for c in columnStart..<columnEnd { target[c * rows + r] = source[r * columns + c] }
                    }
                    columnStart = columnEnd
                }
            }
        }
        return output
    }

    public func gatherRows(_ table: Tensor, rows: [Int]) throws -> Tensor {
        let width = table.columns
        let output = try makeTensor(shape: [rows.count, width])
        for (index, row) in rows.enumerated() {
            precondition(row >= 0 && row < table.rows, "row \(row) outside a table of \(table.rows)")
            (output.hostPointer + index * width).update(from: table.hostPointer + row * width, count: width)
        }
        return output
    }

    public func copyColumns(of source: Tensor, columnStart: Int, width: Int, into destination: Tensor, destinationRow: Int) throws {
        let rows = source.rows, sourceWidth = source.columns
        precondition(destination.columns == width && destinationRow + rows <= destination.rows,
                     "copyColumns: \(rows) rows of width \(width) do not fit \(destination.shape) at row \(destinationRow)")
        for row in 0..<rows {
            (destination.hostPointer + (destinationRow + row) * width)
                .update(from: source.hostPointer + row * sourceWidth + columnStart, count: width)
        }
    }
}
