// SPDX-License-Identifier: MIT
/// \file
/// \brief Seeded permutations of in-memory data: `shuffle_together` (several arrays, one
/// permutation) and `split` (train / validation / test by percentages).
#pragma once
#ifndef STATICFLOW_DATA_SPLIT_HPP
#define STATICFLOW_DATA_SPLIT_HPP

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <tuple>
#include <vector>

#include "staticflow/core/error.hpp"
#include "staticflow/data/dataset.hpp"
#include "staticflow/data/slices.hpp"

namespace staticflow::data {

/// 0..n-1 in the Fisher-Yates order drawn from splitmix64(seed) (the generator of dataset.hpp).
inline std::vector<std::size_t> permutation(std::size_t n, std::uint64_t seed) {
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  splitmix64 rng(seed);
  shuffle(order, rng);
  return order;
}

/// The rows `rows` of `x` (sf::tensor or std::vector), in that order: a tensor with a dynamic
/// first extent, or a vector.
template <class X>
typename slice_traits<X>::gathered gather_rows(const X& x, const std::vector<std::size_t>& rows) {
  return slice_traits<X>::gather(x, rows);
}

/// Applies one seeded permutation to the first axis of every argument (arrays that belong
/// together, such as images and labels, stay aligned). Returns the permuted copies as a tuple.
/// **Errors:** invalid_argument if the first extents differ.
template <class... X>
auto shuffle_together(std::uint64_t seed, const X&... x) {
  const std::size_t n = detail::common_slice_count("staticflow::data::shuffle_together", x...);
  const std::vector<std::size_t> order = permutation(n, seed);
  return std::tuple<typename slice_traits<X>::gathered...>(gather_rows(x, order)...);
}

/// The sizes of a split of `n` examples by `percent` (train, validation, test; each >= 0,
/// summing to 100): train and validation are rounded down, test takes the rest.
/// **Errors:** invalid_argument for a negative part or a sum other than 100.
inline std::array<std::size_t, 3> split_sizes(std::size_t n, const std::array<double, 3>& percent) {
  const double sum = percent[0] + percent[1] + percent[2];
  if (percent[0] < 0 || percent[1] < 0 || percent[2] < 0 || std::abs(sum - 100.0) > 1e-9)
    staticflow::detail::fail<invalid_argument>({"staticflow::data::split: percentages ", percent[0], ", ", percent[1],
                                                ", ", percent[2], " must be >= 0 and sum to 100"});
  const auto part = [&](double p) { return static_cast<std::size_t>(std::floor(static_cast<double>(n) * p / 100.0)); };
  const std::size_t train = part(percent[0]);
  const std::size_t validation = part(percent[1]);
  return {train, validation, n - train - validation};
}

/// The three parts of a split; each is a tuple with one entry per array split.
template <class... G>
struct split_parts {
  std::tuple<G...> train, validation, test;
};

/// Shuffles the arrays together with `seed` and cuts them into train / validation / test by
/// `percent` (e.g. {80, 10, 10}); see split_sizes for the rounding.
/// **Errors:** invalid_argument for bad percentages or first extents that differ.
template <class... X>
split_parts<typename slice_traits<X>::gathered...> split(const std::array<double, 3>& percent, std::uint64_t seed,
                                                         const X&... x) {
  const std::size_t n = detail::common_slice_count("staticflow::data::split", x...);
  const auto sizes = split_sizes(n, percent);
  const std::vector<std::size_t> order = permutation(n, seed);
  const auto part = [&](std::size_t begin, std::size_t count) {
    const std::vector<std::size_t> rows(order.begin() + static_cast<std::ptrdiff_t>(begin),
                                        order.begin() + static_cast<std::ptrdiff_t>(begin + count));
    return std::tuple<typename slice_traits<X>::gathered...>(gather_rows(x, rows)...);
  };
  return {part(0, sizes[0]), part(sizes[0], sizes[1]), part(sizes[0] + sizes[1], sizes[2])};
}

}  // namespace staticflow::data
#endif  // STATICFLOW_DATA_SPLIT_HPP
