// SPDX-License-Identifier: MIT
/// \file
/// \brief Variable initialisers (TF's tf.*_initializer and contrib's Xavier / He).
#pragma once

#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "staticflow/core/error.hpp"
#include "staticflow/expr/factories.hpp"

namespace staticflow::init {

/// How a variable gets its first value. Values are drawn on the host from the counter-based
/// generator (identical for every policy) and then copied to the session's device.
struct initializer {
  enum class kind { constant, normal, truncated_normal, uniform, glorot_uniform, glorot_normal, he_normal, values };
  kind what = kind::constant;
  double a = 0, b = 0;  ///< value / mean, stddev / (lo, hi) / scale
  std::uint64_t seed = 0;
  std::shared_ptr<const std::vector<double>> data;  ///< for `values`

  /// Fan-in and fan-out as TF computes them: rank-2 [in, out]; rank-4 HWIO multiplies the receptive field.
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

  /// Writes the initial value of a variable (`name`, for errors) with fans `fans` (see
  /// `fans<S>()`) into its elements. Only the fans depend on the shape; the values are drawn by
  /// linear index, so one instantiation per dtype serves every shape.
  template <class T>
  void fill(const tensor_view<T, shape<dyn>, host>& out, std::pair<double, double> fans,
            const std::string& name) const {
    using S = shape<dyn>;
    const auto [fan_in, fan_out] = fans;
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
        case kind::glorot_uniform: {
          const T limit = T(std::sqrt(6.0 / (fan_in + fan_out)));
          out = random_uniform<T, S>(-limit, limit, seed, n);
          break;
        }
        case kind::glorot_normal:  // TF 1.x: truncated normal with stddev sqrt(2/(in+out))
          out = truncated_normal<T, S>(T(0), T(std::sqrt(2.0 / (fan_in + fan_out))), seed, n);
          break;
        case kind::he_normal:
          out = truncated_normal<T, S>(T(0), T(std::sqrt(2.0 / fan_in)), seed, n);
          break;
        case kind::values: fill_values(out, name); break;
      }
    }
  }

 private:
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
/// Xavier / Glorot uniform: U(-sqrt(6/(fan_in+fan_out)), +...).
inline initializer glorot_uniform(std::uint64_t seed = 0) { return {initializer::kind::glorot_uniform, 0, 0, seed, {}}; }
inline initializer glorot_normal(std::uint64_t seed = 0) { return {initializer::kind::glorot_normal, 0, 0, seed, {}}; }
/// He: truncated normal with stddev sqrt(2/fan_in).
inline initializer he_normal(std::uint64_t seed = 0) { return {initializer::kind::he_normal, 0, 0, seed, {}}; }
/// Explicit values in row-major order.
inline initializer values(std::vector<double> v) {
  return {initializer::kind::values, 0, 0, 0, std::make_shared<const std::vector<double>>(std::move(v))};
}

}  // namespace staticflow::init
