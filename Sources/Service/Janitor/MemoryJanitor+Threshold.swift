import DeviceMemory
import Foundation

/// The threshold policy: warn when reserved memory passes a share of the device, withdraw the
/// warning with hysteresis, and release the cache once per crossing.
extension MemoryJanitor {
    /// The reserved share below which an active warning is withdrawn: the threshold less
    /// `warningMargin`, but never below half the threshold, so very low thresholds still clear.
    var warningClearFraction: Double {
        max(policies.warningFraction - Self.warningMargin, policies.warningFraction / 2)
    }

    /// Raises a warning when the device crosses above the threshold, withdraws it when the
    /// device falls below the clear level, and otherwise only refreshes the shown numbers.
    mutating func thresholdNotices(for sample: DeviceMemorySample, now: Date) -> [JanitorAction] {
        guard sample.deviceTotalBytes > 0 else { return [] }
        let total = Double(sample.deviceTotalBytes)
        let reserved = Double(sample.reservedBytes)
        if var state = thresholds[sample.device] {
            if reserved < warningClearFraction * total {
                thresholds[sample.device] = nil
                let reason = "\(reservedText(sample)), back below \(JanitorText.percent(warningClearFraction)) "
                    + "(the \(JanitorText.percent(policies.warningFraction)) threshold less its margin)"
                return [.clearWarning(device: sample.device, reason: reason)]
            }
            state.warning.reservedFraction = sample.reservedFraction
            state.warning.threshold = policies.warningFraction
            thresholds[sample.device] = state
            return []
        }
        guard reserved > policies.warningFraction * total else { return [] }
        let suggestion = thresholdSuggestion(for: sample)
        let warning = JanitorWarning(device: sample.device, since: now, reservedFraction: sample.reservedFraction,
                                     threshold: policies.warningFraction, suggestion: suggestion)
        thresholds[sample.device] = ThresholdState(warning: warning, cleanupPending: policies.cleanupOnThreshold)
        let reason = "\(reservedText(sample)), above the \(JanitorText.percent(policies.warningFraction)) warning threshold; "
            + "\(JanitorText.bytes(sample.allocatedBytes)) allocated, \(JanitorText.bytes(sample.cachedBytes)) cached"
        return [.warn(device: sample.device, reservedFraction: sample.reservedFraction, threshold: policies.warningFraction,
                      suggestion: suggestion, reason: reason)]
    }

    /// The reason for the threshold's cleanup when one is owed for this crossing and there is
    /// cache to release (a cache of zero bytes would release nothing; the cleanup stays owed).
    func thresholdCleanupReason(for sample: DeviceMemorySample) -> String? {
        guard let state = thresholds[sample.device], state.cleanupPending, sample.cachedBytes > 0 else { return nil }
        return "\(sample.device) reserved \(JanitorText.percent(sample.reservedFraction)) of the device, "
            + "above the \(JanitorText.percent(policies.warningFraction)) warning threshold; "
            + "releasing up to \(JanitorText.bytes(sample.cachedBytes)) of cache"
    }

    /// `cuda:0 reserved 8.50 GiB of 10.00 GiB (85 %)`.
    private func reservedText(_ sample: DeviceMemorySample) -> String {
        let reserved = JanitorText.bytes(sample.reservedBytes), total = JanitorText.bytes(sample.deviceTotalBytes)
        return "\(sample.device) reserved \(reserved) of \(total) (\(JanitorText.percent(sample.reservedFraction)))"
    }

    /// What the operator can do about a crossing, judged from where the memory is.
    private func thresholdSuggestion(for sample: DeviceMemorySample) -> String {
        let cached = JanitorText.bytes(sample.cachedBytes)
        if Double(sample.allocatedBytes) > policies.warningFraction * Double(sample.deviceTotalBytes) {
            return "Live tensors alone hold \(JanitorText.bytes(sample.allocatedBytes)) on \(sample.device), which clearing the cache "
                + "cannot free: unload models that are not in use (Unload model + clear cache) or give the device fewer jobs at once."
        }
        if sample.cachedBytes == 0 {
            return "Nothing is cached on \(sample.device); the memory belongs to loaded models and running jobs: "
                + "unload models that are not in use."
        }
        if policies.cleanupOnThreshold {
            return sample.isBusy
                ? "\(cached) is cached on \(sample.device) and will be released automatically when the current job finishes."
                : "\(cached) is cached on \(sample.device) and is being released automatically now."
        }
        return "Clear the cache to return \(cached) on \(sample.device) to the device, or turn on cleanup_on_threshold to do it automatically."
    }
}
