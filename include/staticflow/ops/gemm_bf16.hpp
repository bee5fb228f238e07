// SPDX-License-Identifier: MIT
/// \file
/// \brief The host's product of a few float32 rows by bfloat16 weights (batch-1 inference).
///
/// A batch-1 dense layer reads every weight once per call, so its speed is the speed of reading
/// the weights from cache: bfloat16 halves the bytes. Each weight row's slice is widened to
/// float32 in registers and used by every row of A; sums and the result are float32.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "staticflow/config.hpp"
#include "staticflow/core/bfloat16.hpp"
#include "staticflow/ops/vector.hpp"

namespace staticflow::ops {

/// The most rows of A the kernel takes: more rows re-read B less often per row, but beyond a
/// few the float32 GEMM on widened weights is faster (B's widening amortised, wider blocking).
inline constexpr std::size_t gemm_bf16_max_rows = 4;

namespace detail {

/// One vector of 32-bit words holds 2 * lanes<float> bfloat16 weights: column j + 2i in the
/// low half of word i, column j + 2i + 1 in the high half. Shifting the low half up, or
/// clearing it, gives the even and the odd columns as float32 vectors: one load and two
/// integer operations per two vectors of weights.
typedef std::uint32_t word_lanes __attribute__((vector_size(vector_bytes)));
inline constexpr std::size_t pair_columns = 2 * lanes<float>;

/// The first `m` <= pair_columns bfloat16 values at `p` as words, zeros after.
template <bool Whole>
[[gnu::always_inline]] inline word_lanes load_words(const bfloat16* p, std::size_t m) {
  word_lanes w = {};
  std::memcpy(&w, p, Whole ? sizeof w : sizeof(bfloat16) * m);
  return w;
}

/// Columns [j, j + width) of C's `Rows` rows, width <= Blocks * pair_columns: one pass down
/// B's k rows with 2 * Blocks * Rows accumulators in registers. Lanes past `width` collect
/// whatever the whole-vector loads bring (the next row's first weights) and are never stored;
/// the last row's loads stop at `width` (nothing read past B).
template <std::size_t Rows, std::size_t Blocks>
struct gemm_bf16_columns {
  std::size_t n, k;
  float alpha;
  const float* a;
  std::size_t a_row, a_col;  ///< A(r, p) = a[r * a_row + p * a_col]
  const bfloat16* b;
  float beta;
  float* c;

  void operator()(std::size_t j, std::size_t width) const {
    using V = vec<float>;
    constexpr std::size_t P = pair_columns;
    V even[Rows][Blocks] = {}, odd[Rows][Blocks] = {};
    // Rows whose whole-vector loads stay inside B: all but the last, at most.
    const std::size_t total = k * n, span = j + Blocks * P;
    const std::size_t whole = total >= span ? std::min(k, (total - span) / n + 1) : 0;
    auto row = [&]<bool Whole>(std::size_t p, std::bool_constant<Whole>) {
      V lo[Blocks], hi[Blocks];
      SF_UNROLL(8)
      for (std::size_t q = 0; q < Blocks; ++q) {
        const std::size_t m = Whole ? P : width > q * P ? std::min(P, width - q * P) : 0;
        const word_lanes w = load_words<Whole>(b + p * n + j + q * P, m);
        lo[q] = reinterpret_cast<V>(w << 16);
        hi[q] = reinterpret_cast<V>(w & 0xffff0000u);
      }
      SF_UNROLL(8)
      for (std::size_t r = 0; r < Rows; ++r) {
        const float s = a[r * a_row + p * a_col];
        SF_UNROLL(8)
        for (std::size_t q = 0; q < Blocks; ++q) {
          even[r][q] += s * lo[q];
          odd[r][q] += s * hi[q];
        }
      }
    };
    std::size_t p = 0;
    for (; p < whole; ++p) row(p, std::true_type{});
    for (; p < k; ++p) row(p, std::false_type{});
    // Out of registers by constant indices (the accumulators stay in registers in the loop),
    // then the even and odd columns back into order.
    float sums[2][Blocks * P / 2];
    for (std::size_t r = 0; r < Rows; ++r) {
      SF_UNROLL(8)
      for (std::size_t q = 0; q < Blocks; ++q) {
        store(sums[0] + q * P / 2, even[r][q]);
        store(sums[1] + q * P / 2, odd[r][q]);
      }
      float* out = c + r * n + j;
      for (std::size_t col = 0; col < width; ++col) {
        const float v = alpha * sums[col % 2][col / 2];
        out[col] = beta == 0.0f ? v : v + beta * out[col];
      }
    }
  }
};

/// Columns [first, last) in passes of up to `Blocks` pair vectors (fewer for the last).
template <std::size_t Rows, std::size_t Blocks = std::max<std::size_t>(1, 8 / Rows)>
void gemm_bf16_rows(const gemm_bf16_columns<Rows, 1>& one, std::size_t first, std::size_t last) {
  constexpr std::size_t P = pair_columns;
  std::size_t j = first;
  for (; j + Blocks * P <= last; j += Blocks * P)
    gemm_bf16_columns<Rows, Blocks>{one.n, one.k, one.alpha, one.a, one.a_row, one.a_col, one.b, one.beta, one.c}(
        j, Blocks * P);
  if (j == last) return;
  if constexpr (Blocks > 1) {
    // The rest, narrower than a full pass: the next smaller pass that covers it.
    if (last - j > (Blocks - 1) * P)
      return gemm_bf16_columns<Rows, Blocks>{one.n, one.k, one.alpha, one.a, one.a_row, one.a_col, one.b, one.beta,
                                             one.c}(j, last - j);
    return gemm_bf16_rows<Rows, Blocks - 1>(one, j, last);
  } else {
    one(j, last - j);
  }
}

}  // namespace detail

/// C[:, first:last) = alpha * op(A) B + beta * C[:, first:last) for the m <= gemm_bf16_max_rows
/// rows of op(A) (float32, [m, k], transposed in memory when `trans_a`), B bfloat16 [k, n]
/// row-major, C float32 [m, n]. With beta == 0, C is not read.
inline void gemm_bf16_rows(std::size_t m, std::size_t n, std::size_t k, float alpha, const float* a, bool trans_a,
                           const bfloat16* b, float beta, float* c, std::size_t first, std::size_t last) {
  const std::size_t a_row = trans_a ? 1 : k, a_col = trans_a ? m : 1;
  auto run = [&]<std::size_t Rows>(std::integral_constant<std::size_t, Rows>) {
    detail::gemm_bf16_rows<Rows>({n, k, alpha, a, a_row, a_col, b, beta, c}, first, last);
  };
  switch (m) {
    case 1: return run(std::integral_constant<std::size_t, 1>{});
    case 2: return run(std::integral_constant<std::size_t, 2>{});
    case 3: return run(std::integral_constant<std::size_t, 3>{});
    case 4: return run(std::integral_constant<std::size_t, 4>{});
    default: return;  // m == 0; larger m is the caller's (see gemm_bf16_max_rows)
  }
}

/// out[i] = float(in[i]) for i < count.
inline void widen(const bfloat16* in, std::size_t count, float* out) {
  for (std::size_t i = 0; i < count; ++i) out[i] = static_cast<float>(in[i]);
}

}  // namespace staticflow::ops
