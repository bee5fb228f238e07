// SPDX-License-Identifier: MIT
/// \file
/// \brief Elementwise expression nodes (unary, binary with broadcasting, where, cast, generators)
/// and the user-facing functions and operators that build them.
#pragma once
#ifndef STATICFLOW_EXPR_ELEMENTWISE_HPP
#define STATICFLOW_EXPR_ELEMENTWISE_HPP

#include <concepts>
#include <cstddef>
#include <string>
#include <type_traits>
#include <utility>

#include "staticflow/core/error.hpp"
#include "staticflow/core/shape.hpp"
#include "staticflow/core/shape_error.hpp"
#include "staticflow/expr/node.hpp"
#include "staticflow/ops/elementwise.hpp"

namespace staticflow {

// ---- nodes ------------------------------------------------------------------------------------

// Gradient expressions (autodiff/nodes.hpp). They are built over prepared operands, whose
// values are in memory, so the passes treat them as leaves.
template <class Op, class A, class G>
struct unary_grad;
template <class Op, class L, class R, class G, int Side>
struct binary_grad;
template <class E, class S>
struct broadcast_node;

/// A scalar constant broadcast to any shape.
template <element_type T>
struct scalar : node_base<scalar<T>> {
  using value_type = T;
  using shape_type = shape<>;
  using policy_type = void;
  T value;
  explicit scalar(T v) : value(v) {}
  dims_t<shape<>> dims() const { return {}; }
};

/// `Op` applied to every element of `E`.
template <class Op, class E>
struct unary : node_base<unary<Op, E>> {
  using value_type = std::remove_cvref_t<decltype(std::declval<Op>()(typename E::value_type{}))>;
  using shape_type = typename E::shape_type;
  using policy_type = typename E::policy_type;
  static constexpr const char* name = op_name_v<Op>;
  static constexpr const char* tf_op = tf_op_v<Op>;
  static constexpr const char* tf_name = tf_name_v<Op>;
  Op op;
  E arg;
  unary(Op o, E e) : op(o), arg(std::move(e)) {}
  decltype(auto) dims() const { return arg.dims(); }
  meta::children<E> children() const { return {&arg}; }
  template <class A>
  auto rebuild(A a) const {
    return unary<Op, A>(op, std::move(a));
  }
  /// `T`, the operand's dtype, unless the functor states its own dtype attributes
  /// (`tf_type_attrs<T>(b)`: Cast's SrcT and DstT), then what else the functor states.
  template <class B>
  void tf_attrs(B& b) const {
    using T = typename E::value_type;
    if constexpr (requires { op.template tf_type_attrs<T>(b); }) op.template tf_type_attrs<T>(b);
    else b.template type<T>("T");
    if constexpr (requires { op.tf_attrs(b); }) op.tf_attrs(b);
  }
  /// d(op(a))/da * g, evaluated lazily with the recomputed forward value (ops without a `grad`,
  /// such as comparisons, pass nothing).
  template <class Ctx, class G>
  void backward(Ctx& ctx, const G& g) const {
    using T = typename E::value_type;
    if constexpr (requires { op.grad(T{}, T{}, T{}); }) ctx.propagate(arg, unary_grad<Op, E, G>(op, arg, g));
    else ctx.flush(arg);
  }
};

namespace detail {

[[noreturn]] inline void throw_not_broadcastable(const char* op, const std::size_t* a, std::size_t rank_a,
                                                 const std::size_t* b, std::size_t rank_b) {
  detail::fail<invalid_argument>({op, ": extents ", extents_string(a, rank_a, false), " and ",
                                  extents_string(b, rank_b, false), " do not broadcast"});
}

/// Run-time extents of a broadcast result. A run-time extent may broadcast only where the
/// shape says 1 statically, so the evaluator's indexing (planned at compile time) stays in bounds.
template <class Out, class A, class B>
dims_t<Out> broadcast_dims(const dims_t<A>& a, const dims_t<B>& b, const char* op) {
  dims_t<Out> out{};
  for (std::size_t d = 0; d < Out::rank; ++d) {
    const bool in_a = d + A::rank >= Out::rank, in_b = d + B::rank >= Out::rank;
    const std::size_t ia = d + A::rank - Out::rank, ib = d + B::rank - Out::rank;
    const std::size_t ea = in_a ? a[ia] : 1, eb = in_b ? b[ib] : 1;
    const std::size_t sa = in_a ? A::extents[ia] : 1, sb = in_b ? B::extents[ib] : 1;
    if (sa == 1) out[d] = eb;
    else if (sb == 1) out[d] = ea;
    else if (ea == eb) out[d] = ea;
    else if (ea == dyn || eb == dyn) out[d] = dyn;  // a graph expression before its feeds are bound
    else
      throw_not_broadcastable(op, a.v, A::rank, b.v, B::rank);
  }
  return out;
}

// Each check asserts inside a lambda in its failing specialisation: nothing extra is
// instantiated when it holds, and clang, which takes a class whose body has a failed assert
// as invalid (its `value` no constant, so both branches of the caller's `if constexpr`
// instantiate), reports the one error.
template <class A, class B, bool = std::is_same_v<A, B>>
struct check_same_dtype {
  static constexpr bool value = true;
};
template <class A, class B>
struct check_same_dtype<A, B, false> {
  static constexpr bool value = [] {
    static_assert(std::is_same_v<A, B>, "sf: mixing dtypes requires an explicit sf::cast<T>");
    return false;
  }();
};

/// Arithmetic runs in the dtypes that have it; bfloat16 is storage (see core/bfloat16.hpp).
template <class T, bool = arithmetic_element<T>>
struct check_arithmetic {
  static constexpr bool value = true;
};
template <class T>
struct check_arithmetic<T, false> {
  static constexpr bool value = [] {
    static_assert(arithmetic_element<T>, "sf: bfloat16 is a storage dtype: widen it with sf::cast<float> before arithmetic");
    return false;
  }();
};

}  // namespace detail

/// `Op(a, b)` elementwise, with numpy broadcasting.
template <class Op, class L, class R>
struct binary : node_base<binary<Op, L, R>> {
  using value_type =
      std::remove_cvref_t<decltype(std::declval<Op>()(typename L::value_type{}, typename R::value_type{}))>;
  using shape_type = broadcast_t<typename L::shape_type, typename R::shape_type>;
  using policy_type = common_policy_t<typename L::policy_type, typename R::policy_type>;
  Op op;
  L lhs;
  R rhs;
  dims_t<shape_type> extents;
  binary(Op o, L l, R r)
      : op(o), lhs(std::move(l)), rhs(std::move(r)),
        extents(detail::broadcast_dims<shape_type, typename L::shape_type, typename R::shape_type>(
            lhs.dims(), rhs.dims(), Op::name)) {}
  binary(Op o, L l, R r, const dims_t<shape_type>& d) : op(o), lhs(std::move(l)), rhs(std::move(r)), extents(d) {}
  const dims_t<shape_type>& dims() const { return extents; }
  static constexpr const char* name = op_name_v<Op>;
  static constexpr const char* tf_op = tf_op_v<Op>;
  static constexpr const char* tf_name = tf_name_v<Op>;
  meta::children<L, R> children() const { return {&lhs, &rhs}; }
  /// `T`, the operands' dtype, unless the functor states its own (`tf_type_attrs<T>(b)`: the
  /// logical ops have none).
  template <class B>
  void tf_attrs(B& b) const {
    using T = typename L::value_type;
    if constexpr (requires { op.template tf_type_attrs<T>(b); }) op.template tf_type_attrs<T>(b);
    else b.template type<T>("T");
  }
  template <class A, class B>
  auto rebuild(A a, B b) const {
    return binary<Op, A, B>(op, std::move(a), std::move(b));
  }

