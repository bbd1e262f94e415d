// AVX2 + FMA + F16C versions of the kernels, compiled for those extensions function by function
// (so the rest of the binary still runs on any x86-64) and used only where the CPU has them.
#if defined(__x86_64__)
#include <immintrin.h>
#include <math.h>
#include "kernels.h"

#define AVX2 __attribute__((target("avx2,fma,f16c")))

AVX2 static inline float sum8(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

AVX2 static inline int32_t sum8i(__m256i v) {
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
    return _mm_cvtsi128_si32(s);
}

AVX2 static inline float max8(__m256 v) {
    __m128 s = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_max_ps(s, _mm_movehl_ps(s, s));
    s = _mm_max_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/// e^x to about 1 ulp: x = n ln2 + r with |r| ≤ ln2/2, e^r by Cephes's polynomial, 2^n through
/// the exponent bits. Below -87.3 (e^x under the smallest normal float) the result is 0.
AVX2 static inline __m256 exp8(__m256 x) {
    const __m256 lowest = _mm256_set1_ps(-87.33654f), highest = _mm256_set1_ps(88.72283f);
    __m256 underflow = _mm256_cmp_ps(x, lowest, _CMP_LT_OQ);
    x = _mm256_min_ps(_mm256_max_ps(x, lowest), highest);
    __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                               _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
    __m256 p = _mm256_set1_ps(1.9875691500e-4f);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
    p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
    __m256i power = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    __m256 result = _mm256_mul_ps(p, _mm256_castsi256_ps(power));
    return _mm256_andnot_ps(underflow, result);
}

AVX2 void avx2_f16_to_f32(const uint16_t *source, float *destination, size_t count) {
    size_t i = 0;
    for (; i + 8 <= count; i += 8)
        _mm256_storeu_ps(destination + i, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(source + i))));
    if (i < count) portable_f16_to_f32(source + i, destination + i, count - i);
}

AVX2 void avx2_f32_to_f16(const float *source, uint16_t *destination, size_t count) {
    size_t i = 0;
    for (; i + 8 <= count; i += 8)
        _mm_storeu_si128((__m128i *)(destination + i),
                         _mm256_cvtps_ph(_mm256_loadu_ps(source + i), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
    if (i < count) portable_f32_to_f16(source + i, destination + i, count - i);
}

AVX2 static inline __m256 load_half8(const uint16_t *p) {
    return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)p));
}

/// One row at a time, read front to back with two accumulators: the decoder's products are
/// bound by how fast the weights stream in, and one sequential stream per thread keeps the
/// hardware prefetcher at full speed (interleaving four rows measured at a third of it here).
AVX2 void avx2_gemv_f16(const uint16_t *w, size_t rows, size_t columns, const float *x, float *y) {
    size_t vector_columns = columns & ~(size_t)15;
    for (size_t r = 0; r < rows; r++) {
        const uint16_t *row = w + r * columns;
        __m256 a = _mm256_setzero_ps(), b = a;
        for (size_t c = 0; c < vector_columns; c += 16) {
            a = _mm256_fmadd_ps(load_half8(row + c), _mm256_loadu_ps(x + c), a);
            b = _mm256_fmadd_ps(load_half8(row + c + 8), _mm256_loadu_ps(x + c + 8), b);
        }
        float s = sum8(_mm256_add_ps(a, b));
        for (size_t c = vector_columns; c < columns; c++) s += portable_f16_scalar(row[c]) * x[c];
        y[r] += s;
    }
}

AVX2 void avx2_scores_f16(const uint16_t *w, size_t rows, size_t columns, size_t stride, const float *x, float scale, float *y) {
    if ((columns & 15) != 0) { portable_scores_f16(w, rows, columns, stride, x, scale, y); return; }
    for (size_t r = 0; r < rows; r++) {
        const uint16_t *row = w + r * stride;
        __m256 a = _mm256_setzero_ps(), b = a;
        for (size_t c = 0; c < columns; c += 16) {
            a = _mm256_fmadd_ps(load_half8(row + c), _mm256_loadu_ps(x + c), a);
            b = _mm256_fmadd_ps(load_half8(row + c + 8), _mm256_loadu_ps(x + c + 8), b);
        }
        y[r] = scale * sum8(_mm256_add_ps(a, b));
    }
}

