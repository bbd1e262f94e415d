/// The two manual clears, by the names the API and the audit log use (`memory.clear_cache`).
public enum ClearAction: String, Sendable, Codable, CaseIterable {
    /// Release the cached segments that hold no live block.
    case clearCache = "clear_cache"
    /// Unload every model no job is using, then clear.
    case unloadAndClear = "unload_and_clear"
}
