// SPDX-License-Identifier: MIT
/// \file
/// \brief `check_numerics(x, message)`: TF's tf.check_numerics: `x` passed through, unless one of
/// its values, or of the gradient flowing back through it, is NaN or infinite.
#pragma once
#ifndef STATICFLOW_EXPR_CHECK_NUMERICS_HPP
#define STATICFLOW_EXPR_CHECK_NUMERICS_HPP

#include <cmath>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "staticflow/core/error.hpp"
#include "staticflow/expr/op_node.hpp"

namespace staticflow {

namespace detail {

/// A value as a built-in floating type (bfloat16 widens to float, exactly).
template <class T>
auto as_builtin_float(T v) {
  if constexpr (std::is_floating_point_v<T>) return v;
  else return static_cast<float>(v);
}

/// Index of the first NaN or infinite value of `n` values, or `n` when all are finite.
template <class T>
std::size_t first_non_finite(const T* values, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i)
    if (!std::isfinite(as_builtin_float(values[i]))) return i;
  return n;
}

/// Throws invalid_argument when one of `n` values at `data` (memory of policy P) is not finite:
/// "sf::check_numerics: <message><name>: NaN at flat index i of n<what>". Device memory is
/// copied to the host first.
template <class P, class T>
void check_finite(const T* data, std::size_t n, std::string_view message, std::string_view what,
                  std::string_view name = {}) {
  const T* host_values = data;
  std::vector<T> copy;
  if constexpr (!std::is_same_v<P, host>) {
    copy.resize(n);
    memory<P>::to_host(copy.data(), data, n);
    host_values = copy.data();
  }
  const std::size_t at = first_non_finite(host_values, n);
  if (at == n) return;
  const auto bad = as_builtin_float(host_values[at]);
  detail::fail<invalid_argument>({"sf::check_numerics: ", message, name, ": ", std::isnan(bad) ? "NaN" : bad > 0 ? "+infinity" : "-infinity",
                                  " at flat index ", at, " of ", n, what});
}

/// The session's check (device_config::check_numerics) of a value in memory: `role` says
/// which ("the output of ", "the gradient reaching the output of "), `op` names the op (null:
/// an elementwise expression without a name).
template <class P, class V>
void check_run_value(const V& value, std::string_view role, const char* op) {
  check_finite<P>(value.data(), value.size(), role, "", op ? std::string_view(op) : std::string_view("an expression"));
}

}  // namespace detail

/// The op of `check_numerics` (op_node): forward copies and checks the values, backward checks
/// the gradient and passes it on unchanged (the identity's gradient).
struct check_numerics_op {
  static constexpr const char* name = "sf::check_numerics";
  std::shared_ptr<const std::string> message;  // shared: nodes are copied into every pass

  template <class S>
  using result_shape = S;
  template <class S, class D>
  static dims_t<S> result_dims(const D& in) {
    dims_t<S> d{};
    for (std::size_t i = 0; i < D::size(); ++i) d[i] = in[i];
    return d;
  }

  template <class P, class Out, class In, class Tmp>
  void forward(const Out& out, const In& in, Tmp&) const {
    detail::check_finite<P>(in.data(), in.size(), *message, "");
    memory<P>::copy(out.data(), in.data(), in.size());
  }

  template <int Side, class P, class D, class X, class V, class G, class Tmp>
  void backward(const D& d, const X&, const V&, const G& g, Tmp&) const {
    static_assert(Side == 0);
    detail::check_finite<P>(g.data(), g.size(), *message, " (in the gradient flowing back through it)");
    memory<P>::copy(d.data(), g.data(), g.size());
  }
};

/// `x`, checked: TF's tf.check_numerics. **Shape:** `x`'s. **Gradient:** the identity's, the
/// gradient itself checked too. **Errors:** invalid_argument naming `message`, whether it was
/// NaN or which infinity, and the first bad flat index, when a value of `x` (or of its
/// gradient) is NaN or infinite.
template <operand E>
auto check_numerics(const E& x, std::string_view message) {
  constexpr bool floating = floating_element<value_t<E>>;
  static_assert(floating, "sf::check_numerics: the tensor must hold floating-point values");
  if constexpr (floating) return make_op_node(check_numerics_op{std::make_shared<const std::string>(message)}, x);
  else return as_node(x);  // (after the assertion: no follow-on errors)
}

}  // namespace staticflow
#endif  // STATICFLOW_EXPR_CHECK_NUMERICS_HPP
