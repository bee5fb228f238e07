// SPDX-License-Identifier: MIT
/// \file
/// \brief The host's vector-matrix product y = x B with row-major weights B, float32 or
/// bfloat16: a dense layer at batch 1.
///
/// A batch-1 dense layer reads every weight once per call, so its speed is the speed of reading
/// the weights from cache. The kernel goes down the weight rows once per block of columns, each
/// weight vector loaded once, the sums in registers. bfloat16 weights halve the bytes; they are
/// widened to float32 in registers, and sums and results are float32. (Eigen's GEMV takes the
/// MNIST model's 500 x 10 output layer in 0.8 us, this kernel 0.35 us.)
#pragma once
#ifndef STATICFLOW_DEVICE_HOST_VECTOR_MATRIX_HPP
#define STATICFLOW_DEVICE_HOST_VECTOR_MATRIX_HPP

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <utility>

#include "staticflow/config.hpp"
#include "staticflow/core/bfloat16.hpp"
#include "staticflow/device/host/isa.hpp"
#include "staticflow/device/host/vector.hpp"

namespace staticflow::ops {

namespace detail {

/// How one vector load (`Bytes` wide) of weights becomes float32 vectors (`parts` of them).
template <class W, std::size_t Bytes>
struct weight_lanes;

/// float32: a load is one vector of `lanes` columns.
template <std::size_t Bytes>
struct weight_lanes<float, Bytes> {
  static constexpr std::size_t parts = 1, columns = lanes<float, Bytes>;
  template <bool Whole>
  [[gnu::always_inline]] static void load(const float* p, std::size_t m, vec<float, Bytes> (&out)[1]) {
    if constexpr (Whole) {
      out[0] = detail::load<Bytes>(p);
    } else {
      out[0] = vec<float, Bytes>{};
      std::memcpy(&out[0], p, sizeof(float) * m);
    }
  }
};

/// bfloat16: a load of 32-bit words holds 2 * lanes columns, column j + 2i in the low half of
/// word i and j + 2i + 1 in the high half. Shifting the low half up, or clearing it, gives the
/// even and the odd columns as float32 vectors (parts 0 and 1): one load and two integer
/// operations per two vectors of weights.
template <std::size_t Bytes>
struct weight_lanes<bfloat16, Bytes> {
  static constexpr std::size_t parts = 2, columns = 2 * lanes<float, Bytes>;
  typedef std::uint32_t words __attribute__((vector_size(Bytes)));
  struct unaligned_words {  // words at any address of a bfloat16 (see unaligned_of)
    typedef std::uint32_t type __attribute__((vector_size(Bytes), aligned(alignof(bfloat16)), may_alias));
  };
  template <bool Whole>
  [[gnu::always_inline]] static void load(const bfloat16* p, std::size_t m, vec<float, Bytes> (&out)[2]) {
    words w = {};
    if constexpr (Whole) w = *reinterpret_cast<const typename unaligned_words::type*>(p);
    else std::memcpy(&w, p, sizeof(bfloat16) * m);
    out[0] = __builtin_bit_cast(vec<float, Bytes>, w << 16);
    out[1] = __builtin_bit_cast(vec<float, Bytes>, w & 0xffff0000u);
  }
};

/// Columns [j, j + width) of y, width <= Blocks * columns: one pass down B's k rows. Sums in
/// Blocks * parts * Chains registers, where `Chains` accumulators take turns over the rows so
/// that a narrow pass still has eight independent additions in flight. Blocks wholly past
/// `width` are skipped; lanes past it collect whatever whole-vector loads bring (the next
/// row's first weights) and are never stored; the last row's loads stop at `width`.
template <class W, std::size_t Bytes, std::size_t Blocks>
struct vector_matrix_pass {
  using lanes_of = weight_lanes<W, Bytes>;
  static constexpr std::size_t P = lanes_of::columns, parts = lanes_of::parts;
  static constexpr std::size_t Chains = std::max<std::size_t>(1, 8 / (Blocks * parts));
  static constexpr std::size_t ahead = 4;  ///< rows prefetched ahead (measured: 3-6 best)

  std::size_t n, k;
  float alpha;
  const float* x;
  const W* b;
  float beta;
  float* y;

