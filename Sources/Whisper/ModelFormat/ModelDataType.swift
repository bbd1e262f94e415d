/// The element type of a stored variable. Raw values are the ids written in `model.bin` since
/// binary version 4; they follow CTranslate2's `DataType` enum (`include/ctranslate2/types.h`)
/// and `_dtype_to_type_id` in `ctranslate2/specs/model_spec.py`.
public enum ModelDataType: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    case float32 = 0
    case int8 = 1
    case int16 = 2
    case int32 = 3
    case float16 = 4
    case bfloat16 = 5

    /// Bytes per element.
    public var byteWidth: Int {
        switch self {
        case .int8: 1
        case .int16, .float16, .bfloat16: 2
        case .float32, .int32: 4
        }
    }

    public var isFloatingPoint: Bool {
        switch self {
        case .float32, .float16, .bfloat16: true
        case .int8, .int16, .int32: false
        }
    }

    /// The name CTranslate2 and NumPy use.
    public var description: String {
        switch self {
        case .float32: "float32"
        case .int8: "int8"
        case .int16: "int16"
        case .int32: "int32"
        case .float16: "float16"
        case .bfloat16: "bfloat16"
        }
    }

    /// The type binary versions 1–3 implied from the stored item size (CTranslate2's
    /// `get_dtype_from_item_size`: 4 → float32, 2 → int16, 1 → int8).
    static func fromLegacyItemSize(_ size: UInt8) -> ModelDataType? {
        switch size {
        case 4: .float32
        case 2: .int16
        case 1: .int8
        default: nil
        }
    }
}

// MARK: - Half-precision conversions

/// IEEE binary16 ↔ binary32 and bfloat16 ↔ binary32, bit-exact.
///
/// Swift's `Float16` is used where the platform has it (Linux and Apple silicon); Intel macOS
/// lacks it, so a software path with the same results (checked against `Float16` over all 65,536
/// bit patterns in the tests) stands in there.
package enum HalfPrecision {
    @inline(__always)
    package static func float(fromHalfBits bits: UInt16) -> Float {
        #if (os(macOS) || targetEnvironment(macCatalyst)) && arch(x86_64)
        return softwareFloat(fromHalfBits: bits)
        #else
        return Float(Float16(bitPattern: bits))
        #endif
    }

    /// Rounds to nearest, ties to even; overflow gives ±infinity, NaN stays NaN.
    @inline(__always)
    package static func halfBits(from value: Float) -> UInt16 {
        #if (os(macOS) || targetEnvironment(macCatalyst)) && arch(x86_64)
        return softwareHalfBits(from: value)
        #else
        return Float16(value).bitPattern
        #endif
    }

    @inline(__always)
    package static func float(fromBFloat16Bits bits: UInt16) -> Float {
        Float(bitPattern: UInt32(bits) << 16)
    }

    /// Rounds to nearest, ties to even (as PyTorch does); NaN becomes a quiet NaN.
    @inline(__always)
    package static func bfloat16Bits(from value: Float) -> UInt16 {
        if value.isNaN { return 0x7FC0 | (value.sign == .minus ? 0x8000 : 0) }
        let bits = value.bitPattern
        let rounding: UInt32 = 0x7FFF + ((bits >> 16) & 1)
        return UInt16(truncatingIfNeeded: (bits &+ rounding) >> 16)
    }

    static func softwareFloat(fromHalfBits bits: UInt16) -> Float {
        let sign = UInt32(bits & 0x8000) << 16
        let exponent = UInt32(bits >> 10) & 0x1F
        let mantissa = UInt32(bits & 0x3FF)
        if exponent == 0 {
            // Zero or subnormal: mantissa × 2⁻²⁴, exact in binary32.
            let magnitude = Float(mantissa) * 0x1p-24
            return sign == 0 ? magnitude : -magnitude
        }
        if exponent == 0x1F {
            return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
        }
        return Float(bitPattern: sign | ((exponent + 112) << 23) | (mantissa << 13))
    }

    static func softwareHalfBits(from value: Float) -> UInt16 {
        let bits = value.bitPattern
        let sign = UInt16((bits >> 16) & 0x8000)
        let exponent = Int((bits >> 23) & 0xFF)
        let mantissa = bits & 0x7F_FFFF
        if exponent == 0xFF {
            // Infinity or NaN (keep NaN quiet and non-zero).
            return sign | 0x7C00 | (mantissa == 0 ? 0 : UInt16(0x200 | (mantissa >> 13)))
        }
        let halfExponent = exponent - 127 + 15
        if halfExponent >= 0x1F { return sign | 0x7C00 }
        if halfExponent <= 0 {
            // Subnormal half or zero: shift the full significand right, rounding to nearest even.
            if halfExponent < -10 { return sign }
            let significand = mantissa | 0x80_0000
            let shift = UInt32(14 - halfExponent)
            var half = significand >> shift
            let remainder = significand & ((1 << shift) - 1)
            let halfway: UInt32 = 1 << (shift - 1)
            if remainder > halfway || (remainder == halfway && (half & 1) == 1) { half += 1 }
            return sign | UInt16(half)
        }
        var half = UInt32(halfExponent) << 10 | (mantissa >> 13)
        let remainder = mantissa & 0x1FFF
        if remainder > 0x1000 || (remainder == 0x1000 && (half & 1) == 1) {
            half += 1  // may carry into the exponent, up to infinity: correct.
        }
        return sign | UInt16(half)
    }
}
