import Foundation
import Whisper

extension ModelRegistry {
    /// What model `id` (the default when nil) can be asked for, read from its files once and
    /// kept: requests are checked against it before they queue, loaded or not.
    public func abilities(of id: String?) throws(ServiceError) -> WhisperModelAbilities {
        let id = id ?? defaultModelID
        if let known = state.withLock({ $0.abilities[id] }) { return known }
        guard let directory = directories[id] else { throw unknown(id) }
        let abilities: WhisperModelAbilities
        do {
            abilities = try WhisperModelAbilities(modelDirectory: directory)
        } catch {
            throw ServiceError(.modelUnreadable, "cannot read model '\(id)': \(error.message)")
        }
        state.withLock { $0.abilities[id] = abilities }
        return abilities
    }
}
