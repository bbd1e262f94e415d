// Portable C for every kernel: the reference the AVX2 versions are tested against, and what runs
// on CPUs without AVX2.
#include <math.h>
#include <string.h>
#include "kernels.h"

static float half_to_float(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000) << 16, exponent = (h >> 10) & 0x1f, mantissa = h & 0x3ff;
    uint32_t bits;
    if (exponent == 0x1f) {
        bits = sign | 0x7f800000u | (mantissa << 13);
    } else if (exponent != 0) {
        bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
    } else if (mantissa == 0) {
        bits = sign;
    } else {  // subnormal: normalise
        int shift = 0;
        while (!(mantissa & 0x400)) { mantissa <<= 1; shift++; }
        bits = sign | ((uint32_t)(113 - shift) << 23) | ((mantissa & 0x3ff) << 13);
    }
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

static uint16_t float_to_half(float f) {
    uint32_t bits;
    memcpy(&bits, &f, sizeof bits);
    uint16_t sign = (bits >> 16) & 0x8000;
    uint32_t magnitude = bits & 0x7fffffffu;
    if (magnitude >= 0x7f800000u) return sign | 0x7c00 | (magnitude > 0x7f800000u ? 0x200 : 0);
    if (magnitude >= 0x477ff000u) return sign | 0x7c00;  // rounds to infinity
    if (magnitude < 0x38800000u) {                        // subnormal or zero in half
        float scaled = fabsf(f) * 16777216.0f;            // 2^24: half subnormals are multiples of 2^-24
        return sign | (uint16_t)nearbyintf(scaled);
    }
    uint32_t rounded = magnitude + 0xfff + ((magnitude >> 13) & 1);  // nearest, ties to even
    return sign | (uint16_t)((rounded - 0x38000000u) >> 13);
}

float portable_f16_scalar(uint16_t h) { return half_to_float(h); }

void portable_f16_to_f32(const uint16_t *source, float *destination, size_t count) {
    for (size_t i = 0; i < count; i++) destination[i] = half_to_float(source[i]);
}

void portable_f32_to_f16(const float *source, uint16_t *destination, size_t count) {
    for (size_t i = 0; i < count; i++) destination[i] = float_to_half(source[i]);
}

void portable_gemv_f16(const uint16_t *w, size_t rows, size_t columns, const float *x, float *y) {
    for (size_t r = 0; r < rows; r++) {
        const uint16_t *row = w + r * columns;
        float sum = 0;
        for (size_t c = 0; c < columns; c++) sum += half_to_float(row[c]) * x[c];
        y[r] += sum;
    }
}

void portable_scores_f16(const uint16_t *w, size_t rows, size_t columns, size_t stride, const float *x, float scale, float *y) {
    for (size_t r = 0; r < rows; r++) {
        float sum = 0;
        for (size_t c = 0; c < columns; c++) sum += half_to_float(w[r * stride + c]) * x[c];
        y[r] = scale * sum;
    }
}

void portable_weighted_sum_f16(const uint16_t *v, size_t rows, size_t columns, size_t stride, const float *p, float *y) {
    for (size_t c = 0; c < columns; c++) y[c] = 0;
    for (size_t r = 0; r < rows; r++) {
        for (size_t c = 0; c < columns; c++) y[c] += p[r] * half_to_float(v[r * stride + c]);
    }
}

static float absolute_maximum(const float *x, size_t count) {
    float amax = 0;
    for (size_t i = 0; i < count; i++) amax = fmaxf(amax, fabsf(x[i]));
    return amax;
}

float portable_quantize_weight_row(const float *w, size_t count, int8_t *q) {
    float amax = absolute_maximum(w, count), scale = amax != 0 ? 127.0f / amax : 1.0f;
    for (size_t i = 0; i < count; i++) q[i] = (int8_t)nearbyintf(w[i] * scale);
    return scale;
}

