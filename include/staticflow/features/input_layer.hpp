// SPDX-License-Identifier: MIT
/// \file
/// \brief `indicator_column(categorical)` (a multi-hot dense value: each id's count) and
/// `input_layer(batch, columns...)`: the dense input of a network, one row per example, the
/// columns' dense values side by side in the order of their names (as TF's `input_layer` sorts
/// them), `tensor<float, shape<dyn, W>>` with W, the sum of the dense widths, known at compile time.
#pragma once
#ifndef STATICFLOW_FEATURES_INPUT_LAYER_HPP
#define STATICFLOW_FEATURES_INPUT_LAYER_HPP

#include <algorithm>
#include <array>
#include <cstddef>
#include <numeric>
#include <string>

#include "staticflow/core/tensor.hpp"
#include "staticflow/features/categorical_column.hpp"
#include "staticflow/features/feature_batch.hpp"

namespace staticflow::features {

/// What `input_layer` asks of a column: a compile-time width, a name, and its rows written out.
template <class C>
concept dense_column = requires(const C& c, const feature_batch& b, float* out) {
  { C::dense_width } -> std::convertible_to<std::size_t>;
  { c.name() } -> std::convertible_to<std::string>;
  c.write_dense(b, out, std::size_t{});
};

/// A categorical column as a dense multi-hot value of width num_buckets: entry i counts row's id
/// i (TF's `indicator_column`, which sums the one-hot rows of a multivalent feature).
template <categorical_column C>
struct indicator_column_t {
  static constexpr std::size_t dense_width = C::num_buckets;
  C categorical;

  std::string name() const { return categorical.name() + "_indicator"; }
  void write_dense(const feature_batch& b, float* out, std::size_t stride) const {
    const sparse_ids s = categorical.ids(b);
    for (std::size_t r = 0; r < b.rows(); ++r) {
      float* row = out + r * stride;
      std::fill_n(row, dense_width, 0.f);
      for (const std::int64_t id : s.row(r)) row[static_cast<std::size_t>(id)] += 1.f;
    }
  }
};

template <categorical_column C>
indicator_column_t<C> indicator_column(C categorical) {
  return {std::move(categorical)};
}

/// The dense input of a batch: `[rows, (C::dense_width + ...)]`, each column's block at the offset
/// its name's rank gives (TF sorts input_layer's columns by name).
template <class... C>
tensor<float, shape<dyn, (std::size_t{0} + ... + C::dense_width)>> input_layer(const feature_batch& b, const C&... columns) {
  static_assert(sizeof...(C) > 0, "sf::features::input_layer: give at least one column");
  static_assert((dense_column<C> && ...),
                "sf::features::input_layer: every column must be dense (numeric, bucketized, indicator or embedding); "
                "wrap a categorical column in indicator_column(...)");
  constexpr std::size_t width = (std::size_t{0} + ... + C::dense_width);
  const std::array<std::string, sizeof...(C)> names{columns.name()...};
  constexpr std::array<std::size_t, sizeof...(C)> widths{C::dense_width...};
  std::array<std::size_t, sizeof...(C)> order{};
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t c) { return names[a] < names[c]; });
  std::array<std::size_t, sizeof...(C)> offset{};
  for (std::size_t i = 0, at = 0; i < order.size(); ++i) offset[order[i]] = at, at += widths[order[i]];

  tensor<float, shape<dyn, width>> out(b.rows());
  std::size_t i = 0;
  ((columns.write_dense(b, out.data() + offset[i++], width)), ...);
  return out;
}

}  // namespace staticflow::features
#endif  // STATICFLOW_FEATURES_INPUT_LAYER_HPP