  /// Each side gets d(op)/d(side) * g (for an addition, g itself; `propagate` sums it back over
  /// the axes the side was broadcast along). The right side goes first: children are visited in the reverse of
  /// the forward pass's order (see autodiff/backward.hpp).
  template <class Ctx, class G>
  void backward(Ctx& ctx, const G& g) const {
    using T = typename L::value_type;
    if constexpr (!requires { op.grad_a(T{}, T{}, T{}, T{}); }) {
      ctx.flush(rhs), ctx.flush(lhs);
    } else if constexpr (has_variables_v<L> && has_variables_v<R> && !is_tensor_v<G>) {
      // Both sides read the upstream gradient (a dense layer's bias and product, say): one pass
      // computes it into memory instead of each side evaluating the lazy expression again.
      backward(ctx, detail::materialize(g, ctx.tmp));
    } else {
      if constexpr (has_variables_v<R>) ctx.propagate(rhs, side_gradient<1>(g));
      if constexpr (has_variables_v<L>) ctx.propagate(lhs, side_gradient<0>(g));
    }
  }
  template <int Side, class G>
  auto side_gradient(const G& g) const {
    if constexpr (std::derived_from<Op, ops::add>) return g;
    else return binary_grad<Op, L, R, G, Side>(op, lhs, rhs, g);
  }
};

/// `cond ? a : b` elementwise (TF's `where` with broadcasting, as `tf.where` in TF 2).
template <class C, class A, class B>
struct select : node_base<select<C, A, B>> {
  using value_type = typename A::value_type;
  using ab_shape = broadcast_t<typename A::shape_type, typename B::shape_type>;
  using shape_type = broadcast_t<typename C::shape_type, ab_shape>;
  using policy_type = common_policy_t<typename C::policy_type, typename A::policy_type, typename B::policy_type>;
  C cond;
  A if_true;
  B if_false;
  dims_t<shape_type> extents;
  select(C c, A a, B b)
      : cond(std::move(c)), if_true(std::move(a)), if_false(std::move(b)),
        extents(detail::broadcast_dims<shape_type, typename C::shape_type, ab_shape>(
            cond.dims(),
            detail::broadcast_dims<ab_shape, typename A::shape_type, typename B::shape_type>(
                if_true.dims(), if_false.dims(), "sf::where"),
            "sf::where")) {}
  select(C c, A a, B b, const dims_t<shape_type>& d)
      : cond(std::move(c)), if_true(std::move(a)), if_false(std::move(b)), extents(d) {}
  const dims_t<shape_type>& dims() const { return extents; }
  static constexpr const char* name = "sf::where";
  static constexpr const char* tf_op = "SelectV2";  // broadcasting, as sf::where (TF 1.x's Select does not)
  template <class Builder>
  void tf_attrs(Builder& b) const {
    b.template type<value_type>("T");
  }
  meta::children<C, A, B> children() const { return {&cond, &if_true, &if_false}; }
  template <class C2, class A2, class B2>
  auto rebuild(C2 c, A2 a, B2 b) const {
    return select<C2, A2, B2>(std::move(c), std::move(a), std::move(b));
  }
  /// The gradient goes to the branch each element was taken from; none to the condition.
  template <class Ctx, class G>
  void backward(Ctx& ctx, const G& g) const {
    using T = value_type;
    if constexpr (has_variables_v<B>)
      ctx.propagate(if_false, select<C, scalar<T>, G>(cond, scalar<T>(T(0)), g, dims()));
    if constexpr (has_variables_v<A>)
      ctx.propagate(if_true, select<C, G, scalar<T>>(cond, g, scalar<T>(T(0)), dims()));
    ctx.flush(cond);
  }
};

/// Element i is `gen(i)`: random numbers, fills and ranges with no storage behind them.
template <class Gen, element_type T, any_shape S>
struct generator : node_base<generator<Gen, T, S>> {
  using value_type = T;
  using shape_type = S;
  using policy_type = void;
  Gen gen;
  dims_t<S> extents;
  generator(Gen g, const dims_t<S>& d) : gen(g), extents(d) {}
  const dims_t<S>& dims() const { return extents; }
};

// ---- factories: checks happen once, here at the public boundary ---------------------------------

template <class Op, operand E>
auto make_unary(Op op, const E& e) {
  // Casts are how bfloat16 is widened, so they alone skip the check (not instantiated for them).
  using check = std::conditional_t<ops::is_cast_v<Op>, std::true_type, detail::check_arithmetic<value_t<E>>>;
  if constexpr (check::value)
    return unary<Op, node_t<E>>(op, as_node(e));
  else return scalar<value_t<E>>({});  // unreachable: check_arithmetic's static_assert has failed
}

/// Turns a C++ number next to an expression into a scalar node of the expression's dtype.
template <class T, class X>
auto as_operand_of(const X& x) {
  if constexpr (operand<X>) return as_node(x);
  else return scalar<T>(static_cast<T>(x));
}

template <class X, class Y>
concept binary_operands = (operand<X> && operand<Y>) || (operand<X> && std::is_arithmetic_v<Y>) ||
                          (std::is_arithmetic_v<X> && operand<Y>);

namespace detail {
template <class X, class Y>
struct operand_dtype {
  using type = value_t<X>;
};
template <class X, class Y>
  requires(!operand<X>)
struct operand_dtype<X, Y> {
  using type = value_t<Y>;
};
}  // namespace detail

template <class Op, class X, class Y>
  requires binary_operands<X, Y>
auto make_binary(Op op, const X& x, const Y& y) {
  using T = typename detail::operand_dtype<X, Y>::type;
  auto a = as_operand_of<T>(x);
  auto b = as_operand_of<T>(y);
  using A = decltype(a);
  using B = decltype(b);
  constexpr bool same = detail::check_same_dtype<typename A::value_type, typename B::value_type>::value;
  constexpr bool fits = check_broadcast<typename A::shape_type, typename B::shape_type>::value;
  constexpr bool computes = detail::check_arithmetic<T>::value;
  if constexpr (same && fits && computes) return binary<Op, A, B>(op, std::move(a), std::move(b));
  else return scalar<T>(T{});  // unreachable: a static_assert above has failed; stops the error cascade
}

#define SF_UNARY_FUNCTION(fn, functor) \
  template <operand E>                 \
  auto fn(const E& e) {                \
    return make_unary(ops::functor{}, e); \
  }
SF_UNARY_FUNCTION(abs, abs)
SF_UNARY_FUNCTION(exp, exp)
SF_UNARY_FUNCTION(log, log)
SF_UNARY_FUNCTION(sqrt, sqrt)
SF_UNARY_FUNCTION(square, square)
SF_UNARY_FUNCTION(relu, relu)
SF_UNARY_FUNCTION(relu6, relu6)
SF_UNARY_FUNCTION(sigmoid, sigmoid)
SF_UNARY_FUNCTION(tanh, tanh)
SF_UNARY_FUNCTION(elu, elu)
SF_UNARY_FUNCTION(softplus, softplus)
SF_UNARY_FUNCTION(softsign, softsign)
SF_UNARY_FUNCTION(logical_not, logical_not)
SF_UNARY_FUNCTION(stop_gradient, stop_gradient)
#undef SF_UNARY_FUNCTION

/// max(x, alpha * x), TF's default alpha 0.2.
template <operand E>
auto leaky_relu(const E& e, double alpha = 0.2) {
  return make_unary(ops::leaky_relu{alpha}, e);
}

template <operand E>
auto operator-(const E& e) {
  return make_unary(ops::negate{}, e);
}

#define SF_BINARY_FUNCTION(fn, functor)           \
  template <class X, class Y>                     \
    requires binary_operands<X, Y>                \
  auto fn(const X& x, const Y& y) {               \
    return make_binary(ops::functor{}, x, y);     \
  }
SF_BINARY_FUNCTION(operator+, add)

/// TF's tf.nn.bias_add(value, bias): `value + bias` with `bias` a vector along value's last
/// axis (NHWC), exported as BiasAdd; the layers add their biases with it.
template <class X, class Y>
  requires binary_operands<X, Y>
auto bias_add(const X& x, const Y& bias) {
  static_assert(shape_of_t<Y>::rank == 1 && shape_of_t<X>::rank >= 2,
                "sf::bias_add: the bias must be a vector and the value at least a matrix");
  return make_binary(ops::bias_add{}, x, bias);
}
SF_BINARY_FUNCTION(operator-, subtract)
SF_BINARY_FUNCTION(operator*, multiply)
SF_BINARY_FUNCTION(operator/, divide)
SF_BINARY_FUNCTION(add, add)
SF_BINARY_FUNCTION(subtract, subtract)
SF_BINARY_FUNCTION(multiply, multiply)
SF_BINARY_FUNCTION(divide, divide)
SF_BINARY_FUNCTION(pow, pow)
SF_BINARY_FUNCTION(minimum, minimum)
SF_BINARY_FUNCTION(maximum, maximum)
SF_BINARY_FUNCTION(greater, greater)
SF_BINARY_FUNCTION(greater_equal, greater_equal)
SF_BINARY_FUNCTION(less, less)
SF_BINARY_FUNCTION(less_equal, less_equal)
SF_BINARY_FUNCTION(equal, equal)
SF_BINARY_FUNCTION(not_equal, not_equal)
SF_BINARY_FUNCTION(operator>, greater)
SF_BINARY_FUNCTION(operator>=, greater_equal)
SF_BINARY_FUNCTION(operator<, less)
SF_BINARY_FUNCTION(operator<=, less_equal)
SF_BINARY_FUNCTION(logical_and, logical_and)
SF_BINARY_FUNCTION(logical_or, logical_or)
#undef SF_BINARY_FUNCTION

/// Clamps every element into [lo, hi] (TF's clip_by_value; the gradient passes inside the range).
template <operand E, class Lo, class Hi>
auto clip_by_value(const E& e, const Lo& lo, const Hi& hi) {
  return minimum(maximum(e, lo), hi);
}

/// `cond ? a : b` elementwise; `cond` is a bool expression, `a` and `b` share a dtype.
template <operand C, class A, class B>
  requires(operand<A> || operand<B>)
auto where(const C& c, const A& a, const B& b) {
  using T = std::conditional_t<operand<A>, typename detail::operand_dtype<A, B>::type,
                               typename detail::operand_dtype<B, A>::type>;
  static_assert(std::is_same_v<value_t<C>, bool>, "sf::where: the condition must be a bool expression");
  auto x = as_operand_of<T>(a);
  auto y = as_operand_of<T>(b);
  constexpr bool same = detail::check_same_dtype<typename decltype(x)::value_type,
                                                 typename decltype(y)::value_type>::value;
  if constexpr (same)
    return select<node_t<C>, decltype(x), decltype(y)>(as_node(c), std::move(x), std::move(y));
  else return scalar<T>(T{});
}

/// Converts the elements to `To` (the only way to mix dtypes).
template <element_type To, operand E>
auto cast(const E& e) {
  return make_unary(ops::cast_to<To>{}, e);
}

}  // namespace staticflow
#endif  // STATICFLOW_EXPR_ELEMENTWISE_HPP
