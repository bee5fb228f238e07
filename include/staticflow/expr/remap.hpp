// SPDX-License-Identifier: MIT
/// \file
/// \brief `remap_node<Op, E>`: ops whose every output element is one input element (or a
/// padding constant), chosen by index arithmetic: transpose, slice, strided_slice, reverse,
/// tile and pad are each an `Op` that fills a `remap_plan` (expr/transpose.hpp, slice.hpp, ...).
///
/// A plan says, for every output axis, which input axis it reads and how (an affine step, a
/// wrap-around, or padding); from it come the forward read (`source`) and the gradient, which
/// adds each output's gradient back into the input element it read (`preimages`). Both are
/// elementwise evaluators, so they fuse with their neighbours and run on the host and in the
/// CUDA executor's generic kernel alike. The op's `plan` is constexpr: the same function gives
/// the static result shape (from the static extents, `dyn` propagating) and the run-time one.
#pragma once
#ifndef STATICFLOW_EXPR_REMAP_HPP
#define STATICFLOW_EXPR_REMAP_HPP

#include <array>
#include <cstddef>
#include <limits>

#include "staticflow/core/error.hpp"
#include "staticflow/core/shape_error.hpp"
#include "staticflow/expr/evaluator.hpp"

namespace staticflow {

/// A list of integer parameters (begins, sizes, strides, paddings) in a template argument.
template <int... V>
struct ints {
  static constexpr std::size_t size = sizeof...(V);
  static constexpr int values[sizeof...(V) == 0 ? 1 : sizeof...(V)] = {V...};
};

/// In a begin or end of `ints`: from the first / to the last element in the stride's direction
/// (TF's begin_mask / end_mask bits).
inline constexpr int whole = std::numeric_limits<int>::min();

/// Adds `b` to an extent; `dyn` stays `dyn`.
constexpr std::size_t extent_plus(std::size_t n, std::ptrdiff_t b) { return n == dyn ? dyn : n + static_cast<std::size_t>(b); }

/// How an output axis reads its source axis.
enum class axis_read : unsigned char {
  affine,         ///< source = start + stride * o (slices, reversals, transposes)
  wrap,           ///< source = o mod n (tile)
  pad_constant,   ///< source = o - start, outside [0, n): the padding value
  pad_reflect,    ///< mirrored about the edge cells (TF's REFLECT)
  pad_symmetric,  ///< mirrored including the edge cells (TF's SYMMETRIC)
};

struct axis_map {
  axis_read kind = axis_read::affine;
  std::size_t source = 0;     ///< the input axis this output axis reads
  std::ptrdiff_t start = 0;   ///< affine: first source coordinate; pads: cells before
  std::ptrdiff_t stride = 1;  ///< affine only
};

/// Extents in and out, and one axis map per output axis. `error` is set (a literal) when the
/// op's parameters do not fit the input's extents.
template <std::size_t RIn, std::size_t ROut>
struct remap_plan {
  index_array<RIn> in{};
  index_array<ROut> out{};
  axis_map axes[ROut == 0 ? 1 : ROut] = {};
  const char* error = nullptr;

  /// The input index output element `i` reads; false where it reads the padding value.
  SF_HD_INLINE bool source(std::size_t i, std::size_t& j) const {
    std::size_t stride[RIn == 0 ? 1 : RIn];
    input_strides(stride);
    j = 0;
    for (std::size_t d = ROut; d-- > 0;) {
      const auto o = static_cast<std::ptrdiff_t>(i % out[d]);
      i /= out[d];
      const axis_map& a = axes[d];
      const auto n = static_cast<std::ptrdiff_t>(in[a.source]);
      std::ptrdiff_t c = 0;
      switch (a.kind) {
        case axis_read::affine: c = a.start + a.stride * o; break;
        case axis_read::wrap: c = o % n; break;
        default:
          c = o - a.start;
          if (c < 0 || c >= n) {
            if (a.kind == axis_read::pad_constant) return false;
            if (a.kind == axis_read::pad_reflect) c = c < 0 ? -c : 2 * (n - 1) - c;
            else c = c < 0 ? -c - 1 : 2 * n - 1 - c;
          }
      }
      j += static_cast<std::size_t>(c) * stride[a.source];
    }
    return true;
  }

