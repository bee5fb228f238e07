// SPDX-License-Identifier: MIT
/// \file
/// \brief Categorical columns with TF 1.x's meaning: `categorical_column_with_identity`,
/// `_with_hash_bucket`, `_with_vocabulary_list` and `_with_vocabulary_file`. Each maps a feature's
/// values to ids in [0, num_buckets) (`ids(batch)`, ragged per row), with `num_buckets` a
/// compile-time constant, so the dense width of an `indicator_column` over it is one too.
///
/// Missing values are left out of a row's ids: empty strings, and ids TF would drop (-1, or
/// out-of-vocabulary values without OOV buckets and with `default_value` -1).
#pragma once
#ifndef STATICFLOW_FEATURES_CATEGORICAL_COLUMN_HPP
#define STATICFLOW_FEATURES_CATEGORICAL_COLUMN_HPP

#include <array>
#include <cstdint>
#include <fstream>
#include <string>
#include <unordered_map>
#include <vector>

#include "staticflow/core/error.hpp"
#include "staticflow/features/feature_batch.hpp"
#include "staticflow/features/fingerprint.hpp"

namespace staticflow::features {

/// What `indicator_column`, `crossed_column` and `input_layer` ask of a categorical column.
template <class C>
concept categorical_column = requires(const C& c, const feature_batch& b) {
  { C::num_buckets } -> std::convertible_to<std::size_t>;
  { c.name() } -> std::convertible_to<std::string>;
  { c.ids(b) } -> std::same_as<sparse_ids>;
};

namespace detail {

/// Ids of each value of feature `key` (`map(value)`, -1 to leave it out), `per_row` values a row.
template <class T, class Map>
sparse_ids map_values(const feature_batch& b, const std::string& key, const std::string& column, Map map) {
  const std::vector<T>& v = b.template get<T>(key, column);
  sparse_ids out;
  out.ids.reserve(v.size());
  out.row_splits.reserve(b.rows() + 1);
  const std::size_t per_row = b.rows() ? v.size() / b.rows() : 0;
  for (std::size_t r = 0; r < b.rows(); ++r) {
    for (std::size_t k = 0; k < per_row; ++k)
      if (const std::int64_t id = map(v[r * per_row + k], r); id >= 0) out.ids.push_back(id);
    out.row_splits.push_back(out.ids.size());
  }
  return out;
}

}  // namespace detail

/// Integer features used as ids (`categorical_column_with_identity`): values outside [0, Buckets)
/// become `default_value` when it is set (>= 0); otherwise negative ones are dropped and larger
/// ones are an error naming the column and the row.
template <std::size_t Buckets>
struct identity_column_t {
  static constexpr std::size_t num_buckets = Buckets;
  std::string key;
  std::int64_t default_value = -1;

  std::string name() const { return key; }
  sparse_ids ids(const feature_batch& b) const {
    return detail::map_values<std::int64_t>(b, key, key, [&](std::int64_t v, std::size_t row) -> std::int64_t {
      if (v >= 0 && static_cast<std::uint64_t>(v) < Buckets) return v;
      if (default_value >= 0) return default_value;
      if (v < 0) return -1;
      staticflow::detail::fail<invalid_argument>({"sf::features: column '", key, "': value ", std::to_string(v),
                                                  " in row ", std::to_string(row), " is not below num_buckets ",
                                                  std::to_string(Buckets)});
    });
  }
};

template <std::size_t Buckets>
identity_column_t<Buckets> categorical_column_with_identity(std::string key, std::int64_t default_value = -1) {
  static_assert(Buckets > 0, "sf::features::categorical_column_with_identity: num_buckets must be positive");
  return {std::move(key), default_value};
}

/// Strings (or integers, as their decimal text, as TF does) hashed into Buckets buckets with
/// Fingerprint64 (`categorical_column_with_hash_bucket`): the bucket TF gives the same string.
template <std::size_t Buckets>
struct hash_bucket_column_t {
  static constexpr std::size_t num_buckets = Buckets;
  std::string key;

