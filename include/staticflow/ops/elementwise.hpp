// SPDX-License-Identifier: MIT
/// \file
/// \brief The scalar math of every elementwise op, defined once for host and device.
///
/// A unary functor has `operator()(x)` and `grad(x, y, g)`: the gradient with respect to x
/// given the input x, the output y = f(x) and the upstream gradient g. A binary functor has
/// `operator()(a, b)`, `grad_a(a, b, y, g)` and `grad_b(a, b, y, g)`. Functors are trivially
/// copyable, so evaluators holding them can be passed to CUDA kernels by value. `tf_op` is the
/// TensorFlow op a GraphDef export writes for the functor (`tf_name`, when TF's Python gives its
/// nodes another default name: `add` for Add), `tf_attrs(b)` its attributes beyond the dtype,
/// `tf_type_attrs<T>(b)` its dtype attributes when they are not `T` = the operands' dtype.
#pragma once
#ifndef STATICFLOW_OPS_ELEMENTWISE_HPP
#define STATICFLOW_OPS_ELEMENTWISE_HPP

#include <cmath>
#include <limits>

#include "staticflow/config.hpp"

namespace staticflow::ops {

// ---- arithmetic -------------------------------------------------------------------------------

struct negate {
  static constexpr const char* name = "sf::negative";
  static constexpr const char* tf_op = "Neg";
  template <class T> SF_HD_INLINE T operator()(T x) const { return -x; }
  template <class T> SF_HD_INLINE T grad(T, T, T g) const { return -g; }
};
struct abs {
  static constexpr const char* name = "sf::abs";
  static constexpr const char* tf_op = "Abs";
  template <class T> SF_HD_INLINE T operator()(T x) const { return x < T(0) ? -x : x; }
  template <class T> SF_HD_INLINE T grad(T x, T, T g) const { return x > T(0) ? g : (x < T(0) ? -g : T(0)); }
};
struct exp {
  static constexpr const char* name = "sf::exp";
  static constexpr const char* tf_op = "Exp";
  template <class T> SF_HD_INLINE T operator()(T x) const { return std::exp(x); }
  template <class T> SF_HD_INLINE T grad(T, T y, T g) const { return g * y; }
};
struct log {
  static constexpr const char* name = "sf::log";
  static constexpr const char* tf_op = "Log";
  template <class T> SF_HD_INLINE T operator()(T x) const { return std::log(x); }
  template <class T> SF_HD_INLINE T grad(T x, T, T g) const { return g / x; }
};
struct sqrt {
  static constexpr const char* name = "sf::sqrt";
  static constexpr const char* tf_op = "Sqrt";
  template <class T> SF_HD_INLINE T operator()(T x) const { return std::sqrt(x); }
  template <class T> SF_HD_INLINE T grad(T, T y, T g) const { return g / (T(2) * y); }
};
struct square {
  static constexpr const char* name = "sf::square";
  static constexpr const char* tf_op = "Square";
  template <class T> SF_HD_INLINE T operator()(T x) const { return x * x; }
  template <class T> SF_HD_INLINE T grad(T x, T, T g) const { return T(2) * x * g; }
};

/// Passes values through and blocks gradients (TF's stop_gradient): no `grad` member.
struct stop_gradient {
  static constexpr const char* name = "sf::stop_gradient";
  static constexpr const char* tf_op = "StopGradient";
  template <class T> SF_HD_INLINE T operator()(T x) const { return x; }
};

// ---- activations (TensorFlow's definitions) -----------------------------------------------------

struct relu {
  static constexpr const char* name = "sf::relu";
  static constexpr const char* tf_op = "Relu";
  template <class T> SF_HD_INLINE T operator()(T x) const { return x > T(0) ? x : T(0); }
  template <class T> SF_HD_INLINE T grad(T x, T, T g) const { return x > T(0) ? g : T(0); }
};
struct relu6 {
  static constexpr const char* name = "sf::relu6";
  static constexpr const char* tf_op = "Relu6";
  template <class T> SF_HD_INLINE T operator()(T x) const { return x > T(0) ? (x < T(6) ? x : T(6)) : T(0); }
  template <class T> SF_HD_INLINE T grad(T x, T, T g) const { return x > T(0) && x < T(6) ? g : T(0); }
};
struct sigmoid {
  static constexpr const char* name = "sf::sigmoid";
  static constexpr const char* tf_op = "Sigmoid";
  template <class T> SF_HD_INLINE T operator()(T x) const { return T(1) / (T(1) + std::exp(-x)); }
  template <class T> SF_HD_INLINE T grad(T, T y, T g) const { return g * y * (T(1) - y); }
};
struct tanh {
  static constexpr const char* name = "sf::tanh";
  static constexpr const char* tf_op = "Tanh";
  template <class T> SF_HD_INLINE T operator()(T x) const { return std::tanh(x); }
  template <class T> SF_HD_INLINE T grad(T, T y, T g) const { return g * (T(1) - y * y); }
};
struct elu {
  static constexpr const char* name = "sf::elu";
  static constexpr const char* tf_op = "Elu";
  template <class T> SF_HD_INLINE T operator()(T x) const { return x > T(0) ? x : std::expm1(x); }
  template <class T> SF_HD_INLINE T grad(T x, T y, T g) const { return x > T(0) ? g : g * (y + T(1)); }
};
/// log(1 + e^x), written to neither overflow for large x nor lose precision for small.
struct softplus {
  static constexpr const char* name = "sf::softplus";
  static constexpr const char* tf_op = "Softplus";
  template <class T> SF_HD_INLINE T operator()(T x) const {
    return (x > T(0) ? x : T(0)) + std::log1p(std::exp(x > T(0) ? -x : x));
  }
  template <class T> SF_HD_INLINE T grad(T x, T, T g) const { return g / (T(1) + std::exp(-x)); }
};
struct softsign {
  static constexpr const char* name = "sf::softsign";
  static constexpr const char* tf_op = "Softsign";
  template <class T> SF_HD_INLINE T operator()(T x) const { return x / (T(1) + (x < T(0) ? -x : x)); }
  template <class T> SF_HD_INLINE T grad(T x, T, T g) const {
    const T d = T(1) + (x < T(0) ? -x : x);
    return g / (d * d);
  }
};
/// max(x, alpha * x) for 0 <= alpha <= 1 (TF's leaky_relu, default alpha 0.2).
struct leaky_relu {
  static constexpr const char* name = "sf::leaky_relu";
  static constexpr const char* tf_op = "LeakyRelu";
  double alpha = 0.2;
  template <class B> void tf_attrs(B& b) const { b.real("alpha", static_cast<float>(alpha)); }
  template <class T> SF_HD_INLINE T operator()(T x) const { return x > T(0) ? x : T(alpha) * x; }
  template <class T> SF_HD_INLINE T grad(T x, T, T g) const { return x > T(0) ? g : T(alpha) * g; }
};

// ---- binary ---------------------------------------------------------------------------------

struct add {
  static constexpr const char* name = "sf::add";
  static constexpr const char* tf_op = "Add";
  static constexpr const char* tf_name = "add";  // the node name TF's Python operator gives
  template <class T> SF_HD_INLINE T operator()(T a, T b) const { return a + b; }
  template <class T> SF_HD_INLINE T grad_a(T, T, T, T g) const { return g; }
  template <class T> SF_HD_INLINE T grad_b(T, T, T, T g) const { return g; }
};
/// TF's BiasAdd (`tf.nn.bias_add`, what TF's layers emit): an add whose right side, a vector,
/// runs along the last axis. It is `add` (derived from it, so every fusion of an add applies, the
/// GEMM epilogue included); only its name and its GraphDef op differ.
struct bias_add : add {
  static constexpr const char* name = "sf::bias_add";
  static constexpr const char* tf_op = "BiasAdd";
  static constexpr const char* tf_name = "BiasAdd";
  template <class T, class B> void tf_type_attrs(B& b) const {
    b.template type<T>("T");
    b.string("data_format", "NHWC");
  }
};
struct subtract {
  static constexpr const char* name = "sf::subtract";
  static constexpr const char* tf_op = "Sub";
  static constexpr const char* tf_name = "sub";  // the node name TF's Python operator gives
  template <class T> SF_HD_INLINE T operator()(T a, T b) const { return a - b; }
  template <class T> SF_HD_INLINE T grad_a(T, T, T, T g) const { return g; }
  template <class T> SF_HD_INLINE T grad_b(T, T, T, T g) const { return -g; }
};
struct multiply {
  static constexpr const char* name = "sf::multiply";
  static constexpr const char* tf_op = "Mul";
  static constexpr const char* tf_name = "mul";  // the node name TF's Python operator gives
  template <class T> SF_HD_INLINE T operator()(T a, T b) const { return a * b; }
  template <class T> SF_HD_INLINE T grad_a(T, T b, T, T g) const { return g * b; }
  template <class T> SF_HD_INLINE T grad_b(T a, T, T, T g) const { return g * a; }
};
struct divide {
  static constexpr const char* name = "sf::divide";
  static constexpr const char* tf_op = "RealDiv";
  static constexpr const char* tf_name = "truediv";  // the node name TF's Python operator gives
  /// RealDiv divides floats; integers divide as C++ does, truncating: TF's TruncateDiv.
  template <class T, class B> void tf_type_attrs(B& b) const {
    if constexpr (std::numeric_limits<T>::is_integer) b.op("TruncateDiv");
    b.template type<T>("T");
  }
  template <class T> SF_HD_INLINE T operator()(T a, T b) const { return a / b; }
  template <class T> SF_HD_INLINE T grad_a(T, T b, T, T g) const { return g / b; }
  template <class T> SF_HD_INLINE T grad_b(T, T b, T y, T g) const { return -g * y / b; }
};
struct pow {
  static constexpr const char* name = "sf::pow";
  static constexpr const char* tf_op = "Pow";
  template <class T> SF_HD_INLINE T operator()(T a, T b) const { return std::pow(a, b); }
  template <class T> SF_HD_INLINE T grad_a(T a, T b, T, T g) const { return g * b * std::pow(a, b - T(1)); }
  template <class T> SF_HD_INLINE T grad_b(T a, T, T y, T g) const { return a > T(0) ? g * y * std::log(a) : T(0); }
};
/// Ties send the gradient to `a`, as TF's Minimum/Maximum gradients do.
struct minimum {
  static constexpr const char* name = "sf::minimum";
  static constexpr const char* tf_op = "Minimum";
  template <class T> SF_HD_INLINE T operator()(T a, T b) const { return b < a ? b : a; }
  template <class T> SF_HD_INLINE T grad_a(T a, T b, T, T g) const { return a <= b ? g : T(0); }
  template <class T> SF_HD_INLINE T grad_b(T a, T b, T, T g) const { return a <= b ? T(0) : g; }
};
struct maximum {
  static constexpr const char* name = "sf::maximum";
  static constexpr const char* tf_op = "Maximum";
  template <class T> SF_HD_INLINE T operator()(T a, T b) const { return a < b ? b : a; }
  template <class T> SF_HD_INLINE T grad_a(T a, T b, T, T g) const { return a >= b ? g : T(0); }
  template <class T> SF_HD_INLINE T grad_b(T a, T b, T, T g) const { return a >= b ? T(0) : g; }
};

// ---- comparisons (bool results, no gradient) -------------------------------------------------

#define SF_DEFINE_COMPARISON(fn, op, tf)                                              \
  struct fn {                                                                       \
    static constexpr const char* name = "sf::" #fn;                                 \
    static constexpr const char* tf_op = tf;                                        \
    template <class T> SF_HD_INLINE bool operator()(T a, T b) const { return a op b; } \
  };
SF_DEFINE_COMPARISON(greater, >, "Greater")
SF_DEFINE_COMPARISON(greater_equal, >=, "GreaterEqual")
SF_DEFINE_COMPARISON(less, <, "Less")
SF_DEFINE_COMPARISON(less_equal, <=, "LessEqual")
SF_DEFINE_COMPARISON(equal, ==, "Equal")
SF_DEFINE_COMPARISON(not_equal, !=, "NotEqual")
#undef SF_DEFINE_COMPARISON

struct logical_and {
  static constexpr const char* name = "sf::logical_and";
  static constexpr const char* tf_op = "LogicalAnd";
  template <class T, class B> void tf_type_attrs(B&) const {}  // bool only: no dtype attribute
  SF_HD_INLINE bool operator()(bool a, bool b) const { return a && b; }
};
struct logical_or {
  static constexpr const char* name = "sf::logical_or";
  static constexpr const char* tf_op = "LogicalOr";
  template <class T, class B> void tf_type_attrs(B&) const {}
  SF_HD_INLINE bool operator()(bool a, bool b) const { return a || b; }
};
struct logical_not {
  static constexpr const char* name = "sf::logical_not";
  static constexpr const char* tf_op = "LogicalNot";
  template <class T, class B> void tf_type_attrs(B&) const {}
  SF_HD_INLINE bool operator()(bool a) const { return !a; }
};

/// Conversion between element types (`sf::cast<To>`); the gradient passes through.
template <class To>
struct cast_to {
  static constexpr const char* name = "sf::cast";
  static constexpr const char* tf_op = "Cast";
  template <class From, class B> void tf_type_attrs(B& b) const {
    b.template type<From>("SrcT");
    b.template type<To>("DstT");
    b.flag("Truncate", false);
  }
  template <class T> SF_HD_INLINE To operator()(T x) const { return static_cast<To>(x); }
};
template <class Op>
inline constexpr bool is_cast_v = false;
template <class To>
inline constexpr bool is_cast_v<cast_to<To>> = true;

// ---- reductions: identity and combine ------------------------------------------------------------

struct sum_reducer {
  static constexpr const char* name = "sf::reduce_sum";
  static constexpr const char* tf_op = "Sum";
  template <class T> SF_HD_INLINE static T identity() { return T(0); }
  template <class T> SF_HD_INLINE T operator()(T a, T b) const { return a + b; }
};
struct max_reducer {
  static constexpr const char* name = "sf::reduce_max";
  static constexpr const char* tf_op = "Max";
  template <class T> SF_HD_INLINE static T identity() {
    using lim = std::numeric_limits<T>;
    if constexpr (lim::has_infinity) return -lim::infinity();
    else return lim::lowest();
  }
  template <class T> SF_HD_INLINE T operator()(T a, T b) const { return a < b ? b : a; }
};
struct min_reducer {
  static constexpr const char* name = "sf::reduce_min";
  static constexpr const char* tf_op = "Min";
  template <class T> SF_HD_INLINE static T identity() {
    using lim = std::numeric_limits<T>;
    if constexpr (lim::has_infinity) return lim::infinity();
    else return lim::max();
  }
  template <class T> SF_HD_INLINE T operator()(T a, T b) const { return b < a ? b : a; }
};

}  // namespace staticflow::ops
#endif  // STATICFLOW_OPS_ELEMENTWISE_HPP
