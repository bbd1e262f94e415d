/// Python's `str.strip()` and truthiness of stripped text, because faster-whisper decides with
/// them which text is empty, what is compressed, and how prompts are encoded; Foundation's
/// whitespace set differs from Python's (U+001C...U+001F count as space in Python).
public enum PythonText {
    /// The code points for which Python's `str.isspace()` is true.
    static let whitespace: Set<Unicode.Scalar> = {
        var values: [UInt32] = [0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x1C, 0x1D, 0x1E, 0x1F, 0x20, 0x85,
                                0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000]
        values += Array(0x2000...0x200A)
        return Set(values.compactMap(Unicode.Scalar.init))
    }()

    /// `text.strip()`.
    public static func strip(_ text: String) -> String {
        let scalars = text.unicodeScalars
        guard let first = scalars.firstIndex(where: { !whitespace.contains($0) }),
              let last = scalars.lastIndex(where: { !whitespace.contains($0) })
        else { return "" }
        return String(scalars[first...last])
    }

    /// `not text.strip()`.
    public static func isBlank(_ text: String) -> Bool {
        text.unicodeScalars.allSatisfy { whitespace.contains($0) }
    }
}
