import CZlib

/// How repetitive a text is: its UTF-8 length over its zlib-compressed length, as
/// faster-whisper's `get_compression_ratio` computes it with Python's `zlib.compress` (default
/// level, zlib wrapper with header and checksum). Looping hallucinations compress well, so a
/// high ratio makes decoding fall back to a higher temperature.
public enum CompressionRatio {
    /// `len(text.encode("utf-8")) / len(zlib.compress(text.encode("utf-8")))`.
    public static func of(_ text: String) -> Double {
        let bytes = Array(text.utf8)
        return Double(bytes.count) / Double(compressedLength(bytes))
    }

    /// The length of the zlib stream `compress2` writes at `Z_DEFAULT_COMPRESSION`, which uses
    /// the same window and memory settings as Python's `zlib.compress`.
    static func compressedLength(_ bytes: [UInt8]) -> Int {
        var capacity = compressBound(uLong(bytes.count))
        var output = [UInt8](repeating: 0, count: Int(capacity))
        let status = output.withUnsafeMutableBufferPointer { out in
            bytes.withUnsafeBufferPointer { input in
                compress2(out.baseAddress, &capacity, input.baseAddress, uLong(input.count),
                          Z_DEFAULT_COMPRESSION)
            }
        }
        // compressBound guarantees room, so only memory exhaustion can fail here; treat such a
        // failure as incompressible rather than as a reason to abort a transcription.
        guard status == Z_OK else { return max(bytes.count, 1) }
        return Int(capacity)
    }
}

/// `compressionRatio(text)`: see `CompressionRatio.of`.
public func compressionRatio(_ text: String) -> Double {
    CompressionRatio.of(text)
}
