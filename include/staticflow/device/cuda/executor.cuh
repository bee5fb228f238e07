// SPDX-License-Identifier: MIT
/// \file
/// \brief `executor<cuda>`: the GPU kernels of the expression machinery (elementwise, reduce,
/// arg-reduce, GEMM, for_each), with the same interface and results as `executor<host>`.
///
/// All work (kernels, cuBLAS/cuBLASLt, CUB, Thrust) is queued on the current stream of the
/// calling thread (stream.cuh: a session's own stream during its calls, else the legacy default
/// stream) on the current device (`cudaSetDevice`), so consecutive ops are ordered by the stream
/// and the allocator orders reuse across streams (memory.cuh). Launch errors are reported at
/// once; errors inside a kernel surface at the next synchronising call (a copy to the host, or
/// `executor<cuda>::synchronize()`).
#pragma once
#ifndef STATICFLOW_DEVICE_CUDA_EXECUTOR_CUH
#define STATICFLOW_DEVICE_CUDA_EXECUTOR_CUH

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include <cub/device/device_reduce.cuh>
#include <cub/device/device_segmented_reduce.cuh>
#include <cublasLt.h>
#include <cublas_v2.h>
#include <cuda_runtime_api.h>
#include <thrust/iterator/counting_iterator.h>
#include <thrust/iterator/transform_iterator.h>
#include <thrust/system/cuda/execution_policy.h>

#include "staticflow/core/device.hpp"
#include "staticflow/core/error.hpp"
#include "staticflow/device/cuda/algorithms.hpp"
#include "staticflow/device/cuda/error.hpp"
#include "staticflow/device/cuda/kernels.cuh"
#include "staticflow/device/cuda/memory.cuh"
#include "staticflow/device/cuda/stream.cuh"
// device_runtime<cuda>: sessions on sf::cuda need it wherever they need the executor.
#include "staticflow/device/cuda/placement.cuh"
#include "staticflow/expr/assign.hpp"
#include "staticflow/ops/elementwise.hpp"

namespace staticflow {

namespace detail {

/// Throws `internal_error` unless a cuBLAS call succeeded.
inline void cublas_check(cublasStatus_t status, const char* call, const char* file, int line) {
  if (status == CUBLAS_STATUS_SUCCESS) return;
  cudaGetLastError();
  throw internal_error("sf::cuda: " + cuda_call_site(call, file, line) + " failed: " + cublasGetStatusName(status) +
                       ": " + cublasGetStatusString(status));
}

/// Reports a failed kernel launch (bad configuration, no device) right where it happened.
inline void cuda_check_launch(const char* kernel, const char* file, int line) {
  cuda_check(cudaGetLastError(), kernel, file, line);
}

}  // namespace detail

}  // namespace staticflow

/// Checks a cuBLAS call; throws `sf::internal_error` naming the call, file:line and the status.
#define SF_CUBLAS_CHECK(call) ::staticflow::detail::cublas_check((call), #call, __FILE__, __LINE__)
/// Checks the launch of the kernel just queued.
#define SF_CUDA_CHECK_LAUNCH(kernel) ::staticflow::detail::cuda_check_launch(kernel " launch", __FILE__, __LINE__)

namespace staticflow {

namespace detail {

/// One library handle per device and host thread (cuBLAS handles are not meant to be shared by
/// threads that issue work concurrently), created on first use and destroyed at thread exit.
/// `Library` says how: `handle`, `create()` and `destroy(handle)`.
template <class Library>
class library_handles {
 public:
  using handle = typename Library::handle;
  static handle current() {
    thread_local library_handles handles;
    int device = 0;
    SF_CUDA_CHECK(cudaGetDevice(&device));
    const auto d = static_cast<std::size_t>(device);
    if (d >= handles.handles_.size()) handles.handles_.resize(d + 1);
    auto& h = handles.handles_[d];
    if (!h) h = Library::create();
    return h;
  }
  ~library_handles() {
    for (auto h : handles_)
      if (h) Library::destroy(h);  // errors at exit are ignored: nothing useful can be done
  }