float portable_quantize_activation_row(const float *x, size_t count, int8_t *q) {
    float amax = absolute_maximum(x, count), scale = amax != 0 ? 127.0f / amax : 1.0f;
    for (size_t i = 0; i < count; i++) {
        float product = x[i] * scale;  // rounded on its own: the C target is built without contraction
        float shifted = product + 128.0f;
        q[i] = (int8_t)((int)nearbyintf(shifted) - 128);
    }
    return scale;
}

void portable_gemv_s8(const int8_t *w, size_t rows, size_t columns, const int8_t *x, int32_t *acc) {
    for (size_t r = 0; r < rows; r++) {
        int32_t sum = 0;
        for (size_t c = 0; c < columns; c++) sum += (int32_t)w[r * columns + c] * x[c];
        acc[r] = sum;
    }
}

void portable_gemm_s8(const int8_t *a, size_t m, const int8_t *w, size_t n, size_t depth, int32_t *c, size_t ldc) {
    for (size_t i = 0; i < m; i++) portable_gemv_s8(w, n, depth, a + i * depth, c + i * ldc);
}

void portable_dequantize_row(const int32_t *acc, size_t count, float x_scale, const float *w_scales,
                             const float *bias, float *y) {
    float inverse = 1.0f / x_scale;
    for (size_t j = 0; j < count; j++) {
        float v = (float)acc[j] * inverse;
        v = v / w_scales[j];
        y[j] = bias ? v + bias[j] : v;
    }
}

void portable_softmax(float *row, size_t visible, size_t total) {
    float maximum = -INFINITY;
    for (size_t i = 0; i < visible; i++) maximum = fmaxf(maximum, row[i]);
    float sum = 0;
    for (size_t i = 0; i < visible; i++) {
        row[i] = expf(row[i] - maximum);
        sum += row[i];
    }
    float inverse = 1 / sum;
    for (size_t i = 0; i < visible; i++) row[i] *= inverse;
    for (size_t i = visible; i < total; i++) row[i] = 0;
}

void portable_gelu(float *x, size_t count) {
    static const float coefficients[] = AURIS_ERFC_COEFFICIENTS;
    for (size_t i = 0; i < count; i++) {
        float v = x[i], z = fabsf(v) * 0.70710678118654752f, t = 1 / (1 + 0.5f * z);
        float p = coefficients[0];
        for (int k = 1; k < 10; k++) p = p * t + coefficients[k];
        float erfc = t * expf(-z * z + p);
        x[i] = 0.5f * v * (v >= 0 ? 2 - erfc : erfc);
    }
}

float portable_maximum(const float *x, size_t count, float floor) {
    float m = floor;
    for (size_t i = 0; i < count; i++) m = x[i] > m ? x[i] : m;
    return m;
}

/// The reference arrangement, with the C library's expf: rows of up to eight are summed in
/// order; longer ones in eight lane sums, reduced as ((0+4)+(2+6))+((1+5)+(3+7)), then the rest.
float portable_exp_sum(const float *x, size_t count, float top) {
    float total = 0;
    size_t i = 0;
    if (count > 8) {
        float lanes[8] = {0};
        for (; i + 8 <= count; i += 8)
            for (size_t k = 0; k < 8; k++) lanes[k] += expf(x[i + k] - top);
        total = ((lanes[0] + lanes[4]) + (lanes[2] + lanes[6])) + ((lanes[1] + lanes[5]) + (lanes[3] + lanes[7]));
    }
    for (; i < count; i++) total += expf(x[i] - top);
    return total;
}

static float sigmoid(float x) { return 1.0f / (1.0f + expf(-x)); }

void portable_lstm_cell(const float *gates, float *h, float *c, size_t hidden) {
    for (size_t j = 0; j < hidden; j++) {
        float input = sigmoid(gates[j]), output = sigmoid(gates[hidden + j]);
        float forget = sigmoid(gates[2 * hidden + j]), cell = tanhf(gates[3 * hidden + j]);
        c[j] = forget * c[j] + input * cell;
        h[j] = output * tanhf(c[j]);
    }
}
