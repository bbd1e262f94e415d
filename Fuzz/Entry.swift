import CFuzzer
import Foundation

// Built with -sanitize=fuzzer (make fuzz, -DFUZZING), main hands over to libFuzzer's driver,
// which calls the target chosen by AURIS_FUZZ_TARGET for every input (SwiftPM names an
// executable's entry point itself, so libFuzzer's own main cannot be the program's). Built normally, the same binary replays
// files through a target: `AurisFuzz TARGET FILE...`, which is how crashes become regression
// tests (Fuzz/regressions, replayed by make test) without the fuzzer.

let selected: FuzzTarget = {
    let name = ProcessInfo.processInfo.environment["AURIS_FUZZ_TARGET"] ?? ""
    guard let target = FuzzTarget(rawValue: name) else {
        fatalError("AURIS_FUZZ_TARGET must be one of \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")), not '\(name)'")
    }
    return target
}()

#if FUZZING
@main
struct Fuzz {
    static func main() throws {
        if CommandLine.arguments.count == 3, CommandLine.arguments[1] == "seeds" {
            try Seeds.write(into: URL(fileURLWithPath: CommandLine.arguments[2]))
            return
        }
        _ = selected   // fail on a bad AURIS_FUZZ_TARGET before libFuzzer starts
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv) { bytes, count in
            selected.run(bytes.map { Data(bytes: $0, count: count) } ?? Data())
            return 0
        })
    }
}
#else
@main
struct Replay {
    static func main() throws {
        let arguments = CommandLine.arguments.dropFirst()
        if arguments.first == "seeds", let folder = arguments.dropFirst().first {
            try Seeds.write(into: URL(fileURLWithPath: folder))
            return
        }
        guard let name = arguments.first, let target = FuzzTarget(rawValue: name) else {
            print("usage: AurisFuzz TARGET FILE-OR-FOLDER...   (targets: \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")))")
            print("       AurisFuzz seeds FOLDER")
            exit(2)
        }
        var count = 0
        for path in arguments.dropFirst() {
            var isDirectory: ObjCBool = false
            FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
            let files = isDirectory.boolValue
                ? try FileManager.default.contentsOfDirectory(atPath: path).sorted().map { path + "/" + $0 } : [path]
            for file in files {
                target.run(try Data(contentsOf: URL(fileURLWithPath: file)))
                count += 1
            }
        }
        print("\(name): \(count) inputs replayed, no crash")
    }
}
#endif