 private:
  std::vector<handle> handles_;
};

struct cublas_library {
  using handle = cublasHandle_t;
  static handle create() {
    handle h = nullptr;
    SF_CUBLAS_CHECK(cublasCreate(&h));
    // Full FP32 precision: no TF32 tensor-op shortcuts, so results match the host's GEMM.
    SF_CUBLAS_CHECK(cublasSetMathMode(h, CUBLAS_DEFAULT_MATH));
    return h;
  }
  static void destroy(handle h) { cublasDestroy(h); }
};
struct cublaslt_library {
  using handle = cublasLtHandle_t;
  static handle create() {
    handle h = nullptr;
    SF_CUBLAS_CHECK(cublasLtCreate(&h));
    return h;
  }
  static void destroy(handle h) { cublasLtDestroy(h); }
};
using cublas_handles = library_handles<cublas_library>;
using cublaslt_handles = library_handles<cublaslt_library>;

/// cuBLAS takes int extents; larger ones are refused rather than truncated.
inline int cublas_extent(std::size_t v, const char* what) {
  if (v > static_cast<std::size_t>(std::numeric_limits<int>::max()))
    throw invalid_argument(std::string("sf::cuda::gemm: ") + what + " = " + std::to_string(v) +
                           " exceeds cuBLAS's int range");
  return static_cast<int>(v);
}

/// The descriptors of one cuBLASLt call, destroyed with it.
struct cublaslt_call {
  cublasLtMatmulDesc_t op = nullptr;
  cublasLtMatrixLayout_t a = nullptr, b = nullptr, c = nullptr;
  cublaslt_call() = default;
  cublaslt_call(const cublaslt_call&) = delete;
  cublaslt_call& operator=(const cublaslt_call&) = delete;
  ~cublaslt_call() {
    if (c) cublasLtMatrixLayoutDestroy(c);
    if (b) cublasLtMatrixLayoutDestroy(b);
    if (a) cublasLtMatrixLayoutDestroy(a);
    if (op) cublasLtMatmulDescDestroy(op);
  }
};

/// c[i, j] = op(v + bias[j]) over a row-major m x n matrix: the epilogue where cuBLASLt has none.
template <class T>
struct bias_epilogue {
  T* c;
  const T* bias;
  std::size_t n;
  bool relu;
  __host__ __device__ void operator()(std::size_t i) const {
    const T v = c[i] + bias[i % n];
    c[i] = relu ? ops::relu{}(v) : v;
  }
};

/// Temporary device storage for CUB, from the caching allocator.
struct cuda_scratch {
  explicit cuda_scratch(std::size_t bytes) : bytes(bytes), data(memory<cuda>::allocate<std::byte>(bytes)) {}
  cuda_scratch(const cuda_scratch&) = delete;
  cuda_scratch& operator=(const cuda_scratch&) = delete;
  ~cuda_scratch() { memory<cuda>::deallocate(data, bytes); }
  std::size_t bytes;
  std::byte* data;
};

/// A CUB device-wide call in its two steps: ask for the scratch size, then run with scratch.
/// `call(scratch, bytes)` returns the cudaError_t of the CUB call (queued on the current stream).
template <class Call>
void cub_with_scratch(const char* what, const Call& call) {
  std::size_t bytes = 0;
  cuda_check(call(nullptr, bytes), what, __FILE__, __LINE__);
  cuda_scratch scratch(bytes ? bytes : 1);
  cuda_check(call(scratch.data, bytes), what, __FILE__, __LINE__);
}

/// Thrust on the current stream, without waiting for the result (the stream orders it).
inline auto thrust_on_current_stream() { return thrust::cuda::par_nosync.on(current_stream()); }

}  // namespace detail

template <>
struct executor<cuda> {
  /// Rows shorter than this are reduced by one thread each; longer ones by a block each (CUB's
  /// segmented reduction).
  static constexpr std::size_t row_block_threshold = 64;

  /// out[i] = ev.coeff(i) for i < n: one kernel for the whole fused tree, no temporaries (one
  /// thread per element: the row length that the host uses to vectorise plays no part).
  template <class T, class Ev>
  static void elementwise(T* out, std::size_t n, std::size_t /*row_length*/, const Ev& ev) {
    if (n == 0) return;
    detail::cuda_elementwise_kernel<<<detail::cuda_blocks_for(n), detail::cuda_block_threads, 0,
                                      detail::current_stream()>>>(out, n, ev);
    SF_CUDA_CHECK_LAUNCH("sf::cuda elementwise kernel");
  }

  /// Calls `f(i)` on the device for i < n; `f` must be trivially copyable with an SF_HD operator().
  /// (One thread per index whatever its work: the host's `elements_per_index` plays no part.)
  template <class F>
  static void for_each(std::size_t n, const F& f, std::size_t /*elements_per_index*/ = 1) {
    if (n == 0) return;
    detail::cuda_for_each_kernel<<<detail::cuda_blocks_for(n), detail::cuda_block_threads, 0,
                                   detail::current_stream()>>>(n, f);
    SF_CUDA_CHECK_LAUNCH("sf::cuda for_each kernel");
  }

