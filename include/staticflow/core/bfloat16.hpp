// SPDX-License-Identifier: MIT
/// \file
/// \brief `bfloat16`: the upper half of an IEEE float32 (8 exponent bits, 7 mantissa bits).
///
/// A storage type for weights: half the bytes of float32 with float32's range, so a layer that
/// streams its weights from cache (batch-1 inference) reads half as much. Arithmetic happens in
/// float32: `sf::cast<float>` widens, `sf::matmul(float_expr, bfloat16_tensor)` widens on the fly.
#pragma once
#ifndef STATICFLOW_CORE_BFLOAT16_HPP
#define STATICFLOW_CORE_BFLOAT16_HPP

#include <bit>
#include <cstdint>

namespace staticflow {

struct bfloat16 {
  std::uint16_t bits = 0;

  bfloat16() = default;
  /// Rounds to the nearest bfloat16, ties to even (as TF's and PyTorch's conversions do);
  /// NaNs stay NaN (quiet), infinities and values beyond bfloat16's range become infinities.
  constexpr explicit bfloat16(float f) : bits(round(std::bit_cast<std::uint32_t>(f))) {}
  /// Exact: every bfloat16 is a float32.
  constexpr explicit operator float() const { return std::bit_cast<float>(std::uint32_t{bits} << 16); }

  static constexpr bfloat16 from_bits(std::uint16_t b) {
    bfloat16 v;
    v.bits = b;
    return v;
  }

 private:
  static constexpr std::uint16_t round(std::uint32_t u) {
    const bool nan = (u & 0x7fffffffu) > 0x7f800000u;
    if (nan) return static_cast<std::uint16_t>((u >> 16) | 0x0040u);
    // Adding 0x7fff rounds up when the dropped half is above a tie; the kept bit decides ties.
    return static_cast<std::uint16_t>((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
  }
};

static_assert(sizeof(bfloat16) == 2, "sf::bfloat16 must be two bytes");

}  // namespace staticflow
#endif  // STATICFLOW_CORE_BFLOAT16_HPP
