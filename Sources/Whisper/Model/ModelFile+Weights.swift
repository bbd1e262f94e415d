import CPUKernels
import Tensor

extension ModelFile {
    /// Writes weight `name` into `destination` in the destination's compute type, a row at a
    /// time, then lets the kernel drop the file's pages (Note [Loading without copies]).
    ///
    /// Conversions follow CTranslate2 when it loads a model with another compute type: float16
    /// and bfloat16 widen exactly; float weights become int8 with `auris_quantize_weight_row`
    /// (its per-row scale and rounding); stored int8 is kept with its own scales when int8 is
    /// asked for, and dequantised (`value / scale`) otherwise.
    func fill(_ destination: WeightDestination, from name: String) throws(WhisperError) {
        let variable = try variable(name)
        let rows = destination.rows, columns = destination.columns
        guard variable.elementCount == rows * columns else {
            throw WhisperError(.shapeMismatch, "\(path): \(name) has shape \(variable.shape), not \(rows) × \(columns)")
        }
        let scales: [Float]? = variable.dataType.isFloatingPoint ? nil : try scale(of: name).floats()
        if let scales, scales.count != rows, !(scales.count == 1 && variable.dataType == .int16) {
            throw WhisperError(.shapeMismatch, "\(path): \(name) has \(rows) rows but \(scales.count) scales")
        }
        defer { releasePages(of: variable) }
        var row = [Float](repeating: 0, count: columns)
        let rowBytes = columns * variable.dataType.byteWidth
        let rowsPerRelease = max(1, (1 << 20) / max(rowBytes, 1))
        for r in 0..<rows {
            if r > 0 && r % rowsPerRelease == 0 {
                // Every megabyte, so that even the 40 MB embedding never sits in memory twice.
                releasePages(of: variable, bytes: (r - rowsPerRelease) * rowBytes..<(r * rowBytes))
            }
            switch (destination.type, variable.dataType) {
            case (.float16, .float16), (.int8, .int8):
                (destination.values + r * rowBytes).copyMemory(from: variable.bytes.baseAddress! + r * rowBytes, byteCount: rowBytes)
                if let scales { destination.scales![r] = scales[r] }
            case (.float32, _):
                let target = destination.values.assumingMemoryBound(to: Float.self) + r * columns
                variable.widenRow(r, columns: columns, scales: scales, into: target)
            case (.float16, _):
                row.withUnsafeMutableBufferPointer { buffer in
                    variable.widenRow(r, columns: columns, scales: scales, into: buffer.baseAddress!)
                    auris_f32_to_f16(buffer.baseAddress!, destination.values.assumingMemoryBound(to: UInt16.self) + r * columns, columns)
                }
            case (.int8, _):
                row.withUnsafeMutableBufferPointer { buffer in
                    variable.widenRow(r, columns: columns, scales: scales, into: buffer.baseAddress!)
                    destination.scales![r] = auris_quantize_weight_row(
                        buffer.baseAddress!, columns, destination.values.assumingMemoryBound(to: Int8.self) + r * columns)
                }
            }
        }
    }
}

extension ModelVariable {
    /// Row `r` (of `columns` elements) as float32: widened, or dequantised with `scales` (one per
    /// row, or a single one for int16).
    func widenRow(_ r: Int, columns: Int, scales: [Float]?, into target: UnsafeMutablePointer<Float>) {
        let first = r * columns, source = bytes.baseAddress!
        switch dataType {
        case .float32:
            UnsafeMutableRawPointer(target).copyMemory(from: source + first * 4, byteCount: columns * 4)
        case .float16:
            // The file's bytes are little-endian and so is every host Auris runs on.
            auris_f16_to_f32(source.advanced(by: first * 2).assumingMemoryBound(to: UInt16.self), target, columns)
        case .bfloat16, .int8, .int16, .int32:
            let factor = scales.map { $0.count == 1 ? $0[0] : $0[r] }
            for c in 0..<columns {
                let value = Self.loadFloat(source, at: first + c, dataType)
                target[c] = factor.map { value / $0 } ?? value
            }
        }
    }
}
