/// The GPT-2 byte-level alphabet: every byte 0...255 is written as one printable Unicode scalar,
/// so that a byte-level BPE token (any byte string) is stored as an ordinary printable string in
/// `vocabulary.txt` and `tokenizer.json`.
///
/// Bytes that are already printable and not whitespace (`!`...`~`, `¡`...`¬`, `®`...`ÿ`) stand
/// for themselves; the remaining 68 bytes, in increasing order, take the scalars U+0100, U+0101,
/// ... (so the space 0x20 is `Ġ` U+0120 and the newline 0x0A is `Ċ` U+010A).
enum ByteLevelAlphabet {
    /// `scalarOfByte[b]` is the scalar value that stands for byte `b`.
    static let scalarOfByte: [UInt32] = {
        var table = [UInt32](repeating: 0, count: 256)
        var next: UInt32 = 256
        for byte in 0..<256 {
            if isSelfRepresenting(UInt8(byte)) {
                table[byte] = UInt32(byte)
            } else {
                table[byte] = next
                next += 1
            }
        }
        return table
    }()

    /// The byte a scalar stands for, or nil if the scalar is not in the alphabet.
    static func byte(for scalar: Unicode.Scalar) -> UInt8? {
        let value = scalar.value
        if value < 256 {
            // Below 256, a scalar is in the alphabet exactly when its byte stands for itself.
            return isSelfRepresenting(UInt8(value)) ? UInt8(value) : nil
        }
        let index = Int(value) - 256
        guard index < remappedBytes.count else { return nil }
        return remappedBytes[index]
    }

    /// The bytes a token string stands for. A string with any scalar outside the alphabet (an
    /// added token such as `<|endoftext|>` is plain text) stands for its own UTF-8 bytes, as the
    /// Hugging Face ByteLevel decoder does.
    static func bytes(ofTokenString token: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(token.unicodeScalars.count)
        for scalar in token.unicodeScalars {
            guard let byte = byte(for: scalar) else { return Array(token.utf8) }
            out.append(byte)
        }
        return out
    }

    /// The token string for a byte string (the inverse of `bytes(ofTokenString:)` on the alphabet).
    static func tokenString(ofBytes bytes: some Sequence<UInt8>) -> String {
        var scalars = String.UnicodeScalarView()
        for byte in bytes {
            scalars.append(Unicode.Scalar(scalarOfByte[Int(byte)])!)
        }
        return String(scalars)
    }

    private static func isSelfRepresenting(_ byte: UInt8) -> Bool {
        (0x21...0x7E).contains(byte) || (0xA1...0xAC).contains(byte) || (0xAE...0xFF).contains(byte)
    }

    /// The bytes that are written as U+0100 + index, in order.
    private static let remappedBytes: [UInt8] = (0..<256).compactMap { byte in
        isSelfRepresenting(UInt8(byte)) ? nil : UInt8(byte)
    }
}
