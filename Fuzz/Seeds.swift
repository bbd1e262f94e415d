import Foundation
import Service
import WhisperTestKit

/// The first inputs of each target, written by `AurisFuzz seeds DIR` into `DIR/<target>/`: small
/// valid examples for libFuzzer to mutate (audio seeds come from the golden clips, cut by
/// scripts/fuzz.sh with sox).
enum Seeds {
    static func write(into folder: URL) throws {
        func put(_ target: FuzzTarget, _ name: String, _ data: Data) throws {
            let directory = folder.appendingPathComponent(target.rawValue)
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try data.write(to: directory.appendingPathComponent(name))
        }
        let model = FileManager.default.temporaryDirectory.appendingPathComponent("auris-seed-model-\(getpid())")
        defer { try? FileManager.default.removeItem(at: model) }
        try TinyWhisperModel.write(to: model, layers: 1, width: 8, heads: 2, melBins: 4,
                                   vocabulary: TinyWhisperVocabulary(flavor: .multilingual))
        try put(.modelFile, "tiny.bin", Data(contentsOf: model.appendingPathComponent("model.bin")))
        try put(.config, "tiny.json", Data(contentsOf: model.appendingPathComponent("config.json")))
        try put(.vocabulary, "tiny.txt", Data(contentsOf: model.appendingPathComponent("vocabulary.txt")))
        try put(.vocabulary, "tiny.json", JSONSerialization.data(withJSONObject: ["<|endoftext|>", "a", "b", "Ġhello"]))
        try put(.tokenizer, "tiny.json", Data(contentsOf: model.appendingPathComponent("tokenizer.json")))
        for (index, text) in ["*/5 * * * *", "0 3 * * 1-5", "15,45 8-18/2 1 1,6 *", "@daily", "0 0 29 2 *"].enumerated() {
            try put(.cron, "cron-\(index)", Data(text.utf8))
        }
        for (index, text) in ["max_split_size_mb:128", "garbage_collection_threshold:0.6,memory_fraction:0.5",
                              "history_capacity:100,max_split_size_mb:21"].enumerated() {
            try put(.allocatorConfiguration, "conf-\(index)", Data(text.utf8))
        }
        try put(.policies, "defaults.json", JSONEncoder().encode(MemoryPolicies()))
        try put(.policies, "some.json", Data(#"{"warning_fraction": 0.9, "cleanup_schedule": "0 3 * * *", "idle_unload_seconds": 60}"#.utf8))
        // The multipart target reads its first byte as the chunk size.
        let form = "--fuzz\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nwhisper-tiny.en\r\n"
            + "--fuzz\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a.wav\"\r\nContent-Type: audio/wav\r\n\r\nRIFF0000WAVEfmt \r\n"
            + "--fuzz\r\nContent-Disposition: form-data; name=\"files\"; filename=\"b.wav\"\r\n\r\nRIFF\r\n--fuzz--\r\n"
        try put(.multipart, "form", Data([7]) + Data(form.utf8))
    }
}