  /// Reduces the n_in elements of `ev` into out_n outputs; `map(i)` says which output element i
  /// feeds (the same contract as executor<host>::reduce). `mean` divides by n_in / out_n.
  template <class Reducer, class T, class Ev, class Map>
  static void reduce(Reducer r, bool mean, T* out, std::size_t out_n, const Ev& ev, std::size_t n_in, const Map& map) {
    if (out_n == 0) return;
    if (out_n == 1) {
      reduce_all(r, out, ev, n_in);
    } else if constexpr (Map::trailing_only) {
      const std::size_t inner = n_in / out_n;
      if (inner >= row_block_threshold) reduce_rows(r, out, out_n, inner, ev);
      else reduce_strided(r, out, out_n, ev, map);
    } else if constexpr (Map::leading_only) {
      reduce_columns(r, out, n_in / out_n, out_n, ev);
    } else {
      reduce_strided(r, out, out_n, ev, map);
    }
    if (mean && n_in)
      detail::device_divide(detail::thrust_on_current_stream(), out, out_n, static_cast<T>(n_in / out_n));
  }

  /// Index of the best element along an axis of extent `len` whose elements are `inner` apart.
  template <bool Max, class Ev>
  static void arg_reduce(std::int64_t* out, std::size_t out_n, const Ev& ev, std::size_t len, std::size_t inner) {
    if (out_n == 0) return;
    detail::cuda_arg_reduce_kernel<Max>
        <<<detail::cuda_blocks_for(out_n), detail::cuda_block_threads, 0, detail::current_stream()>>>(
            out, out_n, ev, len, inner ? inner : 1);
    SF_CUDA_CHECK_LAUNCH("sf::cuda arg_reduce kernel");
  }

  /// C = alpha * op(A) * op(B) + beta * C, row-major, op transposing when its flag is set.
  /// float and double through cuBLAS; other element types through a simple kernel.
  template <class T>
  static void gemm(bool ta, bool tb, std::size_t m, std::size_t n, std::size_t k, T alpha, const T* a, const T* b,
                   T beta, T* c) {
    if (m == 0 || n == 0) return;
    // k == 0: op(A) op(B) is all zeros
    if (k == 0) return detail::device_scale(detail::thrust_on_current_stream(), c, m * n, beta);
    if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
      cublas_gemm(ta, tb, m, n, k, alpha, a, b, beta, c);
    } else {
      detail::cuda_gemm_kernel<<<detail::cuda_blocks_for(m * n), detail::cuda_block_threads, 0,
                                 detail::current_stream()>>>(ta, tb, m, n, k, alpha, a, b, beta, c);
      SF_CUDA_CHECK_LAUNCH("sf::cuda gemm kernel");
    }
  }

  /// C = op(A) op(B) + bias (bias[j] added to column j), then relu when asked: one cuBLASLt
  /// call with a BIAS or RELU_BIAS epilogue for float (full FP32, no TF32); a GEMM and one
  /// epilogue kernel for other types.
  template <class T>
  static void gemm_bias(bool ta, bool tb, std::size_t m, std::size_t n, std::size_t k, const T* a, const T* b,
                        const T* bias, bool relu, T* c) {
    if (m == 0 || n == 0) return;
    if constexpr (std::is_same_v<T, float>) {
      if (k > 0) return cublaslt_gemm_bias(ta, tb, m, n, k, a, b, bias, relu, c);
    }
    gemm(ta, tb, m, n, k, T(1), a, b, T(0), c);
    for_each(m * n, detail::bias_epilogue<T>{c, bias, n, relu});
  }

  /// bfloat16 weights (`sf::matmul(float, bfloat16)`) have host kernels only.
  template <class T>
  static void gemm(bool, bool, std::size_t, std::size_t, std::size_t, T, const T*, const bfloat16*, T, T*) {
    static_assert(detail::dependent_false_v<T>, "sf::matmul: bfloat16 weights run on sf::host only; on sf::cuda keep "
                                                "the weights float32");
  }
  template <class T>
  static void gemm_bias(bool, bool, std::size_t, std::size_t, std::size_t, const T*, const bfloat16*, const T*, bool,
                        T*) {
    static_assert(detail::dependent_false_v<T>, "sf::matmul: bfloat16 weights run on sf::host only; on sf::cuda keep "
                                                "the weights float32");
  }

