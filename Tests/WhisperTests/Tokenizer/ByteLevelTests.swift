import Testing
@testable import Whisper

@Suite("Byte-level alphabet and GPT-2 pre-tokenizer")
struct ByteLevelTests {
    @Test("every byte has one printable scalar and maps back")
    func alphabetRoundTrip() {
        var seen = Set<UInt32>()
        for byte in 0...255 {
            let string = ByteLevelAlphabet.tokenString(ofBytes: [UInt8(byte)])
            let scalars = Array(string.unicodeScalars)
            #expect(scalars.count == 1)
            #expect(!scalars[0].properties.isWhitespace)
            #expect(ByteLevelAlphabet.bytes(ofTokenString: string) == [UInt8(byte)])
            seen.insert(scalars[0].value)
        }
        #expect(seen.count == 256)
    }

    @Test("known letters of the alphabet")
    func knownScalars() {
        #expect(ByteLevelAlphabet.tokenString(ofBytes: Array(" ".utf8)) == "Ġ")
        #expect(ByteLevelAlphabet.tokenString(ofBytes: Array("\n".utf8)) == "Ċ")
        #expect(ByteLevelAlphabet.tokenString(ofBytes: Array("\t".utf8)) == "ĉ")
        #expect(ByteLevelAlphabet.tokenString(ofBytes: Array(" the".utf8)) == "Ġthe")
        #expect(ByteLevelAlphabet.tokenString(ofBytes: Array("é".utf8)) == "Ã©")
        #expect(ByteLevelAlphabet.bytes(ofTokenString: "<|endoftext|>") == Array("<|endoftext|>".utf8))
    }

    @Test(
        "pre-tokenizer splits as the GPT-2 pattern",
        arguments: [
            ("Hello world", ["Hello", " world"]),
            ("I don't think we'll", ["I", " don", "'t", " think", " we", "'ll"]),
            ("WE'LL", ["WE", "'", "LL"]),
            ("!'s", ["!'", "s"]),
            (" 's", [" '", "s"]),
            ("'re 've 'm 'd 'll 'x", ["'re", " '", "ve", " '", "m", " '", "d", " '", "ll", " '", "x"]),
            ("abc123def", ["abc", "123", "def"]),
            ("a  b", ["a", " ", " b"]),
            ("a   ", ["a", "   "]),
            ("x\t\t y", ["x", "\t\t", " y"]),
            (" \n\n hi", [" \n\n", " hi"]),
            ("a\nb", ["a", "\n", "b"]),
            ("a\n\nb", ["a", "\n", "\n", "b"]),
            ("Hi!!! (ok)", ["Hi", "!!!", " (", "ok", ")"]),
            ("$1,299.99", ["$", "1", ",", "299", ".", "99"]),
            ("naïve café", ["naïve", " café"]),
            ("a\u{00A0}b", ["a", "\u{00A0}", "b"]),
            ("a\u{200B}b", ["a", "\u{200B}", "b"]),
            ("Ⅻ½²", ["Ⅻ½²"]),
            ("", []),
        ] as [(String, [String])]
    )
    func preTokenizer(text: String, expected: [String]) {
        let pieces = GPT2PreTokenizer.split(text).map(String.init)
        #expect(pieces == expected)
        #expect(pieces.joined() == text)
    }

    @Test("timestamps are written with two decimals")
    func timestampFormatting() {
        #expect(WhisperTokenizer.formatTimestamp(steps: 0) == "0.00")
        #expect(WhisperTokenizer.formatTimestamp(steps: 1) == "0.02")
        #expect(WhisperTokenizer.formatTimestamp(steps: 50) == "1.00")
        #expect(WhisperTokenizer.formatTimestamp(steps: 999) == "19.98")
        #expect(WhisperTokenizer.formatTimestamp(steps: 1500) == "30.00")
    }
}