  /// Calls `f(i)` for every output index `i` that reads input element `j`.
  template <class F>
  SF_HD_INLINE void preimages(std::size_t j, F&& f) const {
    std::ptrdiff_t coord[RIn == 0 ? 1 : RIn];
    for (std::size_t d = RIn; d-- > 0;) coord[d] = static_cast<std::ptrdiff_t>(j % in[d]), j /= in[d];
    std::size_t count[ROut == 0 ? 1 : ROut], total = 1;
    for (std::size_t d = 0; d < ROut; ++d) total *= count[d] = candidates(d, coord[axes[d].source], 0, nullptr);
    for (std::size_t t = 0; t < total; ++t) {
      std::size_t rest = t, i = 0;
      for (std::size_t d = 0; d < ROut; ++d) {
        std::ptrdiff_t o = 0;
        candidates(d, coord[axes[d].source], rest % count[d], &o);
        rest /= count[d];
        i = i * out[d] + static_cast<std::size_t>(o);
      }
      f(i);
    }
  }

 private:
  SF_HD_INLINE void input_strides(std::size_t* stride) const {
    std::size_t s = 1;
    for (std::size_t d = RIn; d-- > 0;) stride[d] = s, s *= in[d];
  }
  /// The output coordinates along axis `d` that read source coordinate `c`: their number, and
  /// the `k`-th of them in `*o` when `o` is not null.
  SF_HD_INLINE std::size_t candidates(std::size_t d, std::ptrdiff_t c, std::size_t k, std::ptrdiff_t* o) const {
    const axis_map& a = axes[d];
    const auto n = static_cast<std::ptrdiff_t>(in[a.source]), m = static_cast<std::ptrdiff_t>(out[d]);
    std::ptrdiff_t found[3];
    std::size_t count = 0;
    auto add = [&](std::ptrdiff_t x) {
      if (x >= 0 && x < m) found[count++] = x;
    };
    switch (a.kind) {
      case axis_read::affine: {
        const std::ptrdiff_t diff = c - a.start;
        if (diff % a.stride == 0) add(diff / a.stride);
        break;
      }
      case axis_read::wrap: {
        const std::size_t times = c < m ? static_cast<std::size_t>((m - c - 1) / n + 1) : 0;
        if (o) *o = c + static_cast<std::ptrdiff_t>(k) * n;
        return times;
      }
      case axis_read::pad_constant: add(c + a.start); break;
      case axis_read::pad_reflect:
        add(c + a.start);
        if (c > 0) add(a.start - c);
        if (c < n - 1) add(a.start + 2 * (n - 1) - c);
        break;
      case axis_read::pad_symmetric:
        add(c + a.start);
        add(a.start - c - 1);
        add(a.start + 2 * n - 1 - c);
        break;
    }
    if (o && k < count) *o = found[k];
    return count;
  }
};

namespace detail {
/// The static shape of a remap: the op's plan run on the operand's static extents.
template <class Op, class S>
struct remap_shape {
  static constexpr index_array<S::rank> in = [] {
    index_array<S::rank> a{};
    for (std::size_t d = 0; d < S::rank; ++d) a[d] = S::extents[d];
    return a;
  }();
  static constexpr auto plan = Op::plan(in);
  static constexpr std::size_t rank = decltype(plan.out)::size();
  static constexpr std::array<std::size_t, rank> extents = [] {
    std::array<std::size_t, rank> e{};
    for (std::size_t d = 0; d < rank; ++d) e[d] = plan.out[d];
    return e;
  }();
  using type = typename shape_from_array<extents, rank>::type;
};

[[noreturn, gnu::cold]] inline void throw_remap(const char* op, const char* what, const std::size_t* in, std::size_t rank) {
  detail::fail<invalid_argument>({op, ": ", what, " (input extents ", extents_string(in, rank, false), ")"});
}
}  // namespace detail

template <class Op, class E>
struct remap_node : node_base<remap_node<Op, E>> {
  using value_type = typename E::value_type;
  using shape_type = typename detail::remap_shape<Op, typename E::shape_type>::type;
  using policy_type = typename E::policy_type;
  using plan_type = remap_plan<E::shape_type::rank, shape_type::rank>;
  static constexpr const char* name = Op::name;
  static constexpr const char* tf_op = tf_op_v<Op>;
  static constexpr node_traits traits{.pointwise = false};
  template <class B>
  void tf_attrs(B& b) const {
    b.template type<value_type>("T");
    if constexpr (requires { Op::tf_attrs(b); }) Op::tf_attrs(b);
  }
  E arg;
  value_type fill;  ///< what padding cells read
  plan_type plan;
  dims_t<shape_type> extents;