  /// Waits for all queued work on the current device; reports errors raised inside kernels.
  static void synchronize() { SF_CUDA_CHECK(cudaDeviceSynchronize()); }

 private:
  /// Row-major C (m x n) is column-major C^T (n x m) = op(B)^T op(A)^T, so cuBLAS gets B first.
  template <class T>
  static void cublas_gemm(bool ta, bool tb, std::size_t m, std::size_t n, std::size_t k, T alpha, const T* a,
                          const T* b, T beta, T* c) {
    const int cm = detail::cublas_extent(n, "n"), cn = detail::cublas_extent(m, "m"), ck = detail::cublas_extent(k, "k");
    const cublasOperation_t op_b = tb ? CUBLAS_OP_T : CUBLAS_OP_N, op_a = ta ? CUBLAS_OP_T : CUBLAS_OP_N;
    const int ldb = tb ? ck : cm, lda = ta ? cn : ck;
    cublasHandle_t h = detail::cublas_handles::current();
    SF_CUBLAS_CHECK(cublasSetStream(h, detail::current_stream()));  // the handle is the thread's, streams vary
    if constexpr (std::is_same_v<T, float>)
      SF_CUBLAS_CHECK(cublasSgemm(h, op_b, op_a, cm, cn, ck, &alpha, b, ldb, a, lda, &beta, c, cm));
    else
      SF_CUBLAS_CHECK(cublasDgemm(h, op_b, op_a, cm, cn, ck, &alpha, b, ldb, a, lda, &beta, c, cm));
  }

