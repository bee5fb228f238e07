// SPDX-License-Identifier: MIT
/// \file
/// \brief Variable initialisers (TF 1.x's tf.*_initializer, variance scaling and its Glorot / He /
/// LeCun presets, random gamma).
#pragma once
#ifndef STATICFLOW_GRAPH_INITIALIZER_HPP
#define STATICFLOW_GRAPH_INITIALIZER_HPP

#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "staticflow/core/error.hpp"
#include "staticflow/core/random.hpp"
#include "staticflow/expr/factories.hpp"

namespace staticflow::init {

/// Which fan `variance_scaling` divides the scale by (TF's mode "fan_in" / "fan_out" / "fan_avg").
enum class fan_mode { fan_in, fan_out, fan_avg };
/// What `variance_scaling` draws from (TF's distribution argument).
enum class distribution { truncated_normal, untruncated_normal, uniform };

/// TF's correction for truncating a unit normal at +-2: the stddev of the truncated
/// distribution is 0.87962566103423978 of the untruncated one, so variance scaling divides by it
/// to keep the variance it promises.
inline constexpr double truncated_normal_stddev_factor = 0.87962566103423978;

/// How a variable gets its first value. Values are drawn on the host from the counter-based
/// generator (identical for every policy) and then copied to the session's device.
struct initializer {
  enum class kind { constant, normal, truncated_normal, uniform, variance_scaling, gamma, values };
  kind what = kind::constant;
  double a = 0, b = 0;  ///< value / mean, stddev / (lo, hi) / variance scale / gamma (alpha, beta)
  std::uint64_t seed = 0;
  std::shared_ptr<const std::vector<double>> data;  ///< for `values`
  fan_mode mode = fan_mode::fan_in;                       ///< for `variance_scaling`
  distribution dist = distribution::truncated_normal;  ///< for `variance_scaling`

  /// Fan-in and fan-out as TF's _compute_fans: rank 0 -> (1, 1); rank 1 -> (n, n); rank 2 [in, out];
  /// higher ranks (HWIO filters [kh, kw, cin, cout]) multiply by the receptive field kh * kw.
  template <class S>
  static std::pair<double, double> fans() {
    if constexpr (S::rank == 0) return {1, 1};
    else if constexpr (S::rank == 1) return {double(S::extents[0]), double(S::extents[0])};
    else {
      double receptive = 1;
      for (std::size_t d = 0; d + 2 < S::rank; ++d) receptive *= double(S::extents[d]);
      return {receptive * double(S::extents[S::rank - 2]), receptive * double(S::extents[S::rank - 1])};
    }
  }

  /// The fan variance scaling divides by: the one `mode` picks, at least 1 (TF's max(1, n)).
  double scaling_fan(std::pair<double, double> fans) const {
    const double n = mode == fan_mode::fan_in ? fans.first
                     : mode == fan_mode::fan_out ? fans.second
                                                 : (fans.first + fans.second) / 2;
    return n > 1 ? n : 1;
  }
  /// The variance variance scaling aims for: scale / n.
  double target_variance(std::pair<double, double> fans) const { return a / scaling_fan(fans); }

  /// Writes the initial value of a variable (`name`, for errors) with fans `fans` (see
  /// `fans<S>()`) into its elements. Only the fans depend on the shape; the values are drawn by
  /// linear index, so one instantiation per dtype serves every shape.
  template <class T>
  void fill(const tensor_view<T, shape<dyn>, host>& out, std::pair<double, double> fans,
            const std::string& name) const {
    using S = shape<dyn>;
    const std::size_t n = out.size();
    if constexpr (!floating_element<T>) {
      if (what != kind::constant && what != kind::values)
        staticflow::detail::fail<invalid_argument>({"sf::init: random initialisers need a floating dtype (variable '",
                                                    name, "')"});
      if (what == kind::constant) out = filled<T, S>(static_cast<T>(a), n);
      else fill_values(out, name);
    } else {
      switch (what) {
        case kind::constant: out = filled<T, S>(T(a), n); break;
        case kind::normal: out = random_normal<T, S>(T(a), T(b), seed, n); break;
        case kind::truncated_normal: out = truncated_normal<T, S>(T(a), T(b), seed, n); break;
        case kind::uniform: out = random_uniform<T, S>(T(a), T(b), seed, n); break;
        case kind::variance_scaling: fill_variance_scaling(out, fans); break;
        case kind::gamma: out = random_gamma<T, S>(T(a), T(b), seed, n); break;
        case kind::values: fill_values(out, name); break;
      }
    }
  }

 private:
  /// TF 1.x's VarianceScaling: with v = target_variance, truncated normal of stddev
  /// sqrt(v) / 0.8796..., normal of stddev sqrt(v), or uniform in +-sqrt(3 v).
  template <class T>
  void fill_variance_scaling(const tensor_view<T, shape<dyn>, host>& out, std::pair<double, double> fans) const {
    using S = shape<dyn>;
    const std::size_t n = out.size();
    const double v = target_variance(fans);
    switch (dist) {
      case distribution::truncated_normal:
        out = truncated_normal<T, S>(T(0), T(std::sqrt(v) / truncated_normal_stddev_factor), seed, n);
        break;
      case distribution::untruncated_normal: out = random_normal<T, S>(T(0), T(std::sqrt(v)), seed, n); break;
      case distribution::uniform: {
        // 3 * scale / n in one division: glorot_uniform's limit is then bit for bit sqrt(6 / (in + out)).
        const T limit = T(std::sqrt(3.0 * a / scaling_fan(fans)));
        out = random_uniform<T, S>(-limit, limit, seed, n);
        break;
      }
    }
  }

