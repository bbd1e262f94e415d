#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a WAV file's `data` chunk starts and how long its header says it is.
///
/// libsndfile does the decoding; this walk exists only to tell two kinds of damage apart, which
/// libsndfile reports alike or not at all:
/// - a file that ends before the `data` chunk begins (its header is broken: `.truncated`), and
/// - a file whose `data` chunk promises more bytes than follow (cut short: decode what exists,
///   as ffmpeg does, and say so in a warning).
struct RIFFLayout: Equatable {
    /// Byte offset of the first sample.
    var dataOffset: Int
    /// The size the `data` chunk declares, or nil when it declares none (0 or 0xFFFFFFFF, which
    /// streaming writers such as `ffmpeg ... -f wav -` use, or RF64, whose size lives in `ds64`).
    var declaredDataBytes: Int?

    enum Outcome: Equatable {
        case layout(RIFFLayout)
        /// The file ends inside its header: before the `data` chunk's own 8-byte header is complete.
        case headerTruncated
        /// Not a RIFF/RF64 WAVE file at all.
        case notRIFF
    }

    /// Walks the chunk list of the file at `path`, reading only chunk headers.
    static func inspect(path: String) -> Outcome {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return .notRIFF }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return .notRIFF }
        return inspect(fileSize: Int(info.st_size)) { offset, count in
            var bytes = [UInt8](repeating: 0, count: count)
            let got = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, count, off_t(offset)) }
            return got == count ? bytes : nil
        }
    }

    /// The walk itself, over any byte source (tests pass arrays).
    static func inspect(fileSize: Int, read: (_ offset: Int, _ count: Int) -> [UInt8]?) -> Outcome {
        guard fileSize >= 12 else { return fileSize >= 4 && isRIFFTag(read(0, 4)) ? .headerTruncated : .notRIFF }
        guard let head = read(0, 12), isRIFFTag(Array(head[0..<4])), Array(head[8..<12]) == Array("WAVE".utf8) else {
            return .notRIFF
        }
        let isRF64 = head[0] != UInt8(ascii: "R") || head[1] != UInt8(ascii: "I")
        var offset = 12
        // A cap on the walk so that a corrupt size field cannot loop forever; real files have a handful.
        for _ in 0..<10_000 {
            guard offset + 8 <= fileSize, let chunk = read(offset, 8) else { return .headerTruncated }
            let size = Int(chunk[4]) | Int(chunk[5]) << 8 | Int(chunk[6]) << 16 | Int(chunk[7]) << 24
            if Array(chunk[0..<4]) == Array("data".utf8) {
                let declared = isRF64 || size == 0 || size == 0xFFFF_FFFF ? nil : size
                return .layout(RIFFLayout(dataOffset: offset + 8, declaredDataBytes: declared))
            }
            offset += 8 + size + (size & 1)  // chunks are padded to an even length
        }
        return .headerTruncated
    }

    private static func isRIFFTag(_ bytes: [UInt8]?) -> Bool {
        guard let bytes, bytes.count >= 4 else { return false }
        return ["RIFF", "RF64", "BW64"].contains { Array($0.utf8) == Array(bytes[0..<4]) }
    }

    /// For a file of `fileSize` bytes: how many data bytes the header promised but the file lacks.
    func missingBytes(fileSize: Int) -> Int {
        guard let declaredDataBytes else { return 0 }
        return max(0, dataOffset + declaredDataBytes - fileSize)
    }
}
