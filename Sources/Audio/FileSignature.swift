/// What a file's first bytes say it is, used to choose a decoder and to explain a refusal.
///
/// File extensions are not trusted (uploads are often misnamed); magic numbers are. Non-audio
/// kinds are recognised only so that the error can say "this is a PNG image" rather than a
/// decoder's generic complaint.
enum FileSignature: Equatable {
    case wav, rf64, aiff, flac, ogg, caf, au, wavpack
    case mp3, mp4, matroska, adts, amr, asf, avi
    case text, html, pdf, zip, png, jpeg, gif, elf
    case unknown

    /// How many bytes `detect` wants to see.
    static let prefixLength = 512

    static func detect(_ bytes: [UInt8]) -> FileSignature {
        func ascii(_ s: String, at offset: Int = 0) -> Bool {
            let code = Array(s.utf8)
            return bytes.count >= offset + code.count && Array(bytes[offset..<offset + code.count]) == code
        }
        if ascii("RIFF") && ascii("WAVE", at: 8) { return .wav }
        if ascii("RIFF") && ascii("AVI ", at: 8) { return .avi }
        if (ascii("RF64") || ascii("BW64")) && ascii("WAVE", at: 8) { return .rf64 }
        if ascii("FORM") && (ascii("AIFF", at: 8) || ascii("AIFC", at: 8)) { return .aiff }
        if ascii("fLaC") { return .flac }
        if ascii("OggS") { return .ogg }
        if ascii("caff") { return .caf }
        if ascii(".snd") { return .au }
        if ascii("wvpk") { return .wavpack }
        if ascii("ID3") { return .mp3 }
        if ascii("ftyp", at: 4) { return .mp4 }
        if bytes.starts(with: [0x1A, 0x45, 0xDF, 0xA3]) { return .matroska }
        if ascii("#!AMR") { return .amr }
        if bytes.starts(with: [0x30, 0x26, 0xB2, 0x75]) { return .asf }
        if ascii("%PDF") { return .pdf }
        if ascii("PK\u{3}\u{4}") { return .zip }
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]) { return .png }
        if bytes.starts(with: [0xFF, 0xD8, 0xFF]) { return .jpeg }
        if ascii("GIF8") { return .gif }
        if bytes.starts(with: [0x7F, 0x45, 0x4C, 0x46]) { return .elf }
        // Frame syncs last: 11 set bits also occur by chance in other formats' headers.
        if bytes.count >= 2, bytes[0] == 0xFF {
            if bytes[1] & 0xF6 == 0xF0 { return .adts }  // AAC ADTS: layer bits 00
            if bytes[1] & 0xE0 == 0xE0 { return .mp3 }
        }
        if looksLikeText(bytes) {
            let lower = String(decoding: bytes.prefix(64), as: UTF8.self).lowercased()
            let trimmed = lower.drop { $0 == " " || $0 == "\n" || $0 == "\r" || $0 == "\t" || $0 == "\u{FEFF}" }
            return trimmed.hasPrefix("<!doctype html") || trimmed.hasPrefix("<html") ? .html : .text
        }
        return .unknown
    }

    /// True when the bytes are valid UTF-8 without control characters other than whitespace.
    /// Audio sample data almost never passes this for 512 bytes; a digital-silence file is all
    /// zero bytes, which are control characters, so it is never mistaken for text.
    private static func looksLikeText(_ bytes: [UInt8]) -> Bool {
        guard !bytes.isEmpty else { return false }
        // A multi-byte character cut at the end of the prefix is not evidence against text.
        guard let body = (0...3).lazy.map({ bytes.dropLast($0) }).first(where: { String(validating: $0, as: UTF8.self) != nil }),
            !body.isEmpty
        else { return false }
        return body.allSatisfy { $0 >= 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D } && !body.contains(0x7F)
    }

    /// Formats libsndfile reads itself; for these a libsndfile failure is about the file, not the format.
    var isSndFileNative: Bool {
        switch self {
        case .wav, .rf64, .aiff, .flac, .ogg, .caf, .au: true
        default: false
        }
    }

    /// For kinds that cannot be audio: the phrase that completes "… is not audio: it is …".
    var nonAudioDescription: String? {
        switch self {
        case .text: "a text file"
        case .html: "an HTML page (perhaps an error page saved in place of the audio)"
        case .pdf: "a PDF document"
        case .zip: "a ZIP archive (or a document stored as one, such as .docx)"
        case .png: "a PNG image"
        case .jpeg: "a JPEG image"
        case .gif: "a GIF image"
        case .elf: "a program (ELF executable)"
        default: nil
        }
    }

    /// A short name for messages and descriptions, such as "MP4/M4A".
    var displayName: String {
        switch self {
        case .wav: "WAV"
        case .rf64: "RF64 WAV"
        case .aiff: "AIFF"
        case .flac: "FLAC"
        case .ogg: "Ogg"
        case .caf: "CAF"
        case .au: "AU"
        case .wavpack: "WavPack"
        case .mp3: "MP3"
        case .mp4: "MP4/M4A"
        case .matroska: "WebM/Matroska"
        case .adts: "AAC"
        case .amr: "AMR"
        case .asf: "WMA/ASF"
        case .avi: "AVI"
        case .unknown: "an unrecognised format"
        default: nonAudioDescription ?? "unknown"
        }
    }
}
