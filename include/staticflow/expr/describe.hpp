// SPDX-License-Identifier: MIT
/// \file
/// \brief `describe(expr)`: an expression as text, one fold over the node protocol, e.g.
/// `sf::relu(sf::add(sf::matmul(x-input, layer1/weights), layer1/biases))`.
#pragma once
#ifndef STATICFLOW_EXPR_DESCRIBE_HPP
#define STATICFLOW_EXPR_DESCRIBE_HPP

#include <sstream>
#include <string>

#include "staticflow/expr/node.hpp"

namespace staticflow {

/// Placeholders and variables by name, tensors by shape, scalars by value, op nodes as
/// `name(children...)`.
template <class E>
std::string describe(const E& e) {
  using N = std::remove_cvref_t<E>;
  if constexpr (requires { e.name(); }) {
    return std::string(e.name());
  } else if constexpr (is_tensor_v<N>) {
    return "tensor" + to_string(typename N::shape_type{});
  } else if constexpr (requires { e.value; requires std::is_arithmetic_v<decltype(e.value)>; }) {
    std::ostringstream s;
    s << +e.value;
    return s.str();
  } else if constexpr (is_leaf_v<N>) {
    return op_name_v<N> ? std::string(op_name_v<N>) : "value" + to_string(typename N::shape_type{});
  } else {
    std::string s = op_name_v<N> ? op_name_v<N> : "node";
    const char* sep = "(";
    for_each_child(e, [&](const auto& c) { s += sep, s += describe(c), sep = ", "; });
    return s + ")";
  }
}

}  // namespace staticflow
#endif  // STATICFLOW_EXPR_DESCRIBE_HPP