/// The sum stays in registers (up to 32 of 8 lanes; a head is 64 wide in every Whisper size).
AVX2 void avx2_weighted_sum_f16(const uint16_t *v, size_t rows, size_t columns, size_t stride, const float *p, float *y) {
    if ((columns & 31) != 0 || columns > 256) { portable_weighted_sum_f16(v, rows, columns, stride, p, y); return; }
    for (size_t c0 = 0; c0 < columns; c0 += 32) {
        __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
        for (size_t r = 0; r < rows; r++) {
            const uint16_t *row = v + r * stride + c0;
            __m256 weight = _mm256_set1_ps(p[r]);
            s0 = _mm256_fmadd_ps(load_half8(row), weight, s0);
            s1 = _mm256_fmadd_ps(load_half8(row + 8), weight, s1);
            s2 = _mm256_fmadd_ps(load_half8(row + 16), weight, s2);
            s3 = _mm256_fmadd_ps(load_half8(row + 24), weight, s3);
        }
        _mm256_storeu_ps(y + c0, s0); _mm256_storeu_ps(y + c0 + 8, s1);
        _mm256_storeu_ps(y + c0 + 16, s2); _mm256_storeu_ps(y + c0 + 24, s3);
    }
}

AVX2 static float amax_avx2(const float *x, size_t count) {
    const __m256 sign = _mm256_set1_ps(-0.0f);
    __m256 m = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 8 <= count; i += 8) m = _mm256_max_ps(m, _mm256_andnot_ps(sign, _mm256_loadu_ps(x + i)));
    float amax = max8(m);
    for (; i < count; i++) amax = fmaxf(amax, fabsf(x[i]));
    return amax;
}

AVX2 static inline void store_s8(__m256i values, int8_t *q) {
    __m128i words = _mm_packs_epi32(_mm256_castsi256_si128(values), _mm256_extracti128_si256(values, 1));
    _mm_storel_epi64((__m128i *)q, _mm_packs_epi16(words, words));
}

AVX2 float avx2_quantize_weight_row(const float *w, size_t count, int8_t *q) {
    float amax = amax_avx2(w, count), scale = amax != 0 ? 127.0f / amax : 1.0f;
    __m256 s = _mm256_set1_ps(scale);
    size_t i = 0;
    for (; i + 8 <= count; i += 8) {
        __m256 v = _mm256_round_ps(_mm256_mul_ps(_mm256_loadu_ps(w + i), s), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
        store_s8(_mm256_cvtps_epi32(v), q + i);
    }
    for (; i < count; i++) q[i] = (int8_t)nearbyintf(w[i] * scale);
    return scale;
}

AVX2 float avx2_quantize_activation_row(const float *x, size_t count, int8_t *q) {
    float amax = amax_avx2(x, count), scale = amax != 0 ? 127.0f / amax : 1.0f;
    __m256 s = _mm256_set1_ps(scale), shift = _mm256_set1_ps(128.0f);
    __m256i back = _mm256_set1_epi32(128);
    size_t i = 0;
    for (; i + 8 <= count; i += 8) {
        __m256 v = _mm256_add_ps(_mm256_mul_ps(_mm256_loadu_ps(x + i), s), shift);
        v = _mm256_round_ps(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
        store_s8(_mm256_sub_epi32(_mm256_cvtps_epi32(v), back), q + i);
    }
    for (; i < count; i++) {
        float product = x[i] * scale, shifted = product + 128.0f;
        q[i] = (int8_t)((int)nearbyintf(shifted) - 128);
    }
    return scale;
}

/// 16 int8 values widened to int16; products of int16 pairs summed into int32 (vpmaddwd) are
/// exact, unlike the u8×s8 instruction, whose int16 pair sums can saturate.
AVX2 static inline __m256i widen16(const int8_t *p) {
    return _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)p));
}

