// SPDX-License-Identifier: MIT
/// \file
/// \brief Per-element random samplers (uniform, normal, truncated normal, gamma) built on Philox-4x32-10.
///
/// Each generator is a small aggregate whose `operator()(i)` returns element i of a random tensor as a pure
/// function of (seed, stream, i). The result therefore does not depend on the device, the evaluation order
/// or how the work is split across threads: a tensor filled on the host equals the same tensor filled by a
/// CUDA kernel, element for element (up to the last-ulp differences of the device's log/cos/exp).
///
/// **Counter layout** (the contract shared by all generators, and what makes host and device agree):
///   key     = { lo32(seed), hi32(seed) }
///   counter = { lo32(i), hi32(i), draw | (bits 32..55 of stream) << 8, lo32(stream) }
/// `draw` (0..255) numbers the Philox blocks one element consumes: rejection samplers use draw k for
/// attempt k. With stream < 2^32 this is simply counter = { lo32(i), hi32(i), draw, stream }. Two streams
/// give unrelated numbers when they differ in their low 56 bits (bits 56..63 are ignored).
///
/// **Devices**: host and CUDA; every `operator()` is `SF_HD`, with no state, allocation or recursion.
#pragma once
#ifndef STATICFLOW_CORE_RANDOM_HPP
#define STATICFLOW_CORE_RANDOM_HPP

#include <cmath>
#include <cstdint>
#include <string>
#include <type_traits>

#include "staticflow/config.hpp"
#include "staticflow/core/error.hpp"
#include "staticflow/core/philox.hpp"

namespace staticflow {

namespace detail {

// The global C math functions exist both on the host (<cmath>/<math.h>) and in CUDA device code, unlike
// the std:: overloads; these wrappers pick the float or double one by overload.
SF_HD_INLINE float rnd_log(float x) { return ::logf(x); }
SF_HD_INLINE double rnd_log(double x) { return ::log(x); }
SF_HD_INLINE float rnd_sqrt(float x) { return ::sqrtf(x); }
SF_HD_INLINE double rnd_sqrt(double x) { return ::sqrt(x); }
SF_HD_INLINE float rnd_cos(float x) { return ::cosf(x); }
SF_HD_INLINE double rnd_cos(double x) { return ::cos(x); }
SF_HD_INLINE float rnd_sin(float x) { return ::sinf(x); }
SF_HD_INLINE double rnd_sin(double x) { return ::sin(x); }
SF_HD_INLINE float rnd_exp(float x) { return ::expf(x); }
SF_HD_INLINE double rnd_exp(double x) { return ::exp(x); }
SF_HD_INLINE float rnd_nextafter(float x, float toward) { return ::nextafterf(x, toward); }
SF_HD_INLINE double rnd_nextafter(double x, double toward) { return ::nextafter(x, toward); }

template <class T>
inline constexpr bool is_random_real_v = std::is_same_v<T, float> || std::is_same_v<T, double>;

/// The Philox block number `draw` of element `i` (see the counter layout in the file comment).
SF_HD_INLINE u32x4 random_block(std::uint64_t seed, std::uint64_t stream, std::uint64_t i, std::uint32_t draw) {
  const auto stream_hi = static_cast<std::uint32_t>(stream >> 32);
  const u32x4 counter{{static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(i >> 32),
                       (draw & 0xFFu) | (stream_hi << 8), static_cast<std::uint32_t>(stream)}};
  const u32x2 key{{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)}};
  return philox4x32_10(counter, key);
}

/// Uniform in [0, 1) from the block's words starting at `first` (one word for float, two for double).
template <class T>
SF_HD_INLINE T unit_closed_open(const u32x4& w, int first) {
  if constexpr (std::is_same_v<T, float>) {
    return uniform01_float(w.v[first]);
  } else {
    return uniform01_double(w.v[first], w.v[first + 1]);
  }
}

/// Uniform in (0, 1] from the block's words starting at `first`; safe to take the log of.
template <class T>
SF_HD_INLINE T unit_open_closed(const u32x4& w, int first) {
  if constexpr (std::is_same_v<T, float>) {
    return uniform01_float_nonzero(w.v[first]);
  } else {
    return uniform01_double_nonzero(w.v[first], w.v[first + 1]);
  }
}

/// Two independent standard normals from one block (Box-Muller). The radius uses the (0, 1] uniform so
/// log(0) cannot happen; as a consequence |z| is at most sqrt(-2 log 2^-24) ~ 5.77 for float and
/// ~ 8.57 for double (a tail of probability below 1e-8, invisible at float resolution).
template <class T>
struct box_muller_pair {
  T first;
  T second;
};

template <class T>
SF_HD_INLINE box_muller_pair<T> box_muller(const u32x4& w) {
  constexpr int second_word = std::is_same_v<T, float> ? 1 : 2;
  const T u1 = unit_open_closed<T>(w, 0);
  const T u2 = unit_closed_open<T>(w, second_word);
  const T r = rnd_sqrt(T(-2) * rnd_log(u1));
  const T theta = T(6.283185307179586476925286766559) * u2;
  return box_muller_pair<T>{r * rnd_cos(theta), r * rnd_sin(theta)};
}

}  // namespace detail

