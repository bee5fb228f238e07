// SPDX-License-Identifier: MIT
/// \file
/// \brief `feature_batch`: a batch of parsed features by name, what TF's feature dict holds
/// before `input_layer`: per feature, `rows() * k` numbers, integers or strings (k values per
/// row), and `sparse_ids`, the ragged ids a categorical column makes of them.
#pragma once
#ifndef STATICFLOW_FEATURES_FEATURE_BATCH_HPP
#define STATICFLOW_FEATURES_FEATURE_BATCH_HPP

#include <cstddef>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "staticflow/core/error.hpp"

namespace staticflow::features {

/// The ids of a categorical column for a batch, ragged: row r's ids are
/// `ids[row_splits[r] .. row_splits[r + 1])` (TF's SparseTensor of ids, row by row; missing
/// values are left out).
struct sparse_ids {
  std::vector<std::int64_t> ids;
  std::vector<std::size_t> row_splits{0};
  std::size_t rows() const { return row_splits.size() - 1; }
  std::span<const std::int64_t> row(std::size_t r) const {
    return {ids.data() + row_splits[r], row_splits[r + 1] - row_splits[r]};
  }
};

class feature_batch {
 public:
  using values = std::variant<std::vector<float>, std::vector<std::int64_t>, std::vector<std::string>>;

  explicit feature_batch(std::size_t rows) : rows_(rows) {}

  std::size_t rows() const { return rows_; }

  /// Adds feature `name`: a whole number of values per row. float/double become float, int32/
  /// int64 become int64 (as TF parses CSV and Example features).
  /// **Errors:** invalid_argument when the count is not a multiple of rows() or the name is taken.
  template <class T>
  void add(const std::string& name, std::vector<T> v) {
    if (rows_ == 0 ? !v.empty() : v.size() % rows_ != 0)
      staticflow::detail::fail<invalid_argument>({"sf::features::feature_batch: feature '", name, "' has ",
                                                  std::to_string(v.size()), " values for ", std::to_string(rows_),
                                                  " rows"});
    if (features_.contains(name))
      staticflow::detail::fail<invalid_argument>({"sf::features::feature_batch: feature '", name, "' added twice"});
    if constexpr (std::is_same_v<T, float> || std::is_same_v<T, std::int64_t> || std::is_same_v<T, std::string>)
      features_.emplace(name, std::move(v));
    else if constexpr (std::is_floating_point_v<T>) features_.emplace(name, std::vector<float>(v.begin(), v.end()));
    else features_.emplace(name, std::vector<std::int64_t>(v.begin(), v.end()));
  }

  bool contains(std::string_view name) const { return features_.find(name) != features_.end(); }
  const values& at(std::string_view name, std::string_view column) const {
    const auto it = features_.find(name);
    if (it == features_.end())
      staticflow::detail::fail<not_found>({"sf::features: column '", column, "' needs feature '", name,
                                           "', which the batch does not have"});
    return it->second;
  }
  /// Feature `name` as values of type T (float, int64_t or std::string), for column `column`.
  template <class T>
  const std::vector<T>& get(std::string_view name, std::string_view column) const {
    const values& v = at(name, column);
    if (!std::holds_alternative<std::vector<T>>(v))
      staticflow::detail::fail<invalid_argument>({"sf::features: column '", column, "' needs feature '", name,
                                                  "' as ", kind<T>(), ", but it holds ", kind_of(v)});
    return std::get<std::vector<T>>(v);
  }

  /// A batch of decoded records (`data::decode_csv`'s tuples), column i named `names[i]`.
  template <class... T>
  static feature_batch from_records(const std::vector<std::string>& names, std::span<const std::tuple<T...>> records) {
    if (names.size() != sizeof...(T))
      staticflow::detail::fail<invalid_argument>({"sf::features::feature_batch::from_records: ",
                                                  std::to_string(names.size()), " names for ",
                                                  std::to_string(sizeof...(T)), " columns"});
    feature_batch b(records.size());
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      (b.add(names[I], column<I>(records)), ...);
    }(std::index_sequence_for<T...>{});
    return b;
  }

 private:
  template <std::size_t I, class... T>
  static auto column(std::span<const std::tuple<T...>> records) {
    std::vector<std::tuple_element_t<I, std::tuple<T...>>> out;
    out.reserve(records.size());
    for (const auto& r : records) out.push_back(std::get<I>(r));
    return out;
  }
  template <class T>
  static const char* kind() {
    if constexpr (std::is_same_v<T, float>) return "numbers";
    else if constexpr (std::is_same_v<T, std::int64_t>) return "integers";
    else return "strings";
  }
  static const char* kind_of(const values& v) {
    return v.index() == 0 ? "numbers" : v.index() == 1 ? "integers" : "strings";
  }

  std::size_t rows_;
  std::map<std::string, values, std::less<>> features_;
};

}  // namespace staticflow::features
#endif  // STATICFLOW_FEATURES_FEATURE_BATCH_HPP
