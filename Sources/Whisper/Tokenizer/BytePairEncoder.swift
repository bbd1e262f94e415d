/// Byte-level BPE over token ids: a piece of text starts as one token per byte and adjacent
/// tokens are merged, the lowest-ranked merge first (the leftmost one among equals), until no
/// adjacent pair can merge.
///
/// Two sources of merges are supported:
/// - `tokenizer.json` merges (`"Ġ t"`, rank = line order), exactly what Hugging Face `tokenizers`
///   applies: a pair merges only if that very pair is listed.
/// - the vocabulary alone: any adjacent pair whose concatenation is a token merges, ranked by that
///   token's id. This is how OpenAI's Whisper (tiktoken) encodes, since in the GPT-2 vocabulary
///   token 256 + r is the result of merge r; it agrees with the merge list on ordinary text.
struct BytePairEncoder: Sendable {
    /// One merge: the rank that orders merges and the id of the merged token.
    struct Merge: Sendable, Equatable {
        var rank: Int32
        var result: Int32
    }

    enum Source: Sendable {
        /// Explicit merges, keyed by the pair of token ids (`left << 32 | right`).
        case mergeList([UInt64: Merge])
        /// Merges implied by the vocabulary: the bytes of each ordinary token to its id.
        case vocabularyRanks([[UInt8]: Int32])
    }

    let source: Source
    /// The id of the token for each single byte.
    let byteTokens: [Int32]
    /// The bytes of each token (for the vocabulary source).
    let tokenBytes: TokenByteTable

    /// Encodes one pre-tokenized piece, given as UTF-8 bytes.
    func encode(_ bytes: some Collection<UInt8>) -> [Int] {
        var parts = bytes.map { byteTokens[Int($0)] }
        guard parts.count > 1 else { return parts.map(Int.init) }
        // merges[i]: the merge of parts[i] and parts[i + 1], kept up to date so that each step
        // only looks up the two pairs next to the merge it made.
        var merges = (0..<(parts.count - 1)).map { mergeOf(parts[$0], parts[$0 + 1]) }
        while true {
            var best: Int? = nil
            for index in merges.indices {
                if let merge = merges[index], best == nil || merge.rank < merges[best!]!.rank {
                    best = index
                }
            }
            guard let index = best, let merge = merges[index] else { break }
            parts[index] = merge.result
            parts.remove(at: index + 1)
            merges.remove(at: index)
            if index < merges.count {
                merges[index] = mergeOf(parts[index], parts[index + 1])
            }
            if index > 0 {
                merges[index - 1] = mergeOf(parts[index - 1], parts[index])
            }
        }
        return parts.map(Int.init)
    }

    private func mergeOf(_ left: Int32, _ right: Int32) -> Merge? {
        switch source {
        case .mergeList(let merges):
            return merges[Self.pairKey(left, right)]
        case .vocabularyRanks(let ids):
            let joined = Array(tokenBytes[Int(left)]) + tokenBytes[Int(right)]
            guard let id = ids[joined] else { return nil }
            return Merge(rank: id, result: id)
        }
    }

    static func pairKey(_ left: Int32, _ right: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
    }
}

/// The bytes of every token, stored flat.
struct TokenByteTable: Sendable {
    private let bytes: [UInt8]
    private let offsets: [Int32]  // count + 1 entries

    init(_ tokens: [[UInt8]]) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(tokens.reduce(0) { $0 + $1.count })
        var offsets: [Int32] = [0]
        offsets.reserveCapacity(tokens.count + 1)
        for token in tokens {
            bytes.append(contentsOf: token)
            offsets.append(Int32(bytes.count))
        }
        self.bytes = bytes
        self.offsets = offsets
    }

    var count: Int { offsets.count - 1 }

    subscript(id: Int) -> ArraySlice<UInt8> {
        bytes[Int(offsets[id])..<Int(offsets[id + 1])]
    }

    /// Appends the bytes of token `id` to `output`.
    func append(_ id: Int, to output: inout [UInt8]) {
        output.append(contentsOf: self[id])
    }
}
