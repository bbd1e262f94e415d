extension Duration {
    /// In milliseconds, as the API, the audit log and job records report times.
    var milliseconds: Double {
        let parts = components
        return Double(parts.seconds) * 1000 + Double(parts.attoseconds) / 1e15
    }
}
