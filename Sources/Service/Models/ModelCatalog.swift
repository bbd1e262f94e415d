import Foundation

/// The models on disk: every sub-directory of the models folder that holds a `model.bin`,
/// named by its folder, plus any model given explicitly.
public enum ModelCatalog {
    public static func scan(_ directory: URL) -> [String: URL] {
        let entries = (try? FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)) ?? []
        var models: [String: URL] = [:]
        for entry in entries where FileManager.default.fileExists(atPath: entry.appendingPathComponent("model.bin").path) {
            models[entry.lastPathComponent] = entry
        }
        return models
    }
}
