// SPDX-License-Identifier: MIT
/// \file
/// \brief `crossed_column<Buckets>(keys...)`: every combination of its keys' values in a row,
/// hashed into Buckets buckets exactly as TF's `sparse_cross_hashed` does, so a cross lands in
/// the bucket TF gives it. A key is a feature's name (its strings fingerprinted with Fingerprint64,
/// its integers used as they are) or a categorical column (its ids).
///
/// Per row, each combination (the keys' values taken in key order, the last key varying fastest)
/// starts from TF's hash key 0xDECAFCAFFE and folds each value in with `fingerprint_cat64`; the
/// result modulo Buckets is the id. The column's name joins its keys' names, sorted, with "_X_".
#pragma once
#ifndef STATICFLOW_FEATURES_CROSSED_COLUMN_HPP
#define STATICFLOW_FEATURES_CROSSED_COLUMN_HPP

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <vector>

#include "staticflow/features/categorical_column.hpp"
#include "staticflow/features/fingerprint.hpp"

namespace staticflow::features {

/// A raw feature as a key of a cross.
struct feature_key {
  std::string key;
  std::string name() const { return key; }
};

namespace detail {

/// The 64-bit values a key contributes per row, ragged (TF's `Feature(batch, n)` of a cross).
inline sparse_ids cross_values(const feature_key& k, const feature_batch& b, const std::string& column) {
  sparse_ids out;
  const feature_batch::values& v = b.at(k.key, column);
  const std::size_t n = std::visit([](const auto& x) { return x.size(); }, v), per_row = b.rows() ? n / b.rows() : 0;
  for (std::size_t r = 0; r < b.rows(); ++r) {
    for (std::size_t i = r * per_row; i < (r + 1) * per_row; ++i) {
      if (const auto* s = std::get_if<std::vector<std::string>>(&v)) {
        if (!(*s)[i].empty()) out.ids.push_back(static_cast<std::int64_t>(fingerprint64((*s)[i])));
      } else if (const auto* ints = std::get_if<std::vector<std::int64_t>>(&v)) {
        out.ids.push_back((*ints)[i]);
      } else {
        staticflow::detail::fail<invalid_argument>({"sf::features: column '", column, "' crosses feature '", k.key,
                                                    "', which holds numbers: bucketize it first"});
      }
    }
    out.row_splits.push_back(out.ids.size());
  }
  return out;
}
template <categorical_column C>
sparse_ids cross_values(const C& c, const feature_batch& b, const std::string&) {
  return c.ids(b);
}

template <class K>
auto cross_key(K&& k) {
  if constexpr (std::is_convertible_v<K, std::string_view>) return feature_key{std::string(std::string_view(k))};
  else return std::remove_cvref_t<K>(std::forward<K>(k));
}

}  // namespace detail

template <std::size_t Buckets, class... Keys>
struct crossed_column_t {
  static constexpr std::size_t num_buckets = Buckets;
  static constexpr std::uint64_t hash_key = 0xDECAFCAFFEULL;  // TF's default for crosses
  std::tuple<Keys...> keys;

  std::string name() const {
    std::vector<std::string> names = std::apply([](const auto&... k) { return std::vector<std::string>{k.name()...}; }, keys);
    std::sort(names.begin(), names.end());
    std::string s;
    for (const auto& n : names) s += (s.empty() ? "" : "_X_") + n;
    return s;
  }

  sparse_ids ids(const feature_batch& b) const {
    const std::string column = name();
    const std::array<sparse_ids, sizeof...(Keys)> parts =
        std::apply([&](const auto&... k) { return std::array<sparse_ids, sizeof...(Keys)>{detail::cross_values(k, b, column)...}; }, keys);
    sparse_ids out;
    for (std::size_t r = 0; r < b.rows(); ++r) {
      cross_row(parts, r, 0, hash_key, out.ids);
      out.row_splits.push_back(out.ids.size());
    }
    return out;
  }

 private:
  /// Every combination of the parts' values in row r, key `i` onwards, folded into `h`.
  static void cross_row(const std::array<sparse_ids, sizeof...(Keys)>& parts, std::size_t r, std::size_t i,
                        std::uint64_t h, std::vector<std::int64_t>& out) {
    if (i == parts.size()) return out.push_back(static_cast<std::int64_t>(h % Buckets));
    for (const std::int64_t v : parts[i].row(r)) cross_row(parts, r, i + 1, fingerprint_cat64(h, static_cast<std::uint64_t>(v)), out);
  }
};

/// **Example:** `crossed_column<1000>("education", "occupation")`,
/// `crossed_column<100>(bucketized_column(age, {...}), "education")`.
template <std::size_t Buckets, class... Keys>
auto crossed_column(Keys&&... keys) {
  static_assert(sizeof...(Keys) >= 2, "sf::features::crossed_column: cross at least two keys");
  static_assert(Buckets >= 1, "sf::features::crossed_column: hash_bucket_size must be positive");
  return crossed_column_t<Buckets, decltype(detail::cross_key(std::forward<Keys>(keys)))...>{
      {detail::cross_key(std::forward<Keys>(keys))...}};
}

}  // namespace staticflow::features
#endif  // STATICFLOW_FEATURES_CROSSED_COLUMN_HPP
