import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing

/// The live event stream the web page listens to.
@Suite("Events route", .serialized, .enabled(if: LiveServer.modelRuns, "the default model is not installed"))
struct EventsRouteTests {
    @Test func streamsMemorySamplesJobProgressAndClears() async throws {
        let server = try await LiveServer()
        defer { Task { await server.stop() } }
        // curl reads the stream for a fixed time; URLSession on Linux cannot stream bodies.
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("auris-events-\(UUID().uuidString)")
        let curl = Process()
        curl.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        curl.arguments = ["curl", "-s", "-N", "--max-time", "120", "-o", output.path, "http://127.0.0.1:\(server.port)/api/system/events"]
        try curl.run()
        try await Task.sleep(for: .milliseconds(500))
        #expect(try await server.request("POST", "/api/transcriptions", body: try LiveServer.clip("en-us_hello.wav")).status == 200)
        #expect(try await server.request("POST", "/api/system/clear_cache").status == 200)
        // Other suites may be transcribing at the same time: give the samples time, then hang up.
        try await Task.sleep(for: .milliseconds(2500))
        kill(curl.processIdentifier, SIGKILL)  // curl wrote each event to the file as it came
        curl.waitUntilExit()
        let text = try String(contentsOf: output, encoding: .utf8)
        try? FileManager.default.removeItem(at: output)
        let events = text.split(separator: "\n").filter { $0.hasPrefix("event: ") }.map { String($0.dropFirst(7)) }
        #expect(events.filter { $0 == "memory" }.count >= 2, "a memory sample every second: \(text)")
        #expect(text.contains(#""state":"queued""#) && text.contains(#""state":"done""#), "job progress: \(text)")
        #expect(events.contains("clear_cache"))
        #expect(text.contains(#""allocated_bytes":"#))
    }
}