  /// Row-major C is column-major C^T = op(B)^T op(A)^T: cuBLASLt's A is our B and its B our A,
  /// and its bias (one value per row of its D) runs along our columns.
  static void cublaslt_gemm_bias(bool ta, bool tb, std::size_t m, std::size_t n, std::size_t k, const float* a,
                                 const float* b, const float* bias, bool relu, float* c) {
    const auto cm = static_cast<std::uint64_t>(detail::cublas_extent(n, "n"));
    const auto cn = static_cast<std::uint64_t>(detail::cublas_extent(m, "m"));
    const auto ck = static_cast<std::uint64_t>(detail::cublas_extent(k, "k"));
    detail::cublaslt_call call;
    SF_CUBLAS_CHECK(cublasLtMatmulDescCreate(&call.op, CUBLAS_COMPUTE_32F, CUDA_R_32F));
    const cublasOperation_t op_a = tb ? CUBLAS_OP_T : CUBLAS_OP_N, op_b = ta ? CUBLAS_OP_T : CUBLAS_OP_N;
    const cublasLtEpilogue_t epilogue = relu ? CUBLASLT_EPILOGUE_RELU_BIAS : CUBLASLT_EPILOGUE_BIAS;
    SF_CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(call.op, CUBLASLT_MATMUL_DESC_TRANSA, &op_a, sizeof op_a));
    SF_CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(call.op, CUBLASLT_MATMUL_DESC_TRANSB, &op_b, sizeof op_b));
    SF_CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(call.op, CUBLASLT_MATMUL_DESC_EPILOGUE, &epilogue, sizeof epilogue));
    SF_CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(call.op, CUBLASLT_MATMUL_DESC_BIAS_POINTER, &bias, sizeof bias));
    // Stored shapes (column-major view of the row-major buffers) and leading dimensions.
    SF_CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&call.a, CUDA_R_32F, tb ? ck : cm, tb ? cm : ck,
                                               static_cast<std::int64_t>(tb ? ck : cm)));
    SF_CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&call.b, CUDA_R_32F, ta ? cn : ck, ta ? ck : cn,
                                               static_cast<std::int64_t>(ta ? cn : ck)));
    SF_CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&call.c, CUDA_R_32F, cm, cn, static_cast<std::int64_t>(cm)));
    const float one = 1.f, zero = 0.f;
    SF_CUBLAS_CHECK(cublasLtMatmul(detail::cublaslt_handles::current(), call.op, &one, b, call.a, a, call.b, &zero, c,
                                   call.c, c, call.c, nullptr, nullptr, 0, detail::current_stream()));
  }

  /// The elements of an evaluator as an input iterator for CUB.
  template <class T, class Ev>
  static auto coefficients(const Ev& ev) {
    return thrust::make_transform_iterator(thrust::counting_iterator<std::size_t>(0),
                                           detail::cuda_coeff_at<T, Ev>{ev});
  }

  template <class Reducer, class T, class Ev>
  static void reduce_all(Reducer r, T* out, const Ev& ev, std::size_t n) {
    const auto in = coefficients<T>(ev);
    const T init = Reducer::template identity<T>();
    detail::cub_with_scratch("cub::DeviceReduce::Reduce", [&](void* scratch, std::size_t& bytes) {
      return cub::DeviceReduce::Reduce(scratch, bytes, in, out, n, r, init, detail::current_stream());
    });
  }

  /// Row i of a [rows, inner] input into out[i]: each row is a contiguous segment.
  template <class Reducer, class T, class Ev>
  static void reduce_rows(Reducer r, T* out, std::size_t rows, std::size_t inner, const Ev& ev) {
    const auto in = coefficients<T>(ev);
    const auto starts = thrust::make_transform_iterator(thrust::counting_iterator<std::int64_t>(0),
                                                        detail::cuda_row_start{static_cast<std::int64_t>(inner)});
    const T init = Reducer::template identity<T>();
    detail::cub_with_scratch("cub::DeviceSegmentedReduce::Reduce", [&](void* scratch, std::size_t& bytes) {
      return cub::DeviceSegmentedReduce::Reduce(scratch, bytes, in, out, static_cast<std::int64_t>(rows), starts,
                                                starts + 1, r, init, detail::current_stream());
    });
  }

  // The two reductions below are not cub::DeviceSegmentedReduce calls: its segments are
  // contiguous ranges of the input, and theirs are not. A column (reduction over leading axes)
  // is `cols` elements apart: through a gather iterator each CUB block would read one column at
  // that stride, uncoalesced, where the column kernel has each warp read 32 adjacent columns.
  // Reductions over other axes (strided) visit their inputs in increasing order, one thread per
  // output, so sums round as on the host's general path; a block-wide tree would not.

  /// Column c of a [rows, cols] input into out[c]: chunks of rows in parallel, then the
  /// chunks' partial results the same way until one chunk is left.
  template <class Reducer, class T, class Ev>
  static void reduce_columns(Reducer r, T* out, std::size_t rows, std::size_t cols, const Ev& ev) {
    constexpr std::size_t max_chunks = 65535;  // gridDim.y's limit
    std::size_t chunk_rows = 256;              // 32 rows per lane: enough work to hide latency
    if (rows > chunk_rows * max_chunks) chunk_rows = (rows + max_chunks - 1) / max_chunks;
    const std::size_t chunks = (rows + chunk_rows - 1) / chunk_rows;
    const dim3 grid(static_cast<unsigned>((cols + detail::cuda_column_tile - 1) / detail::cuda_column_tile),
                    static_cast<unsigned>(chunks));
    const dim3 block(detail::cuda_column_tile, detail::cuda_column_lanes);
    if (chunks == 1) {
      detail::cuda_column_reduce_kernel<<<grid, block, 0, detail::current_stream()>>>(r, out, rows, cols, chunk_rows,
                                                                                      ev);
      SF_CUDA_CHECK_LAUNCH("sf::cuda column reduce kernel");
      return;
    }
    detail::cuda_scratch partial(chunks * cols * sizeof(T));
    T* partial_data = reinterpret_cast<T*>(partial.data);
    detail::cuda_column_reduce_kernel<<<grid, block, 0, detail::current_stream()>>>(r, partial_data, rows, cols,
                                                                                    chunk_rows, ev);
    SF_CUDA_CHECK_LAUNCH("sf::cuda column reduce kernel");
    reduce_columns(r, out, chunks, cols, detail::cuda_array_reader<T>{partial_data});
  }

  template <class Reducer, class T, class Ev, class Map>
  static void reduce_strided(Reducer r, T* out, std::size_t out_n, const Ev& ev, const Map& map) {
    const auto plan = detail::make_cuda_reduce_plan(map);
    detail::cuda_strided_reduce_kernel<<<detail::cuda_blocks_for(out_n), detail::cuda_block_threads, 0,
                                         detail::current_stream()>>>(r, out, out_n, ev, plan);
    SF_CUDA_CHECK_LAUNCH("sf::cuda strided reduce kernel");
  }
};

}  // namespace staticflow
#endif  // STATICFLOW_DEVICE_CUDA_EXECUTOR_CUH