/// One row at a time, for the same reason as `avx2_gemv_f16`.
AVX2 void avx2_gemv_s8(const int8_t *w, size_t rows, size_t columns, const int8_t *x, int32_t *acc) {
    size_t vector_columns = columns & ~(size_t)31;
    for (size_t r = 0; r < rows; r++) {
        const int8_t *row = w + r * columns;
        __m256i a = _mm256_setzero_si256(), b = a;
        for (size_t c = 0; c < vector_columns; c += 32) {
            a = _mm256_add_epi32(a, _mm256_madd_epi16(widen16(row + c), widen16(x + c)));
            b = _mm256_add_epi32(b, _mm256_madd_epi16(widen16(row + c + 16), widen16(x + c + 16)));
        }
        int32_t s = sum8i(_mm256_add_epi32(a, b));
        for (size_t c = vector_columns; c < columns; c++) s += row[c] * x[c];
        acc[r] = s;
    }
}

/// A 4 × 3 block of outputs at a time (12 accumulators, 3 weight rows and 1 input row in the 16
/// registers). Weight rows are taken in panels small enough to stay in the L2 cache while every
/// input row passes over them.
AVX2 void avx2_gemm_s8(const int8_t *a, size_t m, const int8_t *w, size_t n, size_t depth, int32_t *c, size_t ldc) {
    if ((depth & 15) != 0) { portable_gemm_s8(a, m, w, n, depth, c, ldc); return; }
    size_t panel = depth <= 512 ? 96 : 48;
    for (size_t j0 = 0; j0 < n; j0 += panel) {
        size_t j1 = j0 + panel < n ? j0 + panel : n;
        size_t i = 0;
        for (; i + 4 <= m; i += 4) {
            const int8_t *a0 = a + i * depth, *a1 = a0 + depth, *a2 = a1 + depth, *a3 = a2 + depth;
            size_t j = j0;
            for (; j + 3 <= j1; j += 3) {
                const int8_t *v0 = w + j * depth, *v1 = v0 + depth, *v2 = v1 + depth;
                __m256i c00 = _mm256_setzero_si256(), c01 = c00, c02 = c00, c10 = c00, c11 = c00, c12 = c00;
                __m256i c20 = c00, c21 = c00, c22 = c00, c30 = c00, c31 = c00, c32 = c00;
                for (size_t k = 0; k < depth; k += 16) {
                    __m256i b0 = widen16(v0 + k), b1 = widen16(v1 + k), b2 = widen16(v2 + k), x;
                    x = widen16(a0 + k);
                    c00 = _mm256_add_epi32(c00, _mm256_madd_epi16(x, b0)); c01 = _mm256_add_epi32(c01, _mm256_madd_epi16(x, b1));
                    c02 = _mm256_add_epi32(c02, _mm256_madd_epi16(x, b2));
                    x = widen16(a1 + k);
                    c10 = _mm256_add_epi32(c10, _mm256_madd_epi16(x, b0)); c11 = _mm256_add_epi32(c11, _mm256_madd_epi16(x, b1));
                    c12 = _mm256_add_epi32(c12, _mm256_madd_epi16(x, b2));
                    x = widen16(a2 + k);
                    c20 = _mm256_add_epi32(c20, _mm256_madd_epi16(x, b0)); c21 = _mm256_add_epi32(c21, _mm256_madd_epi16(x, b1));
                    c22 = _mm256_add_epi32(c22, _mm256_madd_epi16(x, b2));
                    x = widen16(a3 + k);
                    c30 = _mm256_add_epi32(c30, _mm256_madd_epi16(x, b0)); c31 = _mm256_add_epi32(c31, _mm256_madd_epi16(x, b1));
                    c32 = _mm256_add_epi32(c32, _mm256_madd_epi16(x, b2));
                }
                int32_t *o = c + i * ldc + j;
                o[0] = sum8i(c00); o[1] = sum8i(c01); o[2] = sum8i(c02); o += ldc;
                o[0] = sum8i(c10); o[1] = sum8i(c11); o[2] = sum8i(c12); o += ldc;
                o[0] = sum8i(c20); o[1] = sum8i(c21); o[2] = sum8i(c22); o += ldc;
                o[0] = sum8i(c30); o[1] = sum8i(c31); o[2] = sum8i(c32);
            }
            for (; j < j1; j++) {
                for (size_t row = 0; row < 4; row++) avx2_gemv_s8(w + j * depth, 1, depth, a + (i + row) * depth, c + (i + row) * ldc + j);
            }
        }
        for (; i < m; i++) avx2_gemv_s8(w + j0 * depth, j1 - j0, depth, a + i * depth, c + i * ldc + j0);
    }
}

