// SPDX-License-Identifier: MIT
/// \file
/// \brief The CUDA kernels behind `executor<cuda>`: generic over any evaluator or functor.
///
/// Every kernel takes its evaluator by value (evaluators are trivially copyable structs of
/// device pointers, extents and functors) and walks its elements with a grid-stride loop, so
/// one launch shape serves every size.
#pragma once
#ifndef STATICFLOW_DEVICE_CUDA_KERNELS_CUH
#define STATICFLOW_DEVICE_CUDA_KERNELS_CUH

#include <cstddef>
#include <cstdint>

#include <cuda_runtime_api.h>

#include "staticflow/core/shape.hpp"

namespace staticflow::detail {

/// Threads per block of every kernel here (a multiple of the warp size, good occupancy everywhere).
inline constexpr unsigned cuda_block_threads = 256;
/// Upper bound on blocks per launch: the grid-stride loops cover the rest, and a bounded grid
/// keeps launches cheap for huge tensors.
inline constexpr std::size_t cuda_max_blocks = std::size_t{1} << 16;

/// Blocks for n elements, at least 1 (a launch with 0 blocks is an error).
inline unsigned cuda_blocks_for(std::size_t n) {
  const std::size_t blocks = (n + cuda_block_threads - 1) / cuda_block_threads;
  return static_cast<unsigned>(blocks == 0 ? 1 : (blocks < cuda_max_blocks ? blocks : cuda_max_blocks));
}

__device__ __forceinline__ std::size_t cuda_thread_index() {
  return static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
}
__device__ __forceinline__ std::size_t cuda_grid_stride() { return static_cast<std::size_t>(gridDim.x) * blockDim.x; }

/// out[i] = ev.coeff(i): the whole fused elementwise tree in one pass.
template <class T, class Ev>
__global__ void cuda_elementwise_kernel(T* __restrict__ out, std::size_t n, Ev ev) {
  for (std::size_t i = cuda_thread_index(); i < n; i += cuda_grid_stride()) out[i] = ev.coeff(i);
}

/// f(i) for every i < n (optimiser updates, fused loss kernels).
template <class F>
__global__ void cuda_for_each_kernel(std::size_t n, F f) {
  for (std::size_t i = cuda_thread_index(); i < n; i += cuda_grid_stride()) f(i);
}

/// The value of element i of an evaluator: CUB's input iterator reads through this.
template <class T, class Ev>
struct cuda_coeff_at {
  Ev ev;
  __host__ __device__ T operator()(std::size_t i) const { return ev.coeff(i); }
};

/// The first input index of row i of a [rows, length] input: CUB's segment offsets.
struct cuda_row_start {
  std::int64_t length;
  __host__ __device__ std::int64_t operator()(std::int64_t row) const { return row * length; }
};

/// Element i of a plain device array (the partial results between column-reduce passes).
template <class T>
struct cuda_array_reader {
  const T* data;
  __host__ __device__ T coeff(std::size_t i) const { return data[i]; }
};

/// Column reductions of a row-major [rows, cols] input (reductions over leading axes, such as
/// a bias gradient summed over the batch and the positions): a block is 32 columns by 8 row
/// lanes over one chunk of `chunk_rows` rows, so short wide and tall narrow inputs both fill
/// the GPU. out[chunk * cols + c] = the reduction of column c over chunk blockIdx.y.
inline constexpr unsigned cuda_column_tile = 32, cuda_column_lanes = 8;

template <class Reducer, class T, class Ev>
__global__ void cuda_column_reduce_kernel(Reducer r, T* __restrict__ out, std::size_t rows, std::size_t cols,
                                          std::size_t chunk_rows, Ev ev) {
  __shared__ T partial[cuda_column_lanes][cuda_column_tile];
  const std::size_t c = static_cast<std::size_t>(blockIdx.x) * cuda_column_tile + threadIdx.x;
  const std::size_t first = static_cast<std::size_t>(blockIdx.y) * chunk_rows;
  const std::size_t last = first + chunk_rows < rows ? first + chunk_rows : rows;
  T acc = Reducer::template identity<T>();
  if (c < cols)
    for (std::size_t row = first + threadIdx.y; row < last; row += cuda_column_lanes) acc = r(acc, ev.coeff(row * cols + c));
  partial[threadIdx.y][threadIdx.x] = acc;
  __syncthreads();
  if (threadIdx.y == 0 && c < cols) {
    T total = partial[0][threadIdx.x];
    for (unsigned lane = 1; lane < cuda_column_lanes; ++lane) total = r(total, partial[lane][threadIdx.x]);
    out[static_cast<std::size_t>(blockIdx.y) * cols + c] = total;
  }
}

/// How the inputs of one output element are found when the reduced axes are anywhere:
/// the output index splits over the kept axes, the k-th input over the reduced ones.
template <std::size_t R>
struct cuda_reduce_plan {
  static constexpr std::size_t cap = R ? R : 1;
  std::size_t kept_dims[cap]{}, kept_strides[cap]{}, red_dims[cap]{}, red_strides[cap]{};
  unsigned kept_n = 0, red_n = 0;
  std::size_t per_output = 1;  ///< inputs reduced into each output element
};

/// Builds the plan from the input extents and which axes the map broadcasts (= reduces).
template <class Map>
cuda_reduce_plan<Map::rank> make_cuda_reduce_plan(const Map& map) {
  cuda_reduce_plan<Map::rank> plan;
  std::size_t stride = 1;
  for (std::size_t d = Map::rank; d-- > 0;) {
    const std::size_t extent = map.out_dims[d];
    if (Map::broadcasts(d)) {
      plan.red_dims[plan.red_n] = extent, plan.red_strides[plan.red_n++] = stride;
      plan.per_output *= extent;
    } else {
      plan.kept_dims[plan.kept_n] = extent, plan.kept_strides[plan.kept_n++] = stride;
    }
    stride *= extent;
  }
  return plan;  // axes are stored innermost first
}

/// One thread per output element, visiting its inputs in increasing input order (the order of
/// the host's general path, so sums round identically).
template <class Reducer, class T, class Ev, std::size_t R>
__global__ void cuda_strided_reduce_kernel(Reducer r, T* __restrict__ out, std::size_t out_n, Ev ev,
                                           cuda_reduce_plan<R> plan) {
  for (std::size_t o = cuda_thread_index(); o < out_n; o += cuda_grid_stride()) {
    std::size_t base = 0, rest = o;
    for (unsigned j = 0; j < plan.kept_n; ++j) {
      base += (rest % plan.kept_dims[j]) * plan.kept_strides[j];
      rest /= plan.kept_dims[j];
    }
    T acc = Reducer::template identity<T>();
    for (std::size_t k = 0; k < plan.per_output; ++k) {
      std::size_t off = base, q = k;
      for (unsigned j = 0; j < plan.red_n; ++j) {
        off += (q % plan.red_dims[j]) * plan.red_strides[j];
        q /= plan.red_dims[j];
      }
      acc = r(acc, ev.coeff(off));
    }
    out[o] = acc;
  }
}

/// Index of the best element along an axis of extent len whose elements are `inner` apart.
template <bool Max, class Ev>
__global__ void cuda_arg_reduce_kernel(std::int64_t* __restrict__ out, std::size_t out_n, Ev ev, std::size_t len,
                                       std::size_t inner) {
  for (std::size_t o = cuda_thread_index(); o < out_n; o += cuda_grid_stride()) {
    std::int64_t at = 0;
    if (len != 0) {
      const std::size_t base = (o / inner) * len * inner + o % inner;
      auto best = ev.coeff(base);
      for (std::size_t k = 1; k < len; ++k) {
        const auto v = ev.coeff(base + k * inner);
        if (Max ? best < v : v < best) best = v, at = static_cast<std::int64_t>(k);
      }
    }
    out[o] = at;
  }
}

/// Row-major C = alpha op(A) op(B) + beta C for element types cuBLAS lacks (integers): one
/// thread per element of C. beta = 0 ignores the old C, as BLAS does.
template <class T>
__global__ void cuda_gemm_kernel(bool ta, bool tb, std::size_t m, std::size_t n, std::size_t k, T alpha,
                                 const T* __restrict__ a, const T* __restrict__ b, T beta, T* __restrict__ c) {
  for (std::size_t idx = cuda_thread_index(); idx < m * n; idx += cuda_grid_stride()) {
    const std::size_t i = idx / n, j = idx % n;
    T acc = T(0);
    for (std::size_t p = 0; p < k; ++p) {
      const T av = ta ? a[p * m + i] : a[i * k + p];
      const T bv = tb ? b[j * k + p] : b[p * n + j];
      acc += av * bv;
    }
    c[idx] = beta == T(0) ? alpha * acc : alpha * acc + beta * c[idx];
  }
}

}  // namespace staticflow::detail
#endif  // STATICFLOW_DEVICE_CUDA_KERNELS_CUH