/// Element i is uniform in [lo, hi). Uses draw 0 only.
/// **Errors**: none checked; lo < hi is the caller's contract (lo == hi returns lo).
template <class T>
struct uniform_generator {
  static_assert(detail::is_random_real_v<T>, "uniform_generator<T>: T must be float or double");
  using value_type = T;

  std::uint64_t seed = 0;
  T lo = T(0);
  T hi = T(1);
  std::uint64_t stream = 0;  ///< Separates variables that share a seed (see the counter layout).

  SF_HD T operator()(std::uint64_t i) const {
    const T u = detail::unit_closed_open<T>(detail::random_block(seed, stream, i, 0), 0);
    const T x = lo + (hi - lo) * u;
    // lo + (hi - lo) * u can round up to hi although u < 1; keep the interval half-open.
    return (x < hi || !(lo < hi)) ? x : detail::rnd_nextafter(hi, lo);
  }
};

/// Element i is normal with the given mean and standard deviation (Box-Muller on draw 0, cosine branch).
template <class T>
struct normal_generator {
  static_assert(detail::is_random_real_v<T>, "normal_generator<T>: T must be float or double");
  using value_type = T;

  std::uint64_t seed = 0;
  T mean = T(0);
  T stddev = T(1);
  std::uint64_t stream = 0;  ///< Separates variables that share a seed (see the counter layout).

  SF_HD T operator()(std::uint64_t i) const {
    return mean + stddev * detail::box_muller<T>(detail::random_block(seed, stream, i, 0)).first;
  }
};

/// Attempts (Philox draws) a rejection sampler makes before it gives up; see each generator's fallback.
inline constexpr std::uint32_t random_max_attempts = 64;

/// Element i is normal(mean, stddev) conditioned on |x - mean| <= 2 stddev, as TensorFlow's
/// truncated_normal: values farther out are re-drawn. Attempt k (draw k) yields two Box-Muller candidates,
/// tried in order; each is accepted with p ~ 0.954, so 64 attempts (128 candidates) fail with probability
/// ~ 1e-171. Should that happen, the last candidate is clamped to mean +- 2 stddev, so the result is always
/// within the bound.
template <class T>
struct truncated_normal_generator {
  static_assert(detail::is_random_real_v<T>, "truncated_normal_generator<T>: T must be float or double");
  using value_type = T;

  std::uint64_t seed = 0;
  T mean = T(0);
  T stddev = T(1);
  std::uint64_t stream = 0;  ///< Separates variables that share a seed (see the counter layout).

  SF_HD T operator()(std::uint64_t i) const { return mean + stddev * standard(i); }

 private:
  SF_HD T standard(std::uint64_t i) const {
    T z = T(0);
    for (std::uint32_t k = 0; k < random_max_attempts; ++k) {
      const auto pair = detail::box_muller<T>(detail::random_block(seed, stream, i, k));
      if (pair.first <= T(2) && pair.first >= T(-2)) return pair.first;
      if (pair.second <= T(2) && pair.second >= T(-2)) return pair.second;
      z = pair.second;
    }
    return z > T(0) ? T(2) : T(-2);
  }
};

