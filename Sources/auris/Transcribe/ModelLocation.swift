import Foundation

/// Where the model comes from when `--model` is not given.
enum ModelLocation {
    static let defaultRelativePath = "models/whisper-tiny.en"

    /// `--model`, else `$AURIS_MODEL`, else models/whisper-tiny.en in the working directory or
    /// beside the checkout the executable was built in (so `.build/release/auris` finds it).
    static func resolve(_ given: String?) throws -> URL {
        if let given { return URL(fileURLWithPath: given) }
        if let fromEnvironment = ProcessInfo.processInfo.environment["AURIS_MODEL"], !fromEnvironment.isEmpty {
            return URL(fileURLWithPath: fromEnvironment)
        }
        var candidates = [URL(fileURLWithPath: defaultRelativePath)]
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<4 {
            candidates.append(directory.appendingPathComponent(defaultRelativePath))
            directory.deleteLastPathComponent()
        }
        if let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0.appendingPathComponent("model.bin").path) }) {
            return found
        }
        throw UserError("no model found: pass --model DIR or set AURIS_MODEL (run `scripts/install-model.sh` for the default, Whisper tiny.en)")
    }
}
