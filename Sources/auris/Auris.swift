import ArgumentParser

/// The `auris` command: the speech server and the tools around it.
@main
struct Auris: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "auris",
        abstract: "A speech-recognition server that manages device memory visibly and under your control.",
        subcommands: [ServeCommand.self, TranscribeCommand.self, MemoryCommand.self, ClearCacheCommand.self, BackendCheckCommand.self]
    )
}
