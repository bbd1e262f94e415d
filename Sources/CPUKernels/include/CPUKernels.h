// Numeric kernels of the CPU backend that neither OpenBLAS nor Swift offers: products with
// float16 and int8 weights, and the vectorised exp/erf behind softmax and GELU.
//
// Each function picks its implementation once per process: AVX2 with FMA and F16C where the CPU
// has them (every x86-64 CPU since 2013), portable C elsewhere. Integer results are identical on
// both paths; float results may differ in the last bits because sums are grouped differently.
#ifndef AURIS_CPU_KERNELS_H
#define AURIS_CPU_KERNELS_H

#include <stddef.h>
#include <stdint.h>

/// "avx2" or "portable": which implementation this CPU runs.
const char *auris_kernels_isa(void);

/// For tests: run the portable implementations (1) or the CPU's best again (0).
void auris_kernels_force_portable(int force);

/// IEEE binary16 <-> binary32, round to nearest even.
void auris_f16_to_f32(const uint16_t *source, float *destination, size_t count);
void auris_f32_to_f16(const float *source, uint16_t *destination, size_t count);

/// y[r] += Σ_c w[r, c] · x[c] for r in [0, rows); w is float16, row-major, `columns` wide.
void auris_gemv_f16(const uint16_t *w, size_t rows, size_t columns, const float *x, float *y);

/// y[r] = scale · Σ_c w[r · stride + c] · x[c] for r in [0, rows): one head's attention scores
/// over float16 keys whose rows are `stride` elements apart.
void auris_scores_f16(const uint16_t *w, size_t rows, size_t columns, size_t stride, const float *x, float scale, float *y);

/// y[c] = Σ_r p[r] · v[r · stride + c] for c in [0, columns): one head's weighted sum of float16
/// values whose rows are `stride` elements apart. `columns` is at most 256.
void auris_weighted_sum_f16(const uint16_t *v, size_t rows, size_t columns, size_t stride, const float *p, float *y);

/// CTranslate2's weight quantisation of one row: scale = 127 / max|w| (1 when the row is zero),
/// q = round_half_even(w · scale). Returns the scale.
float auris_quantize_weight_row(const float *w, size_t count, int8_t *q);

/// CTranslate2's activation quantisation of one row (its u8 form, shifted back to s8):
/// scale = 127 / max|x| (1 when zero), q = round_half_even(x · scale + 128) − 128, the product and
/// the sum rounded separately as it does. Returns the scale.
float auris_quantize_activation_row(const float *x, size_t count, int8_t *q);

/// acc[r] = Σ_c w[r, c] · x[c] exactly, in int32, for r in [0, rows).
void auris_gemv_s8(const int8_t *w, size_t rows, size_t columns, const int8_t *x, int32_t *acc);

/// c[i · ldc + j] = Σ_k a[i, k] · w[j, k] exactly, in int32: a is [m, depth], w is [n, depth].
void auris_gemm_s8(const int8_t *a, size_t m, const int8_t *w, size_t n, size_t depth, int32_t *c, size_t ldc);

/// y[j] = (float)acc[j] · (1 / x_scale) / w_scales[j] (+ bias[j] when bias is not NULL): the
/// dequantisation of an int8 product, in CTranslate2's order of operations.
void auris_dequantize_row(const int32_t *acc, size_t count, float x_scale, const float *w_scales,
                          const float *bias, float *y);

/// y[c] = q[c] · (1 / scale) for one int8 row (an embedding lookup), as CTranslate2 computes it.
void auris_dequantize_weight_row(const int8_t *q, size_t count, float scale, float *y);

/// Softmax over row[0, visible), then zeros over row[visible, total).
void auris_softmax(float *row, size_t visible, size_t total);

/// Exact (erf) GELU in place: x · (1 + erf(x / √2)) / 2.
void auris_gelu(float *x, size_t count);

/// The largest of x[0, count), or `floor` when none is larger (the decoder passes the lowest
/// finite float, its mark of a disabled token).
float auris_maximum(const float *x, size_t count, float floor);

/// Σ exp(x[i] − top) as CTranslate2's AVX2 reduction adds it: eight lanes, each lane's terms in
/// order, the lanes reduced pairwise as _mm256 shuffles do, then the remainder one by one.
float auris_exp_sum(const float *x, size_t count, float top);

/// One LSTM step's state update from its gate pre-activations `gates` (4 · hidden, ONNX order:
/// input, output, forget, cell): c = σ(f)·c + σ(i)·tanh(g), h = σ(o)·tanh(c), in place.
void auris_lstm_cell(const float *gates, float *h, float *c, size_t hidden);

#endif
