// Encoding and decoding text.

extension WhisperTokenizer {
    /// The token ids of `text`, as `tokenizers.Tokenizer.encode(text, add_special_tokens=False)`
    /// gives them: special tokens written out in the text (`<|endoftext|>`, `<|en|>`, ...) become
    /// their ids; the text between them is split by the GPT-2 pre-tokenizer and each piece is
    /// byte-level BPE encoded. No start or end tokens are added.
    public func encode(_ text: String) -> [Int] {
        storage.encode(text)
    }

    /// The text of `tokens`, dropping every special token (`<|endoftext|>` and above, timestamps
    /// included). The bytes of all remaining tokens are joined first and then read as UTF-8, so a
    /// character split across tokens comes out whole; bytes that are not valid UTF-8 become
    /// U+FFFD, one per maximal invalid subsequence (as Rust's `from_utf8_lossy`, which
    /// `tokenizers` uses).
    public func decode(_ tokens: [Int]) -> String {
        var bytes: [UInt8] = []
        storage.appendTextBytes(of: tokens, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The text of `tokens` with each timestamp token written in place as `<|1.24|>`; other special
    /// tokens are dropped and the text between two timestamps is decoded as by `decode(_:)`.
    public func decodeWithTimestamps(_ tokens: [Int]) -> String {
        var output = ""
        var pending: [Int] = []
        for token in tokens {
            if token >= timestampBegin {
                output += decode(pending)
                pending.removeAll(keepingCapacity: true)
                output += "<|" + Self.formatTimestamp(steps: token - timestampBegin) + "|>"
            } else {
                pending.append(token)
            }
        }
        output += decode(pending)
        return output
    }

    /// `steps × 0.02` with two decimals (exact: every step is a whole number of hundredths).
    static func formatTimestamp(steps: Int) -> String {
        let hundredths = steps * 2
        let whole = hundredths / 100
        let fraction = hundredths % 100
        return "\(whole)." + (fraction < 10 ? "0" : "") + "\(fraction)"
    }

    /// The bytes a token stands for (empty for special tokens and ids outside the vocabulary).
    public func bytes(of token: Int) -> [UInt8] {
        guard token >= 0, token < storage.firstSpecial, token < storage.tokenBytes.count else { return [] }
        return Array(storage.tokenBytes[token])
    }
}

extension WhisperTokenizer.Storage {
    func appendTextBytes(of tokens: [Int], to bytes: inout [UInt8]) {
        for token in tokens where token >= 0 && token < firstSpecial && token < tokenBytes.count {
            tokenBytes.append(token, to: &bytes)
        }
    }

    func encode(_ text: String) -> [Int] {
        let utf8 = Array(text.utf8)
        var ids: [Int] = []
        var segmentStart = 0
        var index = 0
        while index < utf8.count {
            if addedTokenFirstBytes.contains(utf8[index]), let match = addedToken(in: utf8, at: index) {
                encodeOrdinary(utf8[segmentStart..<index], into: &ids)
                ids.append(match.id)
                index += match.length
                segmentStart = index
            } else {
                index += 1
            }
        }
        encodeOrdinary(utf8[segmentStart..<utf8.count], into: &ids)
        return ids
    }

    /// The longest added token that starts at `index`.
    private func addedToken(in utf8: [UInt8], at index: Int) -> (length: Int, id: Int)? {
        for token in addedTokens where token.bytes.count <= utf8.count - index {
            if utf8[index..<(index + token.bytes.count)].elementsEqual(token.bytes) {
                return (token.bytes.count, token.id)
            }
        }
        return nil
    }

    /// Encodes text that holds no special token. The slice starts and ends on character
    /// boundaries, since added tokens are whole UTF-8 strings.
    private func encodeOrdinary(_ utf8: ArraySlice<UInt8>, into ids: inout [Int]) {
        guard !utf8.isEmpty else { return }
        var text = String(decoding: utf8, as: UTF8.self)
        if addPrefixSpace && !text.hasPrefix(" ") {
            text = " " + text
        }
        for piece in GPT2PreTokenizer.split(text) {
            ids.append(contentsOf: encoder.encode(piece.utf8))
        }
    }
}
