// SPDX-License-Identifier: MIT
/// \file
/// \brief `frozen<L>`: layer `L` whose variables are not trained (transfer learning's fixed
/// feature extractor).
#pragma once
#ifndef STATICFLOW_NN_FROZEN_HPP
#define STATICFLOW_NN_FROZEN_HPP

#include <cstdint>
#include <string>

#include "staticflow/graph/graph.hpp"

namespace staticflow::nn {

/// Layer `L` with its variables created non-trainable: optimisers leave them alone, savers
/// still save and restore them. It always computes `L`'s inference form (a frozen batch_norm
/// uses its moving statistics, a frozen dropout passes values through), as Keras does for a
/// layer with `trainable = False`. A network's leading frozen layers cost no backward pass:
/// `model::training` stops the gradient where they end (see sequential.hpp).
///
/// **Example:** `sequential<input<28, 28, 1>, frozen<conv2d<6, 5, 5>>, relu, ..., dense<5>>`.
template <class L>
struct frozen {
  static constexpr const char* name = L::name;
  static constexpr bool is_frozen = true;
  template <std::size_t Position, class In>
  using check = typename L::template check<Position, In>;
  template <class In>
  using output = typename L::template output<In>;
  template <class In>
  static constexpr std::size_t parameter_count = L::template parameter_count<In>;
  template <class T, class In>
  struct parameters : L::template parameters<T, In> {
    static parameters create(graph& g, const std::string& prefix, std::uint64_t seed) {
      const graph::frozen_scope scope(g);
      return {L::template parameters<T, In>::create(g, prefix, seed)};
    }
  };
  template <class In, class X, class P>
  static auto forward(const X& x, const P& p) {
    return L::template forward<In>(x, p);
  }
};

}  // namespace staticflow::nn
#endif  // STATICFLOW_NN_FROZEN_HPP
