// The two implementations of every kernel, chosen between in dispatch.c.
#ifndef AURIS_KERNELS_INTERNAL_H
#define AURIS_KERNELS_INTERNAL_H

#include "CPUKernels.h"

#define AURIS_KERNELS(prefix)                                                                          \
    void prefix##_f16_to_f32(const uint16_t *, float *, size_t);                                       \
    void prefix##_f32_to_f16(const float *, uint16_t *, size_t);                                       \
    void prefix##_gemv_f16(const uint16_t *, size_t, size_t, const float *, float *);                  \
    void prefix##_scores_f16(const uint16_t *, size_t, size_t, size_t, const float *, float, float *); \
    void prefix##_weighted_sum_f16(const uint16_t *, size_t, size_t, size_t, const float *, float *);  \
    float prefix##_quantize_weight_row(const float *, size_t, int8_t *);                               \
    float prefix##_quantize_activation_row(const float *, size_t, int8_t *);                           \
    void prefix##_gemv_s8(const int8_t *, size_t, size_t, const int8_t *, int32_t *);                  \
    void prefix##_gemm_s8(const int8_t *, size_t, const int8_t *, size_t, size_t, int32_t *, size_t);  \
    void prefix##_dequantize_row(const int32_t *, size_t, float, const float *, const float *, float *); \
    void prefix##_softmax(float *, size_t, size_t);                                                    \
    void prefix##_gelu(float *, size_t);                                                               \
    float prefix##_maximum(const float *, size_t, float);                                              \
    float prefix##_exp_sum(const float *, size_t, float);                                              \
    void prefix##_lstm_cell(const float *, float *, float *, size_t);

AURIS_KERNELS(portable)
float portable_f16_scalar(uint16_t);
#if defined(__x86_64__)
AURIS_KERNELS(avx2)
#endif

/// The erfc approximation both implementations use (Numerical Recipes' Chebyshev fit, fractional
/// error below 1.2e-7 for every argument): erfc(z) = t · exp(-z² + P(t)), t = 1 / (1 + z/2), z ≥ 0.
#define AURIS_ERFC_COEFFICIENTS                                                                         \
    { 0.17087277f, -0.82215223f, 1.48851587f, -1.13520398f, 0.27886807f, -0.18628806f, 0.09678418f,   \
      0.37409196f, 1.00002368f, -1.26551223f }

#endif
