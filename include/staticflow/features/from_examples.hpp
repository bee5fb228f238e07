// SPDX-License-Identifier: MIT
/// \file
/// \brief `from_examples(examples, names)`: a batch of tf.train.Example records (io/example.hpp)
/// as a feature batch, what TF's `parse_example` hands `input_layer`: bytes lists as strings,
/// float lists as numbers, int64 lists as integers, each feature with the same number of values
/// in every example.
#pragma once
#ifndef STATICFLOW_FEATURES_FROM_EXAMPLES_HPP
#define STATICFLOW_FEATURES_FROM_EXAMPLES_HPP

#include <span>
#include <string>
#include <variant>
#include <vector>

#include "staticflow/core/error.hpp"
#include "staticflow/features/feature_batch.hpp"
#include "staticflow/io/example.hpp"

namespace staticflow::features {

namespace detail {

/// Feature `name` of every example, as `List`'s values.
template <class List>
auto gather_feature(std::span<const io::example> examples, const std::string& name, std::size_t per_row) {
  std::vector<typename decltype(List::value)::value_type> out;
  out.reserve(examples.size() * per_row);
  for (std::size_t e = 0; e < examples.size(); ++e) {
    const auto it = examples[e].features.find(name);
    const List* list = it == examples[e].features.end() ? nullptr : std::get_if<List>(&it->second);
    if (list == nullptr || list->value.size() != per_row)
      staticflow::detail::fail<invalid_argument>(
          {"sf::features::from_examples: example ", std::to_string(e), ": feature '", name, "' ",
           list == nullptr ? std::string(it == examples[e].features.end() ? "is missing" : "has another kind")
                           : "has " + std::to_string(list->value.size()) + " values",
           ", example 0 has ", std::to_string(per_row), " of its kind"});
    out.insert(out.end(), list->value.begin(), list->value.end());
  }
  return out;
}

}  // namespace detail

/// **Errors:** invalid_argument naming the example and the feature when one is missing, empty in
/// the first example, of another kind or with another number of values than in the first.
inline feature_batch from_examples(std::span<const io::example> examples, const std::vector<std::string>& names) {
  feature_batch b(examples.size());
  if (examples.empty()) return b;
  for (const std::string& name : names) {
    const auto it = examples[0].features.find(name);
    if (it == examples[0].features.end() || std::holds_alternative<std::monostate>(it->second))
      staticflow::detail::fail<invalid_argument>({"sf::features::from_examples: example 0 has no feature '", name, "'"});
    std::visit(
        [&](const auto& list) {
          using L = std::remove_cvref_t<decltype(list)>;
          if constexpr (!std::is_same_v<L, std::monostate>) b.add(name, detail::gather_feature<L>(examples, name, list.value.size()));
        },
        it->second);
  }
  return b;
}

}  // namespace staticflow::features
#endif  // STATICFLOW_FEATURES_FROM_EXAMPLES_HPP