  template <class T>
  void fill_values(const tensor_view<T, shape<dyn>, host>& out, const std::string& name) const {
    if (!data || data->size() != out.size())
      staticflow::detail::fail<invalid_argument>({"sf::init::values: variable '", name, "' has ", out.size(),
                                                  " elements, the initial value has ", data ? data->size() : 0});
    for (std::size_t i = 0; i < out.size(); ++i) out.data()[i] = static_cast<T>((*data)[i]);
  }
};

inline initializer constant(double value) { return {initializer::kind::constant, value, 0, 0, {}}; }
inline initializer zeros() { return constant(0); }
inline initializer ones() { return constant(1); }
/// TF's random_normal_initializer (argument order: stddev first, as the book writes it).
inline initializer random_normal(double stddev = 1, std::uint64_t seed = 0, double mean = 0) {
  return {initializer::kind::normal, mean, stddev, seed, {}};
}
inline initializer truncated_normal(double stddev = 1, std::uint64_t seed = 0, double mean = 0) {
  return {initializer::kind::truncated_normal, mean, stddev, seed, {}};
}
inline initializer random_uniform(double lo = 0, double hi = 1, std::uint64_t seed = 0) {
  if (!(lo < hi)) throw invalid_argument("sf::init::random_uniform: needs lo < hi");
  return {initializer::kind::uniform, lo, hi, seed, {}};
}
/// TF 1.x's variance_scaling_initializer(scale, mode, distribution): variance scale / n with n
/// the fan of `mode` (at least 1); see `initializer::fill_variance_scaling` for the draws.
/// **Errors:** scale not positive and finite: invalid_argument (TF: "`scale` must be positive float").
inline initializer variance_scaling(double scale = 1.0, fan_mode mode = fan_mode::fan_in,
                                    distribution dist = distribution::truncated_normal, std::uint64_t seed = 0) {
  if (!(scale > 0) || !std::isfinite(scale))
    staticflow::detail::fail<invalid_argument>({"sf::init::variance_scaling: scale must be positive, got ", scale});
  initializer r{initializer::kind::variance_scaling, scale, 0, seed, {}};
  r.mode = mode;
  r.dist = dist;
  return r;
}
/// Xavier / Glorot uniform: U(-sqrt(6/(fan_in+fan_out)), +...) (variance scaling 1, fan_avg, uniform).
inline initializer glorot_uniform(std::uint64_t seed = 0) {
  return variance_scaling(1.0, fan_mode::fan_avg, distribution::uniform, seed);
}
/// Glorot normal: truncated normal whose (truncated) variance is 2/(fan_in+fan_out).
inline initializer glorot_normal(std::uint64_t seed = 0) {
  return variance_scaling(1.0, fan_mode::fan_avg, distribution::truncated_normal, seed);
}
/// He normal: truncated normal whose variance is 2/fan_in.
inline initializer he_normal(std::uint64_t seed = 0) {
  return variance_scaling(2.0, fan_mode::fan_in, distribution::truncated_normal, seed);
}
/// He uniform: U(-sqrt(6/fan_in), +...).
inline initializer he_uniform(std::uint64_t seed = 0) {
  return variance_scaling(2.0, fan_mode::fan_in, distribution::uniform, seed);
}
/// LeCun normal: truncated normal whose variance is 1/fan_in.
inline initializer lecun_normal(std::uint64_t seed = 0) {
  return variance_scaling(1.0, fan_mode::fan_in, distribution::truncated_normal, seed);
}
/// LeCun uniform: U(-sqrt(3/fan_in), +...).
inline initializer lecun_uniform(std::uint64_t seed = 0) {
  return variance_scaling(1.0, fan_mode::fan_in, distribution::uniform, seed);
}
/// Gamma(alpha) samples with rate beta (TF's random_gamma: mean alpha/beta, variance alpha/beta^2),
/// Marsaglia-Tsang on the counter-based generator, so a seed gives the same values everywhere.
/// **Errors:** alpha or beta not positive and finite: invalid_argument.
inline initializer gamma(double alpha, double beta = 1.0, std::uint64_t seed = 0) {
  validate_gamma_alpha(alpha, "sf::init::gamma");
  validate_gamma_beta(beta, "sf::init::gamma");
  return {initializer::kind::gamma, alpha, beta, seed, {}};
}
/// Explicit values in row-major order.
inline initializer values(std::vector<double> v) {
  return {initializer::kind::values, 0, 0, 0, std::make_shared<const std::vector<double>>(std::move(v))};
}

}  // namespace staticflow::init
#endif  // STATICFLOW_GRAPH_INITIALIZER_HPP