/// Throws sf::invalid_argument unless alpha is finite and > 0 (host side, before a gamma_generator is built).
inline void validate_gamma_alpha(double alpha, const std::string& where = "random_gamma") {
  if (!(alpha > 0.0) || !std::isfinite(alpha)) {
    detail::fail<invalid_argument>({where, ": alpha must be finite and > 0, got ", alpha});
  }
}

/// Throws sf::invalid_argument unless beta (the rate) is finite and > 0.
inline void validate_gamma_beta(double beta, const std::string& where = "random_gamma") {
  if (!(beta > 0.0) || !std::isfinite(beta)) {
    detail::fail<invalid_argument>({where, ": beta must be finite and > 0, got ", beta});
  }
}

/// Element i is Gamma(alpha, rate beta): density x^(alpha-1) e^(-beta x) beta^alpha / Gamma(alpha), mean
/// alpha / beta, variance alpha / beta^2 (TensorFlow's random_gamma with `beta` = inverse scale).
///
/// Marsaglia & Tsang (2000), "A simple method for generating gamma variables": with d = a - 1/3 and
/// c = 1 / sqrt(9 d), draw x ~ N(0,1), v = (1 + c x)^3, u ~ U(0,1] and accept d v when v > 0 and
/// log u < x^2 / 2 + d - d v + d log v. Attempt k uses draws 2k (the normal) and 2k + 1 (u). For alpha < 1
/// it samples a = alpha + 1 and multiplies by U^(1 / alpha), U from draw 255 (Marsaglia & Tsang's boost).
/// Acceptance is >= 0.95 per attempt; if all 64 attempts are rejected (probability < 1e-80), the mode-like
/// value d is used.
/// **Errors**: alpha and beta must be > 0; check them on the host with validate_gamma_alpha/beta, since the
/// generator cannot throw in device code (a non-positive alpha gives NaN).
template <class T>
struct gamma_generator {
  static_assert(detail::is_random_real_v<T>, "gamma_generator<T>: T must be float or double");
  using value_type = T;

  std::uint64_t seed = 0;
  T alpha = T(1);
  T beta = T(1);
  std::uint64_t stream = 0;  ///< Separates variables that share a seed (see the counter layout).

  SF_HD T operator()(std::uint64_t i) const {
    const bool boost = alpha < T(1);
    T x = marsaglia_tsang(i, boost ? alpha + T(1) : alpha);
    if (boost) {
      const T u = detail::unit_open_closed<T>(detail::random_block(seed, stream, i, boost_draw), 0);
      x *= detail::rnd_exp(detail::rnd_log(u) / alpha);
    }
    return x / beta;
  }

 private:
  static constexpr std::uint32_t boost_draw = 255;

  /// A Gamma(a, 1) sample for a >= 1.
  SF_HD T marsaglia_tsang(std::uint64_t i, T a) const {
    const T d = a - T(1) / T(3);
    const T c = T(1) / detail::rnd_sqrt(T(9) * d);
    for (std::uint32_t k = 0; k < random_max_attempts; ++k) {
      const T x = detail::box_muller<T>(detail::random_block(seed, stream, i, 2 * k)).first;
      T v = T(1) + c * x;
      if (v <= T(0)) continue;
      v = v * v * v;
      const T u = detail::unit_open_closed<T>(detail::random_block(seed, stream, i, 2 * k + 1), 0);
      const T x2 = x * x;
      // The squeeze u < 1 - 0.0331 x^4 accepts most candidates without a log.
      if (u < T(1) - T(0.0331) * x2 * x2) return d * v;
      if (detail::rnd_log(u) < T(0.5) * x2 + d * (T(1) - v + detail::rnd_log(v))) return d * v;
    }
    return d;
  }
};

}  // namespace staticflow
#endif  // STATICFLOW_CORE_RANDOM_HPP
