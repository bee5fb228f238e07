// SPDX-License-Identifier: MIT
/// \file
/// \brief `matmul<TransposeA, TransposeB>(a, b)`: matrix product of rank-2 expressions.
///
/// A materialisation point: operands that are not plain tensors are computed into temporaries,
/// and the product runs through the policy's GEMM (staticflow's own packed kernel on the host,
/// ops/gemm.hpp; cuBLAS on CUDA). Its gradient is two more GEMMs (`backward`, below).
#pragma once
#ifndef STATICFLOW_EXPR_MATMUL_HPP
#define STATICFLOW_EXPR_MATMUL_HPP

#include <string>

#include "staticflow/core/error.hpp"
#include "staticflow/core/shape_error.hpp"
#include "staticflow/expr/elementwise.hpp"

namespace staticflow {

namespace detail {
[[noreturn]] inline void throw_inner_mismatch(const std::size_t* a, bool trans_a, const std::size_t* b, bool trans_b) {
  detail::fail<invalid_argument>({"sf::matmul: inner extents differ: a is ", extents_string(a, 2, false),
                                  (trans_a ? " (transposed)" : ""), ", b is ", extents_string(b, 2, false),
                                  (trans_b ? " (transposed)" : "")});
}
}  // namespace detail

template <class L, class R, bool TransA, bool TransB>
struct matmul_node : node_base<matmul_node<L, R, TransA, TransB>> {
  using value_type = typename L::value_type;
  using shape_type = matmul_t<typename L::shape_type, typename R::shape_type, TransA, TransB>;
  using policy_type = common_policy_t<typename L::policy_type, typename R::policy_type>;
  static constexpr bool transpose_a = TransA, transpose_b = TransB;
  L lhs;
  R rhs;
  dims_t<shape_type> extents;
  node_id id;
  matmul_node(L l, R r) : lhs(std::move(l)), rhs(std::move(r)) {
    const auto a = lhs.dims();
    const auto b = rhs.dims();
    const std::size_t k_a = a[TransA ? 0 : 1], k_b = b[TransB ? 1 : 0];
    if (k_a != k_b && k_a != dyn && k_b != dyn) detail::throw_inner_mismatch(a.v, TransA, b.v, TransB);
    extents[0] = a[TransA ? 1 : 0];
    extents[1] = b[TransB ? 0 : 1];
  }
  const dims_t<shape_type>& dims() const { return extents; }

  static constexpr const char* name = "sf::matmul";
  static constexpr const char* tf_op = "MatMul";
  template <class B>
  void tf_attrs(B& b) const {
    if constexpr (!std::is_same_v<typename L::value_type, typename R::value_type>)
      b.unsupported("TensorFlow's MatMul multiplies one dtype (this is a float32 by bfloat16 product)");
    b.template type<value_type>("T");
    b.flag("transpose_a", TransA);
    b.flag("transpose_b", TransB);
  }
  static constexpr node_traits traits{.materialized = true, .operands_in_memory = true};
  meta::children<L, R> children() const { return {&lhs, &rhs}; }
  template <class A, class B>
  auto rebuild(A a, B b) const {
    matmul_node<A, B, TransA, TransB> m(std::move(a), std::move(b));
    m.id = id;
    return m;
  }

  template <class P, class T, class S>
  void evaluate(const tensor_view<T, S, P>& dst, workspace<P>& tmp) const {
    const auto a = detail::materialize(lhs, tmp);
    const auto b = detail::materialize(rhs, tmp);
    const std::size_t k = a.dim(TransA ? 0 : 1);
    executor<P>::gemm(TransA, TransB, dst.dim(0), dst.dim(1), k, T(1), a.data(), b.data(), T(0), dst.data());
  }

