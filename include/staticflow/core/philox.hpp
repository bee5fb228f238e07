// SPDX-License-Identifier: MIT
/// \file
/// \brief Philox-4x32-10, a counter-based random bit generator, and bits-to-[0,1) conversions.
///
/// A counter-based generator maps (counter, key) to random bits with a pure function, so element i of a
/// random tensor can be computed on any device, by any thread, in any order, and always gives the same
/// value. Reference: J. K. Salmon, M. A. Moraes, R. O. Dror, D. E. Shaw, "Parallel random numbers: as easy
/// as 1, 2, 3", SC'11 (the Random123 library). The output matches Random123's `philox4x32_10` bit for bit.
#pragma once
#ifndef STATICFLOW_CORE_PHILOX_HPP
#define STATICFLOW_CORE_PHILOX_HPP

#include <cstdint>

#include "staticflow/config.hpp"

namespace staticflow {

/// Four 32-bit words: a Philox counter or a Philox output block. A plain aggregate (not std::array)
/// so that it is usable in device code without `--expt-relaxed-constexpr`.
struct u32x4 {
  std::uint32_t v[4];
};

/// Two 32-bit words: a Philox-4x32 key.
struct u32x2 {
  std::uint32_t v[2];
};

namespace detail {

// Round multipliers and Weyl key increments of Philox-4x32 (Salmon et al., table 2). The increments are
// the fractional parts of the golden ratio and of sqrt(3) - 1, scaled by 2^32.
inline constexpr std::uint32_t philox_m0 = 0xD2511F53u;
inline constexpr std::uint32_t philox_m1 = 0xCD9E8D57u;
inline constexpr std::uint32_t philox_w0 = 0x9E3779B9u;
inline constexpr std::uint32_t philox_w1 = 0xBB67AE85u;

/// High 32 bits of the 64-bit product a * b.
SF_HD_INLINE std::uint32_t mulhi32(std::uint32_t a, std::uint32_t b) {
#if defined(__CUDA_ARCH__)
  return __umulhi(a, b);  // one instruction instead of a 64-bit multiply
#else
  return static_cast<std::uint32_t>((static_cast<std::uint64_t>(a) * b) >> 32);
#endif
}

/// One Philox-4x32 round: two 32x32->64 multiplies whose halves are mixed with the other words and the key.
SF_HD_INLINE u32x4 philox_round(u32x4 c, u32x2 k) {
  const std::uint32_t hi0 = mulhi32(philox_m0, c.v[0]);
  const std::uint32_t lo0 = philox_m0 * c.v[0];
  const std::uint32_t hi1 = mulhi32(philox_m1, c.v[2]);
  const std::uint32_t lo1 = philox_m1 * c.v[2];
  return u32x4{{hi1 ^ c.v[1] ^ k.v[0], lo1, hi0 ^ c.v[3] ^ k.v[1], lo0}};
}

}  // namespace detail

/// Philox-4x32 with 10 rounds: 128 random bits that are a pure function of a 128-bit counter and a
/// 64-bit key. Different keys give independent streams; within a key, every counter value gives a fresh
/// block. **Devices**: host and CUDA (`SF_HD`); no state, no allocation, no recursion.
SF_HD_INLINE u32x4 philox4x32_10(u32x4 counter, u32x2 key) {
  for (int round = 0; round < 10; ++round) {
    counter = detail::philox_round(counter, key);
    // The key is bumped between rounds, not after the last one (9 bumps for 10 rounds).
    key.v[0] += detail::philox_w0;
    key.v[1] += detail::philox_w1;
  }
  return counter;
}

/// Uniform float in [0, 1) from the top 24 bits of `x`: k * 2^-24 with k in [0, 2^24). Every value is
/// exactly representable (24 = float's significand width), so rounding can never produce 1.
SF_HD_INLINE float uniform01_float(std::uint32_t x) {
  return static_cast<float>(x >> 8) * 5.9604644775390625e-8f;  // 2^-24
}

/// Uniform float in (0, 1]: (k + 1) * 2^-24. Use it where 0 is not allowed (log, division, powers).
SF_HD_INLINE float uniform01_float_nonzero(std::uint32_t x) {
  return static_cast<float>((x >> 8) + 1u) * 5.9604644775390625e-8f;
}

/// Uniform double in [0, 1) from 53 bits: 27 from the top of `a` and 26 from the top of `b`, i.e.
/// k * 2^-53 with k in [0, 2^53); exact in double, so never 1.
SF_HD_INLINE double uniform01_double(std::uint32_t a, std::uint32_t b) {
  const std::uint64_t k = (static_cast<std::uint64_t>(a >> 5) << 26) | (b >> 6);
  return static_cast<double>(k) * 1.1102230246251565e-16;  // 2^-53
}

/// Uniform double in (0, 1]: (k + 1) * 2^-53 with k built as in `uniform01_double`.
SF_HD_INLINE double uniform01_double_nonzero(std::uint32_t a, std::uint32_t b) {
  const std::uint64_t k = (static_cast<std::uint64_t>(a >> 5) << 26) | (b >> 6);
  return static_cast<double>(k + 1u) * 1.1102230246251565e-16;
}

}  // namespace staticflow
#endif  // STATICFLOW_CORE_PHILOX_HPP