  std::string name() const { return key; }
  sparse_ids ids(const feature_batch& b) const {
    if (std::holds_alternative<std::vector<std::int64_t>>(b.at(key, key)))
      return detail::map_values<std::int64_t>(b, key, key, [](std::int64_t v, std::size_t) {
        return to_hash_bucket_fast(std::to_string(v), Buckets);
      });
    return detail::map_values<std::string>(b, key, key, [](const std::string& v, std::size_t) -> std::int64_t {
      return v.empty() ? -1 : to_hash_bucket_fast(v, Buckets);
    });
  }
};

template <std::size_t Buckets>
hash_bucket_column_t<Buckets> categorical_column_with_hash_bucket(std::string key) {
  static_assert(Buckets >= 2, "sf::features::categorical_column_with_hash_bucket: hash_bucket_size must be at least 2");
  return {std::move(key)};
}

/// A string vocabulary (`categorical_column_with_vocabulary_list` / `_file`): word i has id i;
/// other strings go to one of `Oov` buckets after the vocabulary (Fingerprint64 modulo Oov, as
/// TF's lookup table with hash buckets), or to `default_value` (-1: left out) when Oov is 0.
template <std::size_t Size, std::size_t Oov>
struct vocabulary_column_t {
  static constexpr std::size_t num_buckets = Size + Oov;
  std::string key;
  std::int64_t default_value = -1;
  std::unordered_map<std::string, std::int64_t> index;

  std::string name() const { return key; }
  sparse_ids ids(const feature_batch& b) const {
    return detail::map_values<std::string>(b, key, key, [&](const std::string& v, std::size_t) -> std::int64_t {
      if (v.empty()) return -1;
      if (const auto it = index.find(v); it != index.end()) return it->second;
      if constexpr (Oov > 0) return static_cast<std::int64_t>(Size) + to_hash_bucket_fast(v, Oov);
      else return default_value;
    });
  }

  static vocabulary_column_t make(std::string key, const std::vector<std::string>& words, std::int64_t default_value,
                                const std::string& where) {
    if (Oov > 0 && default_value != -1)
      staticflow::detail::fail<invalid_argument>({"sf::features: column '", key,
                                                  "': default_value and num_oov_buckets cannot both be set"});
    if (default_value < -1 || default_value >= static_cast<std::int64_t>(Size))
      staticflow::detail::fail<invalid_argument>({"sf::features: column '", key, "': default_value ",
                                                  std::to_string(default_value), " is not in [-1, ",
                                                  std::to_string(Size), ")"});
    vocabulary_column_t c{std::move(key), default_value, {}};
    for (std::size_t i = 0; i < Size; ++i)
      if (!c.index.emplace(words[i], static_cast<std::int64_t>(i)).second)
        staticflow::detail::fail<invalid_argument>({"sf::features: column '", c.key, "': '", words[i],
                                                    "' is in the vocabulary twice (", where, ")"});
    return c;
  }
};

/// **Example:** `categorical_column_with_vocabulary_list<1>("relationship", {"Husband", "Not-in-family",
/// "Wife", "Own-child", "Unmarried", "Other-relative"})` (six words and one OOV bucket: 7 ids).
template <std::size_t Oov = 0, std::size_t Size>
vocabulary_column_t<Size, Oov> categorical_column_with_vocabulary_list(std::string key,
                                                                     const char* const (&words)[Size],
                                                                     std::int64_t default_value = -1) {
  static_assert(Size > 0, "sf::features::categorical_column_with_vocabulary_list: the vocabulary is empty");
  return vocabulary_column_t<Size, Oov>::make(std::move(key), std::vector<std::string>(std::begin(words), std::end(words)), default_value,
                                            "vocabulary list");
}

/// The first `Size` lines of `path` as the vocabulary (TF's `vocabulary_size`; later lines are
/// ignored). **Errors:** not_found for a file that cannot be read; invalid_argument when it has
/// fewer than Size lines, naming the file and its line count.
template <std::size_t Size, std::size_t Oov = 0>
vocabulary_column_t<Size, Oov> categorical_column_with_vocabulary_file(std::string key, const std::string& path,
                                                                     std::int64_t default_value = -1) {
  static_assert(Size > 0, "sf::features::categorical_column_with_vocabulary_file: vocabulary_size must be positive");
  std::ifstream in(path, std::ios::binary);
  if (!in) staticflow::detail::fail<not_found>({"sf::features: column '", key, "': cannot open vocabulary file '", path, "'"});
  std::vector<std::string> words;
  for (std::string line; words.size() < Size && std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    words.push_back(std::move(line));
  }
  if (words.size() < Size)
    staticflow::detail::fail<invalid_argument>({"sf::features: column '", key, "': vocabulary file '", path, "' has ",
                                                std::to_string(words.size()), " lines, fewer than vocabulary_size ",
                                                std::to_string(Size)});
  return vocabulary_column_t<Size, Oov>::make(std::move(key), words, default_value, path);
}

}  // namespace staticflow::features
#endif  // STATICFLOW_FEATURES_CATEGORICAL_COLUMN_HPP
