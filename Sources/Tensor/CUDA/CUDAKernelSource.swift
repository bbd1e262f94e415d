/// The CUDA C++ of every operation cuBLAS does not do, compiled at run time by NVRTC for the
/// GPU it will run on (see ``CUDAKernels``).
///
/// Each kernel mirrors the CPU backend's loop for the same operation, including the order of
/// the arithmetic where that matters to rounding (layer norm's two passes, softmax's
/// max-subtract), so that both devices produce the same tokens. Sizes are `int`: the largest
/// tensor Whisper makes (a large model's vocabulary projection) has far fewer than 2³¹ elements.
enum CUDAKernelSource {
    /// The kernels' names, each an `extern "C"` entry point of ``text``.
    static let kernelNames = [
        "auris_fill_rows", "auris_fill_columns", "auris_add", "auris_add_row", "auris_gelu", "auris_layer_norm",
        "auris_softmax_rows", "auris_transpose", "auris_gather_rows", "auris_copy_columns", "auris_im2col",
        "auris_linear_few_rows", "auris_attention_few_queries",
    ]

    static let fileName = "auris_kernels.cu"

    static let text = #"""
    // NVRTC has no <math.h>, so no INFINITY macro.
    #define NEGATIVE_INFINITY __int_as_float(0xff800000)

    __device__ float warp_sum(float v) {
        for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_xor_sync(0xffffffffu, v, offset);
        return v;
    }

