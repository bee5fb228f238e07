// SPDX-License-Identifier: MIT
/// \file
/// \brief `dropout(run_counter, x, rate, seed)`: inverted dropout as a materialised op whose
/// mask is recomputed, not stored, in the backward pass.
#pragma once
#ifndef STATICFLOW_EXPR_DROPOUT_HPP
#define STATICFLOW_EXPR_DROPOUT_HPP

#include <cstdint>
#include <string>

#include "staticflow/expr/op_node.hpp"
#include "staticflow/ops/dropout.hpp"

namespace staticflow {

/// The op: the left operand is a scalar int64 run counter (a non-trainable variable), advanced
/// at every forward pass; the right operand is x.
struct dropout_op {
  static constexpr const char* name = "sf::dropout";
  double rate;
  std::uint64_t seed;
  template <class SC, class SX>
  using result_shape = SX;
  template <class S, class DC, class DX>
  static dims_t<S> result_dims(const DC&, const DX& x) {
    dims_t<S> d{};
    for (std::size_t i = 0; i < S::rank; ++i) d[i] = x[i];
    return d;
  }
  template <class P, class Out, class C, class X, class Tmp>
  void forward(const Out& out, const C& counter, const X& x, Tmp&) const {
    using T = typename X::value_type;
    executor<P>::for_each(1, ops::dropout_next_run{counter.data()});
    executor<P>::for_each(out.size(), ops::dropout_apply<T>{out.data(), x.data(), counter.data(), seed, rate});
  }
  template <int Side, class P, class D, class C, class X, class V, class G, class Tmp>
  void backward(const D& d, const C& counter, const X&, const V&, const G& g, Tmp&) const {
    using T = typename X::value_type;
    if constexpr (Side == 1)
      executor<P>::for_each(d.size(), ops::dropout_apply<T>{d.data(), g.data(), counter.data(), seed, rate});
  }
};

/// Inverted dropout of `x` with probability `rate`; `counter` is a scalar int64 variable that
/// numbers the runs (each run draws a new mask). **Errors:** rate outside [0, 1): invalid_argument.
template <operand C, operand X>
auto dropout(const C& counter, const X& x, double rate, std::uint64_t seed) {
  static_assert(std::is_same_v<value_t<C>, std::int64_t> && shape_of_t<C>::rank == 0,
                "sf::dropout: the run counter must be a scalar int64 variable");
  if (!(rate >= 0 && rate < 1))
    detail::fail<invalid_argument>({"sf::dropout: rate must be in [0, 1), got ", rate});
  return make_op_node(dropout_op{rate, seed}, counter, x);
}

}  // namespace staticflow
#endif  // STATICFLOW_EXPR_DROPOUT_HPP