  /// C = op(A) op(B): dA and dB by GEMMs on the operands in memory; a variable's gradient goes
  /// straight into its buffer (beta = 1 adds to what is there), with no temporary.
  template <class Ctx, class V, class G>
  void backward(Ctx& ctx, const V&, const G& g) const {
    using T = typename V::value_type;
    using ex = executor<typename V::policy_type>;
    const auto a = detail::value_view(lhs);
    const auto b = detail::value_view(rhs);
    const std::size_t m = g.dim(0), n = g.dim(1), k = a.dim(TransA ? 0 : 1);
    auto target = [&](const auto& child, const auto& view, auto&& run) {
      using C = std::remove_cvref_t<decltype(child)>;
      if constexpr (requires { child.grad; }) {
        if (child.grad) {
          run(child.grad, child.first_gradient() ? T(0) : T(1));
          if constexpr (requires { ctx.arrived(child.state); }) ctx.arrived(child.state);
        }
      } else {
        auto d = ctx.tmp.template make<T, typename C::shape_type>(view.dims());
        run(d.data(), T(0));
        ctx.propagate(child, d);
      }
    };
    if constexpr (has_variables_v<R>)
      target(rhs, b, [&](T* out, T beta) {
        if constexpr (!TransB) ex::gemm(!TransA, false, k, n, m, T(1), a.data(), g.data(), beta, out);
        else ex::gemm(true, TransA, n, k, m, T(1), g.data(), a.data(), beta, out);
      });
    if constexpr (has_variables_v<L>)
      target(lhs, a, [&](T* out, T beta) {
        if constexpr (!TransA) ex::gemm(false, !TransB, m, k, n, T(1), g.data(), b.data(), beta, out);
        else ex::gemm(TransB, true, k, m, n, T(1), b.data(), g.data(), beta, out);
      });
  }
};

namespace detail {
/// The dtypes matmul multiplies: two of one arithmetic dtype, or float32 by bfloat16 weights
/// (widened on the fly: half the bytes read for a layer that streams its weights).
template <class A, class B>
struct check_matmul_dtypes {
  static constexpr bool weights_bf16 = std::is_same_v<A, float> && std::is_same_v<B, bfloat16>;
  static constexpr bool ok = (std::is_same_v<A, B> && arithmetic_element<A>) || weights_bf16;
  static constexpr bool value = [] {  // in a lambda, as check_same_dtype's (expr/elementwise.hpp)
    static_assert(ok, "sf::matmul: both operands must share an arithmetic dtype (or be float32 times bfloat16 "
                      "weights); convert one with sf::cast<T>");
    return ok;
  }();
};

/// The compile-time rules of matmul; a failure shows both shapes, e.g. "[?, 784] x [500, 10]".
template <class A, class B, bool TransA, bool TransB,
          bool Ok = matmul_shape<A, B, TransA, TransB>::ranks_ok && matmul_shape<A, B, TransA, TransB>::inner_ok>
struct check_matmul {
  static constexpr bool value = true;
};
template <class A, class B, bool TransA, bool TransB>
struct check_matmul<A, B, TransA, TransB, false> {
  template <class S, bool T>
  static constexpr auto operand_text() {
    if constexpr (T) return shape_text<S> + "^T";
    else return shape_text<S>;
  }
  static constexpr auto shapes = operand_text<A, TransA>() + " x " + operand_text<B, TransB>();
  static constexpr bool value = [] {
    if constexpr (!matmul_shape<A, B, TransA, TransB>::ranks_ok)
      SF_SHAPE_ASSERT("sf::matmul: both operands must have rank 2", shapes);
    else
      SF_SHAPE_ASSERT("sf::matmul: inner extents differ: the columns of a (rows if transposed) must equal the rows of b",
                      shapes);
    return false;
  }();
};
}  // namespace detail

/// Matrix product `op(a) * op(b)` where op transposes when the flag is set.
/// **Shape:** [M, K] x [K, N] -> [M, N]; any extent may be `dyn` (checked at run time).
/// **Dtypes:** one arithmetic dtype for both, or a float32 `a` times bfloat16 `b` (result float32).
/// **Errors:** static inner extents that differ do not compile; run-time ones throw invalid_argument.
template <bool TransA = false, bool TransB = false, operand A, operand B>
auto matmul(const A& a, const B& b) {
  using LA = node_t<A>;
  using LB = node_t<B>;
  constexpr bool same = detail::check_matmul_dtypes<typename LA::value_type, typename LB::value_type>::value;
  constexpr bool fits = detail::check_matmul<typename LA::shape_type, typename LB::shape_type, TransA, TransB>::value;
  if constexpr (same && fits) return matmul_node<LA, LB, TransA, TransB>(as_node(a), as_node(b));
  else return scalar<typename LA::value_type>({});
}

}  // namespace staticflow
#endif  // STATICFLOW_EXPR_MATMUL_HPP
