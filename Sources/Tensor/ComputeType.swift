/// How a model's weights are held and multiplied: faster-whisper's `compute_type`.
///
/// Activations, attention, norms and everything but the weight matrices stay float32 in every
/// type; only the matrices of the linear layers and the token embedding change.
public enum ComputeType: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    /// Weights widened to float32 and multiplied by OpenBLAS.
    case float32
    /// Weights kept in float16 (half the bytes) and widened inside the kernels (F16C), products
    /// and sums in float32.
    case float16
    /// Weights quantised to int8 with one scale per row, and activations quantised per row before
    /// each product, as CTranslate2's `int8` computes on the CPU (Note [int8 as CTranslate2 does it]).
    case int8

    public var description: String { rawValue }

    /// Bytes per weight.
    public var elementSize: Int {
        switch self {
        case .float32: 4
        case .float16: 2
        case .int8: 1
        }
    }

    /// Parses a user's spelling: `float32`/`f32`, `float16`/`f16`/`half`, `int8`.
    public init?(name: String) {
        switch name.lowercased() {
        case "float32", "f32", "float": self = .float32
        case "float16", "f16", "half": self = .float16
        case "int8", "int8_float32": self = .int8
        default: return nil
        }
    }
}

extension ComputeType {
    /// What a model computes in when nobody says: the fastest type whose transcripts on the
    /// golden clips equal the reference's (docs/speech-engine.md, "Compute types"), where the
    /// device has it; float32 elsewhere.
    public static func defaultType(for backend: any ComputeBackend) -> ComputeType {
        backend.computeTypes.contains(.float16) ? .float16 : .float32
    }
}
