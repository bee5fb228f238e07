// SPDX-License-Identifier: MIT
/// \file
/// \brief `numeric_column` (a number feature as `Width` dense values, with TF's `normalizer_fn`)
/// and `bucketized_column` (its ranges as ids, and as a one-hot dense value).
#pragma once
#ifndef STATICFLOW_FEATURES_NUMERIC_COLUMN_HPP
#define STATICFLOW_FEATURES_NUMERIC_COLUMN_HPP

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <functional>
#include <string>

#include "staticflow/core/error.hpp"
#include "staticflow/features/feature_batch.hpp"

namespace staticflow::features {

/// A number feature of `Width` values per row (`numeric_column(key, shape=(Width,))`), passed
/// through `normalizer` when one is given (TF's `normalizer_fn`: `(x - mean) / std`, say).
template <std::size_t Width = 1>
struct numeric_column_t {
  static constexpr std::size_t dense_width = Width;
  std::string key;
  std::function<float(float)> normalizer;

  std::string name() const { return key; }
  /// Row r's values into `out + r * stride`.
  void write_dense(const feature_batch& b, float* out, std::size_t stride) const {
    const std::vector<float>& v = values(b);
    for (std::size_t r = 0; r < b.rows(); ++r)
      for (std::size_t k = 0; k < Width; ++k) {
        const float x = v[r * Width + k];
        out[r * stride + k] = normalizer ? normalizer(x) : x;
      }
  }
  const std::vector<float>& values(const feature_batch& b) const {
    const std::vector<float>& v = b.get<float>(key, key);
    if (v.size() != b.rows() * Width)
      staticflow::detail::fail<invalid_argument>({"sf::features: column '", key, "' has ", std::to_string(Width),
                                                  " values a row, but the feature has ",
                                                  std::to_string(b.rows() ? v.size() / b.rows() : 0)});
    return v;
  }
};

/// **Example:** `numeric_column("age")`, `numeric_column<3>("rgb", [](float x) { return x / 255; })`.
template <std::size_t Width = 1>
numeric_column_t<Width> numeric_column(std::string key, std::function<float(float)> normalizer = {}) {
  static_assert(Width > 0, "sf::features::numeric_column: the width must be positive");
  return {std::move(key), std::move(normalizer)};
}

/// The range each value of a one-wide numeric column falls in (`bucketized_column`): with
/// boundaries b_0 < ... < b_{N-1}, bucket 0 is (-inf, b_0), bucket i is [b_{i-1}, b_i), bucket N is
/// [b_{N-1}, inf). A categorical column of N + 1 buckets, and a dense one-hot of that width.
template <std::size_t N>
struct bucketized_column_t {
  static constexpr std::size_t num_buckets = N + 1;
  static constexpr std::size_t dense_width = N + 1;
  numeric_column_t<1> source;
  std::array<float, N> boundaries;

  std::string name() const { return source.key + "_bucketized"; }
  sparse_ids ids(const feature_batch& b) const {
    const std::vector<float>& v = source.values(b);
    sparse_ids out;
    out.ids.reserve(b.rows());
    for (std::size_t r = 0; r < b.rows(); ++r) {
      out.ids.push_back(std::upper_bound(boundaries.begin(), boundaries.end(), v[r]) - boundaries.begin());
      out.row_splits.push_back(out.ids.size());
    }
    return out;
  }
  void write_dense(const feature_batch& b, float* out, std::size_t stride) const {
    const sparse_ids s = ids(b);
    for (std::size_t r = 0; r < b.rows(); ++r) {
      std::fill_n(out + r * stride, dense_width, 0.f);
      out[r * stride + static_cast<std::size_t>(s.ids[r])] = 1.f;
    }
  }
};

/// **Errors:** invalid_argument when the boundaries are not strictly increasing or not finite.
template <std::size_t N>
bucketized_column_t<N> bucketized_column(numeric_column_t<1> source, const std::array<float, N>& boundaries) {
  static_assert(N > 0, "sf::features::bucketized_column: give at least one boundary");
  for (std::size_t i = 0; i < N; ++i)
    if (!std::isfinite(boundaries[i]) || (i > 0 && !(boundaries[i - 1] < boundaries[i])))
      staticflow::detail::fail<invalid_argument>({"sf::features: column '", source.key,
                                                  "_bucketized': boundaries must be finite and strictly increasing (at ",
                                                  std::to_string(i), ")"});
  return {std::move(source), boundaries};
}

}  // namespace staticflow::features
#endif  // STATICFLOW_FEATURES_NUMERIC_COLUMN_HPP
