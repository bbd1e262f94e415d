import Foundation

/// The web pages, served by the server at `/`: plain HTML, CSS and JavaScript in `site/`, with
/// no build step and nothing fetched from the network.
public enum WebUI {
    /// Where `site/` is: next to the executable (SwiftPM copies it there as a resource bundle),
    /// or in the source checkout. Nil when neither has it (a binary copied without it).
    public static func siteDirectory() -> URL? {
        let executable = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath().deletingLastPathComponent()
        let bundles = [Bundle.main.resourceURL, Bundle.main.bundleURL, executable].compactMap { $0 }
            .map { $0.appendingPathComponent("Auris_WebUI.resources/site") }
        let checkout = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("site")
        return (bundles + [checkout]).first { FileManager.default.fileExists(atPath: $0.appendingPathComponent("index.html").path) }
    }
}