  explicit remap_node(E e, value_type padding = value_type{}) : arg(std::move(e)), fill(padding), plan(Op::plan(arg.dims())) {
    if (plan.error) detail::throw_remap(name, plan.error, arg.dims().v, E::shape_type::rank);
    extents = plan.out;
  }
  const dims_t<shape_type>& dims() const { return extents; }
  meta::children<E> children() const { return {&arg}; }
  template <class A>
  auto rebuild(A a) const {
    return remap_node<Op, A>(std::move(a), fill);
  }
  /// Each input element gets the sum of the gradients of the outputs that read it.
  template <class Ctx, class G>
  void backward(Ctx& ctx, const G& g) const;
};

/// A gradient read through a remap plan. `Adjoint`: the gradient of a remap with respect to its
/// operand, in the plan's input shape, each element the sum of the gradients of the outputs
/// that read it (see `remap_plan::preimages`). Otherwise: in the plan's output shape, each
/// element the one gradient element the plan maps it to (`concat`'s parts of its gradient).
template <class Plan, class G, class S, bool Adjoint>
struct plan_gradient : node_base<plan_gradient<Plan, G, S, Adjoint>> {
  using value_type = typename G::value_type;
  using shape_type = S;
  using policy_type = typename G::policy_type;
  Plan plan;
  G g;
  dims_t<S> extents;
  plan_gradient(const Plan& p, G up) : plan(p), g(std::move(up)), extents(Adjoint ? p.in : p.out) {}
  const dims_t<S>& dims() const { return extents; }
};
template <class Plan, class G, class S>
using remap_adjoint = plan_gradient<Plan, G, S, true>;
template <class Plan, class G, class S>
using plan_read = plan_gradient<Plan, G, S, false>;

template <class Op, class E>
template <class Ctx, class G>
void remap_node<Op, E>::backward(Ctx& ctx, const G& g) const {
  ctx.propagate(arg, remap_adjoint<plan_type, G, typename E::shape_type>(plan, g));
}

template <class Op, class E, class O>
struct evaluator<remap_node<Op, E>, O> {
  using value_type = typename E::value_type;
  using S = typename remap_node<Op, E>::shape_type;
  detail::broadcast_map<S, O> map;
  evaluator<E, typename E::shape_type> arg;
  typename remap_node<Op, E>::plan_type plan;
  value_type fill;
  evaluator(const remap_node<Op, E>& r, const dims_t<O>& out)
      : map(r.dims(), out), arg(r.arg, r.arg.dims()), plan(r.plan), fill(r.fill) {}
  SF_HD_INLINE value_type coeff(std::size_t i) const {
    std::size_t j = 0;
    return plan.source(map(i), j) ? arg.coeff(j) : fill;
  }
};

template <class Plan, class G, class S, bool Adjoint, class O>
struct evaluator<plan_gradient<Plan, G, S, Adjoint>, O> {
  using value_type = typename G::value_type;
  detail::broadcast_map<S, O> map;
  evaluator<G, typename G::shape_type> g;
  Plan plan;
  evaluator(const plan_gradient<Plan, G, S, Adjoint>& r, const dims_t<O>& out)
      : map(r.dims(), out), g(r.g, r.g.dims()), plan(r.plan) {}
  SF_HD_INLINE value_type coeff(std::size_t i) const {
    if constexpr (Adjoint) {
      value_type sum{};
      plan.preimages(map(i), [&](std::size_t o) { sum += g.coeff(o); });
      return sum;
    } else {
      std::size_t j = 0;
      return plan.source(map(i), j) ? g.coeff(j) : value_type{};
    }
  }
};

namespace detail {
/// Builds `remap_node<Op, E>` after checking the op's parameters against the static extents.
template <class Op, class E>
auto make_remap(const E& e, value_t<E> padding = {}) {
  using rule = remap_shape<Op, shape_of_t<E>>;
  if constexpr (rule::plan.error != nullptr)  // the op, the operand's shape, the broken rule
    SF_SHAPE_ASSERT("sf: the op's parameters do not fit the operand's static shape",
                    c_string_text<decltype([] { return Op::name; })>(), "operand " + shape_text<shape_of_t<E>>,
                    c_string_text<decltype([] { return rule::plan.error; })>());
  return remap_node<Op, node_t<E>>(as_node(e), padding);
}
}  // namespace detail

}  // namespace staticflow
#endif  // STATICFLOW_EXPR_REMAP_HPP
