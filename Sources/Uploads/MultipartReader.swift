import Foundation
import NIOCore

// Note [Our own multipart reader]: uploads were taken apart by MultipartKit 4.7.1 (the newest in
// the package set). Its header-name check indexes a 128-entry table with the byte itself, so one
// request with a byte of 0x80 or above in a part's header name stopped the whole server with an
// out-of-range trap — found by the multipart fuzzer (scripts/fuzz.sh) in its first seconds. The
// format is small (RFC 7578 over RFC 2046), so Auris reads it itself, streaming: bodies pass
// through as they arrive, only a delimiter's worth of bytes is held back, header sections are
// bounded, and every malformation is an error a route turns into 400, never a trap.

/// A streaming reader of a `multipart/form-data` body.
public struct MultipartReader {
    public struct Malformed: Error, Equatable {
        public let reason: String
    }

    /// Header bytes a part may carry; a file part needs about 150.
    static let maxHeaderBytes = 16 << 10

    public var onHeader: (String, String) -> Void = { _, _ in }
    public var onBody: (ByteBuffer) -> Void = { _ in }
    public var onPartComplete: () -> Void = {}

    private enum State { case preamble, afterDelimiter, headers, body, epilogue }
    private var state = State.preamble
    /// Nothing consumed yet: a delimiter here needs no line break before it.
    private var atBodyStart = true
    private var pending: [UInt8] = []
    private var headerBytes = 0
    /// `--boundary`, and the same after a line break: how every delimiter but the first starts.
    private let dashBoundary: [UInt8]
    private let delimiter: [UInt8]
    public let boundary: String

    public init(boundary: String) {
        self.boundary = boundary
        dashBoundary = Array("--\(boundary)".utf8)
        delimiter = Array("\r\n--\(boundary)".utf8)
    }

    public mutating func feed(_ buffer: ByteBuffer) throws(Malformed) {
        guard state != .epilogue else { return }   // the epilogue is ignored, as RFC 2046 says
        pending += buffer.readableBytesView
        try advance()
    }

    /// After the last byte: an error unless the closing delimiter came.
    public func finish() throws(Malformed) {
        switch state {
        case .epilogue: return
        case .preamble: throw Malformed(reason: "the body has no '--\(boundary)' delimiter: it is not the multipart form its Content-Type says")
        default: throw Malformed(reason: "the multipart body ends inside a part, without its closing boundary '--\(boundary)--': the upload was cut off")
        }
    }

    private mutating func advance() throws(Malformed) {
        var start = 0
        defer { pending.removeFirst(start) }
        while true {
            let rest = pending[start...]
            switch state {
            case .preamble:
                // The first delimiter may open the body or follow a line break.
                if atBodyStart {
                    if rest.count < dashBoundary.count && dashBoundary.starts(with: rest) { return }
                    atBodyStart = false
                    if rest.starts(with: dashBoundary) {
                        start += dashBoundary.count
                        state = .afterDelimiter
                        continue
                    }
                }
                if let at = Self.find(delimiter, in: rest) {
                    start = at + delimiter.count
                    state = .afterDelimiter
                } else {
                    start = max(start, pending.count - delimiter.count)   // keep what may be a delimiter's start
                    return
                }
            case .afterDelimiter:
                guard rest.count >= 2 else { return }
                if rest.starts(with: [UInt8(ascii: "-"), UInt8(ascii: "-")]) {
                    state = .epilogue
                    start = pending.count
                    return
                }
                // Transport padding (spaces, tabs) may follow a delimiter before its line break.
                guard let lineEnd = Self.find([13, 10], in: rest) else {
                    if rest.count > 256 { throw Malformed(reason: "a delimiter line of the multipart body does not end") }
                    return
                }
                guard rest[rest.startIndex..<lineEnd].allSatisfy({ $0 == 32 || $0 == 9 }) else {
                    throw Malformed(reason: "a multipart delimiter is followed by something other than a line break")
                }
                start = lineEnd + 2
                headerBytes = 0
                state = .headers
            case .headers:
                guard let lineEnd = Self.find([13, 10], in: rest) else {
                    if headerBytes + rest.count > Self.maxHeaderBytes { throw Malformed(reason: "a part's headers are over \(Self.maxHeaderBytes) bytes") }
                    return
                }
                let line = rest[rest.startIndex..<lineEnd]
                headerBytes += line.count + 2
                if headerBytes > Self.maxHeaderBytes { throw Malformed(reason: "a part's headers are over \(Self.maxHeaderBytes) bytes") }
                start = lineEnd + 2
                if line.isEmpty {
                    state = .body
                } else {
                    let (name, value) = try Self.header(line)
                    onHeader(name, value)
                }
            case .body:
                if let at = Self.find(delimiter, in: rest) {
                    if at > start { onBody(ByteBuffer(bytes: pending[start..<at])) }
                    onPartComplete()
                    start = at + delimiter.count
                    state = .afterDelimiter
                } else {
                    // All but a delimiter's length less one byte is surely body.
                    let safe = pending.count - (delimiter.count - 1)
                    if safe > start {
                        onBody(ByteBuffer(bytes: pending[start..<safe]))
                        start = safe
                    }
                    return
                }
            case .epilogue:
                start = pending.count
                return
            }
        }
    }

    /// `Name: value`, the name a token of visible ASCII (RFC 9110), the value any text.
    private static func header(_ line: ArraySlice<UInt8>) throws(Malformed) -> (String, String) {
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > line.startIndex else {
            throw Malformed(reason: "a part's header line has no 'Name: value'")
        }
        let name = line[line.startIndex..<colon]
        guard name.allSatisfy(isTokenByte) else {
            throw Malformed(reason: "a part's header name holds a character a header name cannot")
        }
        let value = String(decoding: line[(colon + 1)...], as: UTF8.self).trimmingCharacters(in: .whitespaces)
        return (String(decoding: name, as: UTF8.self), value)
    }

    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return Array("!#$%&'*+-.^_`|~".utf8).contains(byte)
        }
    }

    /// Where `needle` starts in `haystack` (an index of the whole array), or nil.
    static func find(_ needle: [UInt8], in haystack: ArraySlice<UInt8>) -> Int? {
        guard let first = needle.first, haystack.count >= needle.count else { return nil }
        var index = haystack.startIndex
        let last = haystack.endIndex - needle.count
        while index <= last {
            guard let candidate = haystack[index...last].firstIndex(of: first) else { return nil }
            if haystack[candidate..<(candidate + needle.count)].elementsEqual(needle) { return candidate }
            index = candidate + 1
        }
        return nil
    }
}