AVX2 void avx2_dequantize_row(const int32_t *acc, size_t count, float x_scale, const float *w_scales,
                              const float *bias, float *y) {
    float inverse = 1.0f / x_scale;
    __m256 vi = _mm256_set1_ps(inverse);
    size_t j = 0;
    for (; j + 8 <= count; j += 8) {
        __m256 v = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_loadu_si256((const __m256i *)(acc + j))), vi);
        v = _mm256_div_ps(v, _mm256_loadu_ps(w_scales + j));
        if (bias) v = _mm256_add_ps(v, _mm256_loadu_ps(bias + j));
        _mm256_storeu_ps(y + j, v);
    }
    if (j < count) portable_dequantize_row(acc + j, count - j, x_scale, w_scales + j, bias ? bias + j : NULL, y + j);
}

AVX2 void avx2_softmax(float *row, size_t visible, size_t total) {
    size_t i = 0;
    __m256 m = _mm256_set1_ps(-INFINITY);
    for (; i + 8 <= visible; i += 8) m = _mm256_max_ps(m, _mm256_loadu_ps(row + i));
    float maximum = max8(m);
    for (; i < visible; i++) maximum = fmaxf(maximum, row[i]);
    __m256 vm = _mm256_set1_ps(maximum), sums = _mm256_setzero_ps();
    for (i = 0; i + 8 <= visible; i += 8) {
        __m256 e = exp8(_mm256_sub_ps(_mm256_loadu_ps(row + i), vm));
        _mm256_storeu_ps(row + i, e);
        sums = _mm256_add_ps(sums, e);
    }
    if (i < visible) {  // the tail through the same exp, masked to the visible entries
        float tail[8] = {0};
        size_t left = visible - i;
        for (size_t k = 0; k < 8; k++) tail[k] = k < left ? row[i + k] - maximum : -INFINITY;
        __m256 e = exp8(_mm256_loadu_ps(tail));
        _mm256_storeu_ps(tail, e);
        sums = _mm256_add_ps(sums, e);
        for (size_t k = 0; k < left; k++) row[i + k] = tail[k];
    }
    __m256 inverse = _mm256_set1_ps(1.0f / sum8(sums));
    for (i = 0; i + 8 <= visible; i += 8) _mm256_storeu_ps(row + i, _mm256_mul_ps(_mm256_loadu_ps(row + i), inverse));
    float scalar_inverse = _mm256_cvtss_f32(inverse);
    for (; i < visible; i++) row[i] *= scalar_inverse;
    for (i = visible; i < total; i++) row[i] = 0;
}

