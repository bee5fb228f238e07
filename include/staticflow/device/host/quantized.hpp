// SPDX-License-Identifier: MIT
/// \file
/// \brief Weights quantized to 8 bits for inference on the host, and the one-row product
/// y = x W that reads them with integer dot-product instructions.
///
/// A batch-1 dense layer is bound by reading its weights: one byte per weight instead of four
/// (float32) or two (bfloat16). W is stored as int8 with one scale per column (w ~ scale[j] q,
/// symmetric); the row x is quantized per call to uint8 around 128 (x ~ x_scale (xq - 128)), so
/// that sum_p x[p] w[p][j] ~ x_scale scale[j] (sum_p xq[p] q[p][j] - 128 sum_p q[p][j]). With
/// AVX512-VNNI (checked at run time) one instruction adds 4 rows x 16 columns of such products
/// into 32-bit sums; the weights are laid out for it: four consecutive rows of a column side
/// by side. Elsewhere a plain loop computes the same integers.
///
/// Included only by programs that use it (through `staticflow/expr/quantized.hpp`).
#pragma once
#ifndef STATICFLOW_DEVICE_HOST_QUANTIZED_HPP
#define STATICFLOW_DEVICE_HOST_QUANTIZED_HPP

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__CUDACC__)
#include <immintrin.h>
#define SF_HAVE_VNNI_KERNEL 1
#endif

#include "staticflow/core/error.hpp"
#include "staticflow/device/host/vector.hpp"

namespace staticflow {

/// A float32 [k, n] matrix quantized to int8 per column, laid out for the dot-product kernel
/// (rows padded to a multiple of 4, columns to a multiple of 16, with zeros).
class quantized_matrix {
 public:
  static constexpr std::size_t row_group = 4, column_group = 16;

  quantized_matrix() = default;
  /// Quantizes row-major `w` ([k, n]): scale[j] = max_p |w[p][j]| / 127, q = round(w / scale).
  quantized_matrix(const float* w, std::size_t k, std::size_t n)
      : k_(k), n_(n), groups_((k + row_group - 1) / row_group),
        width_((n + column_group - 1) / column_group * column_group),
        q_(groups_ * width_ * row_group, 0), scale_(n), column_sum_(n) {
    for (std::size_t j = 0; j < n; ++j) {
      float top = 0;
      for (std::size_t p = 0; p < k; ++p) top = std::max(top, std::fabs(w[p * n + j]));
      if (!std::isfinite(top))
        detail::fail<invalid_argument>({"sf::quantize: column ", j, " of the weights is not finite"});
      scale_[j] = top > 0 ? top / 127.0f : 1.0f;
      std::int32_t sum = 0;
      for (std::size_t p = 0; p < k; ++p) {
        const auto q = static_cast<std::int8_t>(std::lround(w[p * n + j] / scale_[j]));
        q_[at(p, j)] = q;
        sum += q;
      }
      column_sum_[j] = sum;
    }
  }

  std::size_t rows() const { return k_; }
  std::size_t cols() const { return n_; }
  /// The weight as the kernel sees it: scale[j] * q[p][j].
  float dequantized(std::size_t p, std::size_t j) const { return scale_[j] * float(q_[at(p, j)]); }

  /// Rows as the kernel reads them: k rounded up to a multiple of 4.
  std::size_t padded_rows() const { return groups_ * row_group; }

  /// Quantizes one row x of k floats into xq (padded_rows() bytes): xq[p] = round(x[p] /
  /// x_scale) + 128 with x_scale = max |x| / 127, the padding 128 (zero). Returns x_scale, or
  /// NaN when the row holds a NaN or an infinity (the products are then NaN, as in float32).
  float quantize_row(const float* x, std::uint8_t* xq) const {
    const float top = max_magnitude(x, k_);
    if (!std::isfinite(top)) {
      std::fill(xq, xq + padded_rows(), std::uint8_t{128});
      return std::numeric_limits<float>::quiet_NaN();
    }
    const float x_scale = top > 0 ? top / 127.0f : 1.0f, inverse = 1.0f / x_scale;
    // x / x_scale + 128.5 lies in [1.5, 255.5]: truncation rounds half up.
    for (std::size_t p = 0; p < k_; ++p) xq[p] = static_cast<std::uint8_t>(x[p] * inverse + 128.5f);
    std::fill(xq + k_, xq + padded_rows(), std::uint8_t{128});
    return x_scale;
  }

  /// y[first, last) = the product of the quantized row (xq, x_scale) and W[:, first:last);
  /// `first` is a multiple of 16.
  void row_product(const std::uint8_t* xq, float x_scale, float* y, std::size_t first, std::size_t last) const {
    std::int32_t sums[pass_columns];
    for (std::size_t j = first; j < last; j += pass_columns) {
      const std::size_t end = std::min(last, j + pass_columns);
      integer_sums(xq, sums, j, end);
      for (std::size_t c = j; c < end; ++c) y[c] = x_scale * scale_[c] * float(sums[c - j] - 128 * column_sum_[c]);
    }
  }

