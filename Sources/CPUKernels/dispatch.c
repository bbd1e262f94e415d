// Chooses each kernel's implementation once, from what the CPU reports.
#include "kernels.h"

static int forced_portable = 0;

void auris_kernels_force_portable(int force) { forced_portable = force; }

static int use_avx2(void) {
#if defined(__x86_64__)
    static int answer = -1;
    if (forced_portable) return 0;
    if (answer < 0) {
        __builtin_cpu_init();
        answer = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
    }
    return answer;
#else
    return 0;
#endif
}

#if defined(__x86_64__)
#define PICK(name, ...) (use_avx2() ? avx2_##name(__VA_ARGS__) : portable_##name(__VA_ARGS__))
#else
#define PICK(name, ...) portable_##name(__VA_ARGS__)
#endif

const char *auris_kernels_isa(void) { return use_avx2() ? "avx2" : "portable"; }

void auris_f16_to_f32(const uint16_t *s, float *d, size_t n) { PICK(f16_to_f32, s, d, n); }
void auris_f32_to_f16(const float *s, uint16_t *d, size_t n) { PICK(f32_to_f16, s, d, n); }
void auris_gemv_f16(const uint16_t *w, size_t rows, size_t columns, const float *x, float *y) {
    PICK(gemv_f16, w, rows, columns, x, y);
}
void auris_scores_f16(const uint16_t *w, size_t rows, size_t columns, size_t stride, const float *x, float scale, float *y) {
    PICK(scores_f16, w, rows, columns, stride, x, scale, y);
}
void auris_weighted_sum_f16(const uint16_t *v, size_t rows, size_t columns, size_t stride, const float *p, float *y) {
    PICK(weighted_sum_f16, v, rows, columns, stride, p, y);
}
float auris_quantize_weight_row(const float *w, size_t n, int8_t *q) { return PICK(quantize_weight_row, w, n, q); }
float auris_quantize_activation_row(const float *x, size_t n, int8_t *q) { return PICK(quantize_activation_row, x, n, q); }
void auris_gemv_s8(const int8_t *w, size_t rows, size_t columns, const int8_t *x, int32_t *acc) {
    PICK(gemv_s8, w, rows, columns, x, acc);
}
void auris_gemm_s8(const int8_t *a, size_t m, const int8_t *w, size_t n, size_t depth, int32_t *c, size_t ldc) {
    PICK(gemm_s8, a, m, w, n, depth, c, ldc);
}
void auris_dequantize_row(const int32_t *acc, size_t n, float x_scale, const float *w_scales, const float *bias, float *y) {
    PICK(dequantize_row, acc, n, x_scale, w_scales, bias, y);
}
void auris_dequantize_weight_row(const int8_t *q, size_t n, float scale, float *y) {
    const float inverse = 1.0f / scale;  // CTranslate2 multiplies by the inverse
    for (size_t i = 0; i < n; i++) y[i] = (float)q[i] * inverse;
}
void auris_softmax(float *row, size_t visible, size_t total) { PICK(softmax, row, visible, total); }
void auris_gelu(float *x, size_t n) { PICK(gelu, x, n); }
float auris_maximum(const float *x, size_t n, float floor) { return PICK(maximum, x, n, floor); }
float auris_exp_sum(const float *x, size_t n, float top) { return PICK(exp_sum, x, n, top); }
void auris_lstm_cell(const float *g, float *h, float *c, size_t n) { PICK(lstm_cell, g, h, c, n); }