AVX2 void avx2_gelu(float *x, size_t count) {
    static const float coefficients[] = AURIS_ERFC_COEFFICIENTS;
    const __m256 sign = _mm256_set1_ps(-0.0f), half = _mm256_set1_ps(0.5f), one = _mm256_set1_ps(1.0f);
    const __m256 two = _mm256_set1_ps(2.0f), root_half = _mm256_set1_ps(0.70710678118654752f);
    size_t i = 0;
    for (; i + 8 <= count; i += 8) {
        __m256 v = _mm256_loadu_ps(x + i);
        __m256 z = _mm256_mul_ps(_mm256_andnot_ps(sign, v), root_half);
        __m256 t = _mm256_div_ps(one, _mm256_fmadd_ps(half, z, one));
        __m256 p = _mm256_set1_ps(coefficients[0]);
        for (int k = 1; k < 10; k++) p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(coefficients[k]));
        __m256 erfc = _mm256_mul_ps(t, exp8(_mm256_fmadd_ps(_mm256_xor_ps(z, sign), z, p)));
        __m256 negative = _mm256_cmp_ps(v, _mm256_setzero_ps(), _CMP_LT_OQ);
        __m256 factor = _mm256_blendv_ps(_mm256_sub_ps(two, erfc), erfc, negative);
        _mm256_storeu_ps(x + i, _mm256_mul_ps(_mm256_mul_ps(half, v), factor));
    }
    if (i < count) {  // the tail through the same arithmetic, padded to a full vector
        float tail[8] = {0};
        for (size_t k = 0; i + k < count; k++) tail[k] = x[i + k];
        avx2_gelu(tail, 8);
        for (size_t k = 0; i + k < count; k++) x[i + k] = tail[k];
    }
}
AVX2 float avx2_maximum(const float *x, size_t count, float floor) {
    __m256 m = _mm256_set1_ps(floor);
    size_t i = 0;
    for (; i + 8 <= count; i += 8) m = _mm256_max_ps(m, _mm256_loadu_ps(x + i));
    float result = max8(m);
    for (; i < count; i++) result = x[i] > result ? x[i] : result;
    return result;
}

/// As `portable_exp_sum`, with the lanes' exponentials from the Cephes polynomial that
/// CTranslate2's AVX2 exp also uses; the remainder, as there, through the C library's expf.
AVX2 float avx2_exp_sum(const float *x, size_t count, float top) {
    if (count <= 8) return portable_exp_sum(x, count, top);
    __m256 lanes = _mm256_setzero_ps(), vtop = _mm256_set1_ps(top);
    size_t i = 0;
    for (; i + 8 <= count; i += 8) lanes = _mm256_add_ps(lanes, exp8(_mm256_sub_ps(_mm256_loadu_ps(x + i), vtop)));
    float total = sum8(lanes);
    for (; i < count; i++) total += expf(x[i] - top);
    return total;
}
#endif

/// σ(x) = 1 / (1 + e^-x) through exp8; e^-x overflows to +inf for x below -88.7, giving 0.
AVX2 static inline __m256 sigmoid8(__m256 x) {
    __m256 one = _mm256_set1_ps(1.0f);
    return _mm256_div_ps(one, _mm256_add_ps(one, exp8(_mm256_sub_ps(_mm256_setzero_ps(), x))));
}

/// tanh(x) = 2σ(2x) − 1: within about 1e-7 of tanhf absolutely (not relatively near 0), which
/// is all an LSTM's state needs.
AVX2 static inline __m256 tanh8(__m256 x) {
    __m256 s = sigmoid8(_mm256_add_ps(x, x));
    return _mm256_sub_ps(_mm256_add_ps(s, s), _mm256_set1_ps(1.0f));
}

AVX2 void avx2_lstm_cell(const float *gates, float *h, float *c, size_t hidden) {
    if (hidden % 8 != 0) { portable_lstm_cell(gates, h, c, hidden); return; }
    for (size_t j = 0; j < hidden; j += 8) {
        __m256 input = sigmoid8(_mm256_loadu_ps(gates + j)), output = sigmoid8(_mm256_loadu_ps(gates + hidden + j));
        __m256 forget = sigmoid8(_mm256_loadu_ps(gates + 2 * hidden + j)), cell = tanh8(_mm256_loadu_ps(gates + 3 * hidden + j));
        __m256 state = _mm256_fmadd_ps(forget, _mm256_loadu_ps(c + j), _mm256_mul_ps(input, cell));
        _mm256_storeu_ps(c + j, state);
        _mm256_storeu_ps(h + j, _mm256_mul_ps(output, tanh8(state)));
    }
}