    __device__ float warp_max(float v) {
        for (int offset = 16; offset > 0; offset >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, offset));
        return v;
    }

    // Sum (or maximum) over the block, returned to every thread. `shared` holds 32 floats and
    // is free again when this returns.
    __device__ float block_reduce(float v, float* shared, bool maximum) {
        int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = (blockDim.x + 31) >> 5;
        v = maximum ? warp_max(v) : warp_sum(v);
        if (lane == 0) shared[warp] = v;
        __syncthreads();
        if (warp == 0) {
            float identity = maximum ? NEGATIVE_INFINITY : 0.0f;
            v = lane < warps ? shared[lane] : identity;
            v = maximum ? warp_max(v) : warp_sum(v);
            if (lane == 0) shared[0] = v;
        }
        __syncthreads();
        float result = shared[0];
        __syncthreads();
        return result;
    }

    // A softmax's middle, by the block's threads together: row[i] = exp(row[i] - maximum) for the
    // first `count` entries (max-subtracted, as the CPU does), and 1 / their sum.
    __device__ float exponentiate(float* row, int count, float maximum, float* shared) {
        float sum = 0.0f;
        for (int i = threadIdx.x; i < count; i += blockDim.x) {
            float e = expf(row[i] - maximum);
            row[i] = e;
            sum += e;
        }
        return 1.0f / block_reduce(sum, shared, false);
    }

    // out[r][c] = row[c]: a bias in every row, for a product to accumulate onto.
    extern "C" __global__ void auris_fill_rows(float* out, const float* row, int count, int width) {
        for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < count; i += gridDim.x * blockDim.x) out[i] = row[i % width];
    }

    // out[r][c] = column[r]: a convolution's bias per output channel.
    extern "C" __global__ void auris_fill_columns(float* out, const float* column, int count, int width) {
        for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < count; i += gridDim.x * blockDim.x) out[i] = column[i / width];
    }

    extern "C" __global__ void auris_add(float* x, const float* y, int count) {
        for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < count; i += gridDim.x * blockDim.x) x[i] += y[i];
    }

    extern "C" __global__ void auris_add_row(float* x, const float* row, int count, int width) {
        for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < count; i += gridDim.x * blockDim.x) x[i] += row[i % width];
    }

    // Exact GELU, with erf.
    extern "C" __global__ void auris_gelu(float* x, int count) {
        for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < count; i += gridDim.x * blockDim.x) {
            float v = x[i];
            x[i] = 0.5f * v * (1.0f + erff(v * 0.70710678118654752f));
        }
    }

    // One block per row: mean, then variance of the centred values, as the CPU does.
    extern "C" __global__ void auris_layer_norm(float* out, const float* x, const float* gamma, const float* beta,
                                                int width, float epsilon) {
        __shared__ float shared[32];
        const float* in = x + (size_t)blockIdx.x * width;
        float* o = out + (size_t)blockIdx.x * width;
        float sum = 0.0f;
        for (int i = threadIdx.x; i < width; i += blockDim.x) sum += in[i];
        float mean = block_reduce(sum, shared, false) / (float)width;
        float squares = 0.0f;
        for (int i = threadIdx.x; i < width; i += blockDim.x) {
            float centred = in[i] - mean;
            squares += centred * centred;
        }
        float scale = 1.0f / sqrtf(block_reduce(squares, shared, false) / (float)width + epsilon);
        for (int i = threadIdx.x; i < width; i += blockDim.x) o[i] = (in[i] - mean) * scale * gamma[i] + beta[i];
    }

    // Softmax of one attention row per block: grid (queries, heads). Scores are
    // [heads][queries][keyCount]; with `causal`, query q sees keys up to firstPosition + q and
    // the rest become 0.
    extern "C" __global__ void auris_softmax_rows(float* scores, int queries, int keyCount, int firstPosition, int causal) {
        __shared__ float shared[32];
        int query = blockIdx.x;
        float* row = scores + ((size_t)blockIdx.y * queries + query) * keyCount;
        int visible = causal ? min(keyCount, firstPosition + query + 1) : keyCount;
        float maximum = NEGATIVE_INFINITY;
        for (int i = threadIdx.x; i < visible; i += blockDim.x) maximum = fmaxf(maximum, row[i]);
        float inverse = exponentiate(row, visible, block_reduce(maximum, shared, true), shared);
        for (int i = threadIdx.x; i < visible; i += blockDim.x) row[i] *= inverse;
        for (int i = visible + threadIdx.x; i < keyCount; i += blockDim.x) row[i] = 0.0f;
    }

    // [rows][columns] -> [columns][rows] through a 32×32 tile in shared memory (padded against
    // bank conflicts), so both reads and writes are coalesced. Block (32, 8).
    extern "C" __global__ void auris_transpose(float* out, const float* in, int rows, int columns) {
        __shared__ float tile[32][33];
        int column = blockIdx.x * 32 + threadIdx.x, rowBase = blockIdx.y * 32;
        for (int j = threadIdx.y; j < 32; j += blockDim.y) {
            int row = rowBase + j;
            if (row < rows && column < columns) tile[j][threadIdx.x] = in[(size_t)row * columns + column];
        }
        __syncthreads();
        int outColumn = rowBase + threadIdx.x;
        for (int j = threadIdx.y; j < 32; j += blockDim.y) {
            int outRow = blockIdx.x * 32 + j;
            if (outRow < columns && outColumn < rows) out[(size_t)outRow * rows + outColumn] = tile[threadIdx.x][j];
        }
    }

    // One block per output row: out[i] = table[rows[i]].
    extern "C" __global__ void auris_gather_rows(float* out, const float* table, const int* rows, int width) {
        const float* source = table + (size_t)rows[blockIdx.x] * width;
        float* target = out + (size_t)blockIdx.x * width;
        for (int i = threadIdx.x; i < width; i += blockDim.x) target[i] = source[i];
    }

    // One block per row: columns [columnStart, columnStart + width) of a row of `source`
    // become a row of `destination` (already offset to the first destination row).
    extern "C" __global__ void auris_copy_columns(float* destination, const float* source, int sourceWidth,
                                                  int columnStart, int width) {
        const float* from = source + (size_t)blockIdx.x * sourceWidth + columnStart;
        float* to = destination + (size_t)blockIdx.x * width;
        for (int i = threadIdx.x; i < width; i += blockDim.x) to[i] = from[i];
    }

    // Note [Decoding steps in few launches]: a decoding step multiplies one row (a few, for a
    // prompt) by each weight matrix. cuBLAS then costs a bias fill and a library call of several
    // microseconds of host time each, for work the GPU does in about one. This kernel does the
    // whole `out = x · wᵀ + bias` in one launch: a warp per output column reads its weight row
    // once, coalesced, for every input row. `bias` may be null.
    extern "C" __global__ void auris_linear_few_rows(float* out, const float* x, const float* w, const float* bias,
                                                    int rows, int inputs, int outputs) {
        int lane = threadIdx.x & 31;
        int output = blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5);
        if (output >= outputs) return;
        const float* weights = w + (size_t)output * inputs;
        for (int row = 0; row < rows; row++) {
            const float* input = x + (size_t)row * inputs;
            float sum = 0.0f;
            for (int i = lane; i < inputs; i += 32) sum += input[i] * weights[i];
            sum = warp_sum(sum);
            if (lane == 0) out[(size_t)row * outputs + output] = bias ? sum + bias[output] : sum;
        }
    }

    // Attention of a few queries (a decoding step) in one launch, instead of two batched products
    // and a softmax: grid (queries, heads). Queries, keys and values are read in place with their
    // own row strides, so the decoder's fused key|value matrix needs no copies. As on the CPU:
    // scaled scores, max-subtracted softmax normalised first, then the weighted sum of values.
    // Dynamic shared memory: 32 + headWidth + keyCount + blockDim.x floats.
    extern "C" __global__ void auris_attention_few_queries(float* out, int outStride, const float* q, int queryStride,
                                                          const float* k, const float* v, int keyStride, int keyCount,
                                                          int firstPosition, int causal, float scale, int headWidth) {
        extern __shared__ float shared[];
        float* reduce = shared;
        float* query = reduce + 32;
        float* scores = query + headWidth;
        float* partial = scores + keyCount;
        int row = blockIdx.x, column = blockIdx.y * headWidth;
        int visible = causal ? min(keyCount, firstPosition + row + 1) : keyCount;
        for (int d = threadIdx.x; d < headWidth; d += blockDim.x) query[d] = q[(size_t)row * queryStride + column + d];
        __syncthreads();
        float maximum = NEGATIVE_INFINITY;
        for (int key = threadIdx.x; key < visible; key += blockDim.x) {
            const float* keyRow = k + (size_t)key * keyStride + column;
            float score = 0.0f;
            for (int d = 0; d < headWidth; d++) score += query[d] * keyRow[d];
            score *= scale;
            scores[key] = score;
            maximum = fmaxf(maximum, score);
        }
        float inverse = exponentiate(scores, visible, block_reduce(maximum, reduce, true), reduce);
        // Each group of headWidth threads sums every groups-th key for its component d.
        int groups = blockDim.x / headWidth, group = threadIdx.x / headWidth, d = threadIdx.x % headWidth;
        float accumulated = 0.0f;
        if (group < groups)
            for (int key = group; key < visible; key += groups)
                accumulated += scores[key] * inverse * v[(size_t)key * keyStride + column + d];
        partial[threadIdx.x] = accumulated;
        __syncthreads();
        if (threadIdx.x < headWidth) {
            float total = 0.0f;
            for (int g = 0; g < groups; g++) total += partial[g * headWidth + threadIdx.x];
            out[(size_t)row * outStride + column + threadIdx.x] = total;
        }
    }

    // im2col for a 1-D convolution: row (channel * kernel + tap), column t holds
    // x[channel][t * stride + tap - padding], or 0 outside the signal.
    extern "C" __global__ void auris_im2col(float* columns, const float* x, int inChannels, int length, int kernel,
                                            int stride, int padding, int outLength) {
        int count = inChannels * kernel * outLength;
        for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < count; i += gridDim.x * blockDim.x) {
            int row = i / outLength, t = i % outLength;
            int channel = row / kernel, tap = row % kernel;
            int position = t * stride + tap - padding;
            columns[i] = position >= 0 && position < length ? x[(size_t)channel * length + position] : 0.0f;
        }
    }
    """#
}