  void operator()(std::size_t j, std::size_t width) const {
    using V = vec<float, Bytes>;
    V acc[Chains][Blocks][parts] = {};
    auto row = [&]<std::size_t chain, bool Whole>(std::size_t p, std::integral_constant<std::size_t, chain>,
                                                  std::bool_constant<Whole>) {
      V w[Blocks][parts];
      const float s = x[p];
      // A row a few ahead into L1 (5-15 % faster here, where each row's slice is a short run
      // with a long stride to the next); the last rows prefetch B's last row, not past it.
      const W* next = b + std::min(p + ahead, k - 1) * n + j;
      SF_UNROLL(16)
      for (std::size_t q = 0; q < Blocks; ++q) {
        if (q * P >= width) break;
        __builtin_prefetch(next + q * P);
        lanes_of::template load<Whole>(b + p * n + j + q * P, std::min(P, width - q * P), w[q]);
        for (std::size_t h = 0; h < parts; ++h) acc[chain][q][h] += s * w[q][h];
      }
    };
    // Rows whose whole-vector loads stay inside B: all but the last, at most.
    const std::size_t total = k * n, span = j + Blocks * P;
    const std::size_t whole = total >= span ? std::min(k, (total - span) / n + 1) : 0;
    std::size_t p = 0;
    constexpr std::integral_constant<std::size_t, 0> first_chain;
    for (; p + Chains <= whole; p += Chains)
      [&]<std::size_t... C>(std::index_sequence<C...>) {
        (row(p + C, std::integral_constant<std::size_t, C>{}, std::true_type{}), ...);
      }(std::make_index_sequence<Chains>{});
    for (; p < whole; ++p) row(p, first_chain, std::true_type{});
    for (; p < k; ++p) row(p, first_chain, std::false_type{});
    // Out of registers by constant indices (so the sums stay in registers above), then the
    // parts' columns back into order.
    float sums[parts][Blocks * P / parts];
    SF_UNROLL(16)
    for (std::size_t q = 0; q < Blocks; ++q)
      for (std::size_t h = 0; h < parts; ++h) {
        V total_sum = acc[0][q][h];
        for (std::size_t chain = 1; chain < Chains; ++chain) total_sum += acc[chain][q][h];
        store(sums[h] + q * P / parts, total_sum);
      }
    for (std::size_t col = 0; col < width; ++col) {
      const float v = alpha * sums[col % parts][col / parts];
      y[j + col] = beta == 0.0f ? v : v + beta * y[j + col];
    }
  }
};

/// vector_matrix with `Bytes`-wide vectors: passes of 16 vector accumulators (256 columns with
/// AVX-512); a rest wider than one vector in one more such pass (its blocks past the edge
/// skipped), else in a pass of one vector with 8 chains (an output layer of 10 classes). Two
/// kernels per weight type: each is code in every program.
template <std::size_t Bytes, class W>
void vector_matrix(std::size_t n, std::size_t k, float alpha, const float* x, const W* b, float beta, float* y,
                   std::size_t first, std::size_t last) {
  using lanes_of = weight_lanes<W, Bytes>;
  constexpr std::size_t P = lanes_of::columns, wide = 16 / lanes_of::parts;
  const vector_matrix_pass<W, Bytes, wide> wide_pass{n, k, alpha, x, b, beta, y};
  const vector_matrix_pass<W, Bytes, 1> single_pass{n, k, alpha, x, b, beta, y};
  std::size_t j = first;
  for (; j + wide * P <= last; j += wide * P) wide_pass(j, wide * P);
  if (last - j > P) wide_pass(j, last - j);
  else if (j < last) single_pass(j, last - j);
}

}  // namespace detail

/// y[first:last) = alpha * x B[:, first:last) + beta * y[first:last): x float32 [k], B [k, n]
/// row-major (float32 or bfloat16), y float32 [n]. With beta == 0, y is not read. Runs with
/// the processor's widest vectors.
template <class W>
void vector_matrix(std::size_t n, std::size_t k, float alpha, const float* x, const W* b, float beta, float* y,
                   std::size_t first, std::size_t last) {
  with_simd([&]<class S>(S) { detail::vector_matrix<S::bytes>(n, k, alpha, x, b, beta, y, first, last); });
}

/// out[i] = float(in[i]) for i < count.
inline void widen(const bfloat16* in, std::size_t count, float* out) {
  for (std::size_t i = 0; i < count; ++i) out[i] = static_cast<float>(in[i]);
}

}  // namespace staticflow::ops
#endif  // STATICFLOW_DEVICE_HOST_VECTOR_MATRIX_HPP
