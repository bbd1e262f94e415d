import Foundation

/// Finds an executable the way a shell does, so that "is ffmpeg installed?" has one answer.
enum ExecutableLookup {
    /// Resolves `name`: a path containing "/" is taken as given; a bare name is searched for in
    /// `searchPath` (a `PATH`-style list), or the process's `PATH` when that is nil.
    static func find(_ name: String, searchPath: String?) -> String? {
        let files = FileManager.default
        if name.contains("/") {
            return files.isExecutableFile(atPath: name) ? name : nil
        }
        let path = searchPath ?? ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":", omittingEmptySubsequences: true) {
            let candidate = "\(directory)/\(name)"
            var isDirectory: ObjCBool = false
            if files.fileExists(atPath: candidate, isDirectory: &isDirectory), !isDirectory.boolValue,
                files.isExecutableFile(atPath: candidate)
            {
                return candidate
            }
        }
        return nil
    }

    /// The program `name` installed beside `executable` (ffprobe beside ffmpeg), so that the two
    /// come from the same build; nil when there is none.
    static func sibling(_ name: String, of executable: String) -> String? {
        let candidate = URL(fileURLWithPath: executable).deletingLastPathComponent().appendingPathComponent(name).path
        return FileManager.default.isExecutableFile(atPath: candidate) ? candidate : nil
    }
}
