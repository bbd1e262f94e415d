internal import CSndFile

/// Short names for libsndfile's format codes, for `AudioSourceInfo` ("WAV", "24-bit").
///
/// libsndfile has its own names ("WAV (Microsoft)", "Signed 24 bit PCM"); they are used only for
/// the rare codes not listed here, because the short forms read better in logs and in the UI.
enum SndFileFormatNames {
    static func container(_ format: Int32) -> String {
        let major = Int(format) & SF_FORMAT_TYPEMASK
        switch major {
        case SF_FORMAT_WAV, SF_FORMAT_WAVEX: return "WAV"
        case SF_FORMAT_RF64: return "RF64 WAV"
        case SF_FORMAT_W64: return "W64"
        case SF_FORMAT_AIFF: return "AIFF"
        case SF_FORMAT_AU: return "AU"
        case SF_FORMAT_FLAC: return "FLAC"
        case SF_FORMAT_OGG: return "Ogg"
        case SF_FORMAT_CAF: return "CAF"
        case SF_FORMAT_MPEG: return "MP3"
        default: return libraryName(major) ?? "format 0x\(String(major, radix: 16))"
        }
    }

    static func encoding(_ format: Int32) -> String {
        let sub = Int(format) & SF_FORMAT_SUBMASK
        switch sub {
        case SF_FORMAT_PCM_S8: return "8-bit"
        case SF_FORMAT_PCM_U8: return "8-bit unsigned"
        case SF_FORMAT_PCM_16: return "16-bit"
        case SF_FORMAT_PCM_24: return "24-bit"
        case SF_FORMAT_PCM_32: return "32-bit"
        case SF_FORMAT_FLOAT: return "32-bit float"
        case SF_FORMAT_DOUBLE: return "64-bit float"
        case SF_FORMAT_ULAW: return "µ-law"
        case SF_FORMAT_ALAW: return "A-law"
        case SF_FORMAT_IMA_ADPCM: return "IMA ADPCM"
        case SF_FORMAT_MS_ADPCM: return "MS ADPCM"
        case SF_FORMAT_VORBIS: return "Vorbis"
        case SF_FORMAT_OPUS: return "Opus"
        case SF_FORMAT_MPEG_LAYER_I: return "MPEG layer I"
        case SF_FORMAT_MPEG_LAYER_II: return "MPEG layer II"
        case SF_FORMAT_MPEG_LAYER_III: return "MPEG layer III"
        default: return libraryName(sub) ?? "encoding 0x\(String(sub, radix: 16))"
        }
    }

    /// True for MPEG audio, which `AudioDecoder` prefers to hand to ffmpeg (see there).
    static func isMPEG(_ format: Int32) -> Bool {
        Int(format) & SF_FORMAT_TYPEMASK == SF_FORMAT_MPEG
    }

    private static func libraryName(_ code: Int) -> String? {
        var info = SF_FORMAT_INFO()
        info.format = Int32(code)
        let status = sf_command(nil, Int32(SFC_GET_FORMAT_INFO), &info, Int32(MemoryLayout<SF_FORMAT_INFO>.size))
        guard status == 0, let name = info.name else { return nil }
        return String(cString: name)
    }
}
