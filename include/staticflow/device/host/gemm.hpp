// SPDX-License-Identifier: MIT
/// \file
/// \brief The host's matrix product on one thread: a block of C = alpha op(A) op(B) + beta C,
/// row-major, op transposing when its flag is set.
///
/// The classic blocked scheme: op(A) and op(B) are copied, a block at a time, into panels laid
/// out in the order the inner kernel reads them (transposes and edges are handled there, once),
/// and the inner kernel keeps a tile of C in registers while it walks one panel of each. One
/// kernel per element type, written with vector extensions (one source for SSE, AVX and
/// AVX-512): it replaced Eigen's products, whose four transpose variants took 3 s to compile in
/// every program that trained a network. Against Eigen's kernel: 1.1-1.2x on the networks'
/// large products, 0.6-0.7x on ten-column outputs, whose tiles are mostly empty lanes
/// (benchmarks/RESULTS.md, section 2c; benchmarks/runtime/gemm_bench.cpp).
#pragma once
#ifndef STATICFLOW_DEVICE_HOST_GEMM_HPP
#define STATICFLOW_DEVICE_HOST_GEMM_HPP

#include <algorithm>
#include <cstddef>
#include <type_traits>
#include <vector>

#include "staticflow/config.hpp"
#include "staticflow/device/host/isa.hpp"
#include "staticflow/device/host/vector.hpp"

