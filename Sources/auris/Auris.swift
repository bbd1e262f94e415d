import ArgumentParser

/// The `auris` command: the speech server and the tools around it.
@main
struct Auris: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "auris",
        abstract: "A speech-recognition server that manages device memory visibly and under your control.",
        subcommands: [TranscribeCommand.self, MemoryCommand.self]
    )
}