  /// Columns per pass of the kernel (its sums in 16 vector registers).
  static constexpr std::size_t pass_columns = 16 * column_group;
  /// Whether the VNNI kernel may run where the processor has it (tests turn it off to check
  /// the plain loop against it: both compute the same integers).
  static inline bool allow_vnni = true;

 private:
  /// max |x[p]| over n floats, a vector at a time (a scalar loop waits on each comparison);
  /// NaN when some x[p] is NaN (the comparisons skip it, the sum of the magnitudes does not).
  static float max_magnitude(const float* x, std::size_t n) {
    using V = ops::detail::vec<float>;
    using M = ops::detail::mask<float>;
    constexpr std::size_t L = ops::lanes<float>;
    V top = {}, total = {};
    std::size_t p = 0;
    for (; p + L <= n; p += L) {
      const V a = reinterpret_cast<V>(reinterpret_cast<M>(ops::detail::load<ops::vector_bytes>(x + p)) & 0x7fffffff);
      top = a > top ? a : top;
      total += a;
    }
    float most = 0, sum = 0;
    for (std::size_t l = 0; l < L; ++l) most = std::max(most, top[l]), sum += total[l];
    for (; p < n; ++p) most = std::max(most, std::fabs(x[p])), sum += std::fabs(x[p]);
    return std::isnan(sum) ? sum : most;
  }

  std::size_t at(std::size_t p, std::size_t j) const {
    return (p / row_group * width_ + j) * row_group + p % row_group;
  }

  /// sums[j - first] = sum_p xq[p] q[p][j] over the padded rows, for j in [first, last), at
  /// most one pass wide.
  void integer_sums(const std::uint8_t* xq, std::int32_t* sums, std::size_t first, std::size_t last) const {
#if defined(SF_HAVE_VNNI_KERNEL)
    if (has_vnni()) {
      const std::size_t vectors = (last - first + column_group - 1) / column_group;
      if (vectors == 16) return vnni_pass<16>(xq, sums, first, last);
      for (std::size_t v = 0; v < vectors; ++v)
        vnni_pass<1>(xq, sums + v * column_group, first + v * column_group, std::min(last, first + (v + 1) * column_group));
      return;
    }
#endif
    std::fill(sums, sums + (last - first), 0);
    for (std::size_t g = 0; g < groups_; ++g)
      for (std::size_t j = first; j < last; ++j)
        for (std::size_t t = 0; t < row_group; ++t)
          sums[j - first] += std::int32_t(xq[g * row_group + t]) * std::int32_t(q_[(g * width_ + j) * row_group + t]);
  }

#if defined(SF_HAVE_VNNI_KERNEL)
  static bool has_vnni() {
    static const bool yes = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vnni");
    return yes && allow_vnni;
  }
  /// `V` vectors of 16 columns from `first` down the row groups: per group, one broadcast of
  /// four activations and one dot-product instruction per vector; the sums stay in registers.
  template <std::size_t V>
  [[gnu::target("avx512f,avx512vnni")]] void vnni_pass(const std::uint8_t* xq, std::int32_t* sums, std::size_t first,
                                                      std::size_t last) const {
    __m512i acc[V];
    for (auto& a : acc) a = _mm512_setzero_si512();
    const std::size_t stride = width_ * row_group;
    const std::int8_t* base = q_.data() + first * row_group;
    for (std::size_t g = 0; g < groups_; ++g) {
      std::int32_t four;
      std::memcpy(&four, xq + g * row_group, sizeof four);
      const __m512i x4 = _mm512_set1_epi32(four);
      const std::int8_t* row = base + g * stride;
      // Four groups ahead into L1; the last groups prefetch the last one, not past it.
      const std::int8_t* ahead = base + std::min(g + 4, groups_ - 1) * stride;
#pragma GCC unroll 16
      for (std::size_t v = 0; v < V; ++v) {
        __builtin_prefetch(ahead + v * column_group * row_group);
        acc[v] = _mm512_dpbusd_epi32(acc[v], x4, _mm512_loadu_si512(row + v * column_group * row_group));
      }
    }
    alignas(64) std::int32_t out[V * column_group];
#pragma GCC unroll 16
    for (std::size_t v = 0; v < V; ++v) _mm512_store_si512(out + v * column_group, acc[v]);
    std::copy(out, out + (last - first), sums);
  }
#endif

  std::size_t k_ = 0, n_ = 0, groups_ = 0, width_ = 0;
  std::vector<std::int8_t> q_;
  std::vector<float> scale_;
  std::vector<std::int32_t> column_sum_;
};

}  // namespace staticflow
#endif  // STATICFLOW_DEVICE_HOST_QUANTIZED_HPP