namespace staticflow::ops {

/// Indices [first, last) of one dimension.
struct index_range {
  std::size_t first, last;
};

namespace detail {

/// Register tile and block sizes. The tile is `rows` x two vectors of C: 24 accumulators where
/// AVX-512 has 32 vector registers, 12 where there are 16. A block of op(A) (`block_rows` x
/// `depth`, 192 KB of float) and one of op(B) (`depth` x `block_columns`, 512 KB) fit a 1 MB
/// L2 together; the tile's panel of A (12 KB) stays in L1 while the panels of B stream past.
template <class T, std::size_t Bytes>
struct gemm_tiling {
  static constexpr std::size_t columns = 2 * lanes<T, Bytes>;
  static constexpr std::size_t rows = Bytes == 64 ? 12 : 6;
  static constexpr std::size_t depth = 256;
  static constexpr std::size_t block_rows = 16 * rows;
  static constexpr std::size_t block_columns = (std::size_t{512} << 10) / (depth * sizeof(T)) / columns * columns;
};

/// Rows [i0, i0 + count) of op(A), inner indices [p0, p0 + depth), into panels of `R` rows:
/// panel q is [depth][R], its rows past `count` zero.
template <std::size_t R, class T>
void pack_rows(const T* a, std::size_t lda, bool transposed, std::size_t i0, std::size_t count, std::size_t p0,
               std::size_t depth, T* out) {
  for (std::size_t q = 0; q < count; q += R, out += R * depth) {
    const std::size_t h = std::min(R, count - q);
    if (transposed) {  // op(A)(i, p) = a[p * lda + i]: a panel's rows are adjacent
      for (std::size_t p = 0; p < depth; ++p) {
        const T* src = a + (p0 + p) * lda + i0 + q;
        for (std::size_t i = 0; i < R; ++i) out[p * R + i] = i < h ? src[i] : T(0);
      }
    } else {  // op(A)(i, p) = a[i * lda + p]: each row is a run, read side by side
      const T* src = a + (i0 + q) * lda + p0;
      if (h == R) {
        for (std::size_t p = 0; p < depth; ++p) {
          SF_UNROLL(16)
          for (std::size_t i = 0; i < R; ++i) out[p * R + i] = src[i * lda + p];
        }
      } else {
        for (std::size_t p = 0; p < depth; ++p)
          for (std::size_t i = 0; i < R; ++i) out[p * R + i] = i < h ? src[i * lda + p] : T(0);
      }
    }
  }
}

/// Columns [j0, j0 + count) of op(B), inner indices [p0, p0 + depth), into panels of `C`
/// columns: panel q is [depth][C], its columns past `count` zero.
template <std::size_t C, class T>
void pack_columns(const T* b, std::size_t ldb, bool transposed, std::size_t j0, std::size_t count, std::size_t p0,
                  std::size_t depth, T* out) {
  for (std::size_t q = 0; q < count; q += C, out += C * depth) {
    const std::size_t w = std::min(C, count - q);
    if (transposed) {  // op(B)(p, j) = b[j * ldb + p]: each column is a run
      for (std::size_t j = 0; j < C; ++j) {
        const T* src = b + (j0 + q + j) * ldb + p0;
        for (std::size_t p = 0; p < depth; ++p) out[p * C + j] = j < w ? src[p] : T(0);
      }
    } else {  // op(B)(p, j) = b[p * ldb + j]: a panel's columns are adjacent
      for (std::size_t p = 0; p < depth; ++p) {
        const T* src = b + (p0 + p) * ldb + j0 + q;
        for (std::size_t j = 0; j < C; ++j) out[p * C + j] = j < w ? src[j] : T(0);
      }
    }
  }
}

/// C's tile (`rows` x `cols` of it at c, row stride ldc) += alpha * the product of `Rows` rows
/// of a panel of A ([depth][Stride]) and `Vectors` vectors of columns of a panel of B
/// ([depth][2 vectors]). The sums stay in registers (the loops over them unrolled); a tile cut
/// by C's edge goes through a buffer.
template <std::size_t Bytes, std::size_t Stride, std::size_t Rows, std::size_t Vectors, class T>
void gemm_tile(std::size_t depth, const T* a, const T* b, T alpha, T* c, std::size_t ldc, std::size_t rows,
               std::size_t cols) {
  using V = vec<T, Bytes>;
  constexpr std::size_t L = lanes<T, Bytes>;
  V acc[Rows][Vectors] = {};
  for (std::size_t p = 0; p < depth; ++p, a += Stride, b += 2 * L) {
    V bv[Vectors];
    for (std::size_t v = 0; v < Vectors; ++v) bv[v] = load<Bytes>(b + v * L);
    SF_UNROLL(16)
    for (std::size_t i = 0; i < Rows; ++i) {
      const T s = a[i];
      for (std::size_t v = 0; v < Vectors; ++v) acc[i][v] += s * bv[v];
    }
  }
  if (rows == Rows && cols == Vectors * L) {
    SF_UNROLL(16)
    for (std::size_t i = 0; i < Rows; ++i)
      for (std::size_t v = 0; v < Vectors; ++v)
        store(c + i * ldc + v * L, load<Bytes>(c + i * ldc + v * L) + alpha * acc[i][v]);
    return;
  }
  T tile[Rows][Vectors * L];
  SF_UNROLL(16)
  for (std::size_t i = 0; i < Rows; ++i)
    for (std::size_t v = 0; v < Vectors; ++v) store(tile[i] + v * L, alpha * acc[i][v]);
  for (std::size_t i = 0; i < rows; ++i)
    for (std::size_t j = 0; j < cols; ++j) c[i * ldc + j] += tile[i][j];
}

/// One panel of A (`rows` of it) by one of B (`cols` of it) into C. A panel of one vector's
/// width or less (an output layer of 10 classes) takes the one-vector tile; rows short of a
/// full panel go in groups of a third of it (a batch of 64 is 5 x 12 + 4), so a short edge
/// costs little more than its share.
template <std::size_t Bytes, class T>
void gemm_panels(std::size_t depth, const T* a, const T* b, T alpha, T* c, std::size_t ldc, std::size_t rows,
                 std::size_t cols) {
  constexpr std::size_t R = gemm_tiling<T, Bytes>::rows, S = R / 3;
  const auto run = [&]<std::size_t Vectors>(std::integral_constant<std::size_t, Vectors>) {
    if (rows == R) return gemm_tile<Bytes, R, R, Vectors>(depth, a, b, alpha, c, ldc, rows, cols);
    for (std::size_t o = 0; o < rows; o += S)
      gemm_tile<Bytes, R, S, Vectors>(depth, a + o, b, alpha, c + o * ldc, ldc, std::min(S, rows - o), cols);
  };
  if (cols <= lanes<T, Bytes>) run(std::integral_constant<std::size_t, 1>{});
  else run(std::integral_constant<std::size_t, 2>{});
}

/// gemm_block with `Bytes`-wide vectors.
template <std::size_t Bytes, class T>
void gemm_block(bool ta, bool tb, std::size_t m, std::size_t n, std::size_t k, T alpha, const T* a, const T* b,
                T beta, T* c, index_range r, index_range col, index_range inner) {
  using tiling = gemm_tiling<T, Bytes>;
  constexpr std::size_t R = tiling::rows, C = tiling::columns;
  for (std::size_t i = r.first; i < r.last; ++i) {
    T* row = c + i * n;
    if (beta == T(0)) std::fill(row + col.first, row + col.last, T(0));
    else if (beta != T(1))
      for (std::size_t j = col.first; j < col.last; ++j) row[j] *= beta;
  }
  if (r.first >= r.last || col.first >= col.last) return;
  const std::size_t lda = ta ? m : k, ldb = tb ? k : n;
  thread_local std::vector<T> packed_a, packed_b;
  const auto round_up = [](std::size_t x, std::size_t to) { return (x + to - 1) / to * to; };
  packed_a.resize(std::max(packed_a.size(), round_up(tiling::block_rows, R) * tiling::depth));
  packed_b.resize(std::max(packed_b.size(), round_up(tiling::block_columns, C) * tiling::depth));
  for (std::size_t p0 = inner.first; p0 < inner.last; p0 += tiling::depth) {
    const std::size_t depth = std::min(tiling::depth, inner.last - p0);
    for (std::size_t j0 = col.first; j0 < col.last; j0 += tiling::block_columns) {
      const std::size_t width = std::min(tiling::block_columns, col.last - j0);
      pack_columns<C>(b, ldb, tb, j0, width, p0, depth, packed_b.data());
      for (std::size_t i0 = r.first; i0 < r.last; i0 += tiling::block_rows) {
        const std::size_t height = std::min(tiling::block_rows, r.last - i0);
        pack_rows<R>(a, lda, ta, i0, height, p0, depth, packed_a.data());
        for (std::size_t i = 0; i < height; i += R)
          for (std::size_t j = 0; j < width; j += C)
            gemm_panels<Bytes>(depth, packed_a.data() + i * depth, packed_b.data() + j * depth, alpha,
                               c + (i0 + i) * n + j0 + j, n, std::min(R, height - i), std::min(C, width - j));
      }
    }
  }
}

}  // namespace detail

/// Rows `r` and columns `col` of C = alpha op(A) op(B) + beta C over the slice `inner` of the
/// inner dimension (the caller sums slices): op(A) is m x k, op(B) k x n, C m x n, all
/// row-major as stored (A stored k x m when `ta`, B n x k when `tb`). With beta == 0, C is
/// not read. The packing buffers are the calling thread's and only grow (one pair per vector
/// width, as the panels' layout depends on it). Runs with the processor's widest vectors.
template <class T>
void gemm_block(bool ta, bool tb, std::size_t m, std::size_t n, std::size_t k, T alpha, const T* a, const T* b,
                T beta, T* c, index_range r, index_range col, index_range inner) {
  with_simd([&]<class S>(S) { detail::gemm_block<S::bytes>(ta, tb, m, n, k, alpha, a, b, beta, c, r, col, inner); });
}

}  // namespace staticflow::ops
#endif  // STATICFLOW_DEVICE_HOST_GEMM_HPP
