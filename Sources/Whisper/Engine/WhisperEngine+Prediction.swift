import Audio
import Foundation

extension WhisperEngine {
    /// The length of the audio at `path` as its header says, without decoding it; nil when
    /// the header does not say or the file cannot be opened (the job will say why).
    public static func durationSeconds(of path: String, named name: String? = nil) -> Double? {
        (try? AudioDecoder.open(path: path, named: name))?.durationSeconds
    }

    /// The predicted peak of transcribing `audioSeconds` of audio with `options` on this model,
    /// from its measured `profile` (Note [Predicting a job's peak]).
    public func predictedPeak(audioSeconds: Double?, options: DecodingOptions, profile: WhisperMemoryProfile) -> Int {
        let initialPrompt = options.initialPrompt == nil ? 0
            : Transcriber(runner: model, vocabulary: tokenizer, options: options).initialPromptTokens().count
        return profile.predictedPeak(audioSeconds: audioSeconds, options: options, initialPromptTokens: initialPrompt)
    }
}
