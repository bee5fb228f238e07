// SPDX-License-Identifier: MIT
/// \file
/// \brief Evaluators: `coeff(i)` of an elementwise tree, with broadcasting planned at compile time.
///
/// An evaluator is built for an output shape `O`. Each leaf maps the output's linear index to
/// its own element; which dimensions broadcast is known from the types, so the common cases
/// (same shape, leading or trailing broadcast) cost one division or none. Evaluators are
/// trivially copyable: the CUDA executor passes them to its kernel by value.
///
/// `row_of(ev, first)` views the row of the output's last axis that starts at linear index
/// `first`: along that axis every leaf advances by 1 or stays (it broadcasts there), so a row's
/// index arithmetic is paid once and the host's inner loop over a row vectorises, broadcasts
/// included.
#pragma once
#ifndef STATICFLOW_EXPR_EVALUATOR_HPP
#define STATICFLOW_EXPR_EVALUATOR_HPP

#include <cstddef>
#include <utility>

#include "staticflow/config.hpp"
#include "staticflow/core/shape.hpp"
#include "staticflow/core/tensor.hpp"
#include "staticflow/expr/elementwise.hpp"

namespace staticflow {

namespace detail {

/// Maps a linear index into output shape `O` to the linear index of an operand of shape `S`
/// broadcast into it (right-aligned numpy rules).
template <class S, class O>
struct broadcast_map {
  static constexpr std::size_t rank = O::rank;
  static constexpr std::size_t extent(std::size_t d) { return d + S::rank < rank ? 1 : S::extents[d + S::rank - rank]; }
  static constexpr bool broadcasts(std::size_t d) { return extent(d) == 1 && O::extents[d] != 1; }
  static constexpr bool kept(std::size_t d) { return extent(d) != 1; }

  enum kind_t { identity, zero, rows, general };
  struct plan {
    kind_t kind;
    bool leading, trailing;  // for `rows`: broadcast before / after the kept block
  };
  static constexpr plan layout = [] {
    std::size_t first = rank, last = 0;
    bool any_broadcast = false;
    for (std::size_t d = 0; d < rank; ++d) {
      any_broadcast |= broadcasts(d);
      if (kept(d)) {
        if (first == rank) first = d;
        last = d;
      }
    }
    if (!any_broadcast) return plan{identity, false, false};
    if (first == rank) return plan{zero, false, false};
    bool leading = false, trailing = false;
    for (std::size_t d = 0; d < rank; ++d) {
      if (!broadcasts(d)) continue;
      if (d < first) leading = true;
      else if (d > last) trailing = true;
      else return plan{general, false, false};
    }
    return plan{rows, leading, trailing};
  }();
  static constexpr kind_t kind = layout.kind;
  /// True when each output element comes from a run of consecutive input elements that
  /// reduce to it (reductions use this for the row-wise fast path).
  static constexpr bool trailing_only = kind == rows && !layout.leading && layout.trailing;
  /// True when output element j gathers input elements j, j + out_n, j + 2 out_n, ... (a
  /// reduction over leading axes, such as a bias gradient summed over the batch).
  static constexpr bool leading_only = kind == rows && layout.leading && !layout.trailing;
  /// Along the output's last axis the operand's index advances by this (0: it broadcasts there).
  static constexpr std::size_t last_stride = rank == 0 || broadcasts(rank - 1) ? 0 : 1;

  std::size_t div = 1, mod = 1;
  index_array<rank> out_dims{}, strides{};

  broadcast_map() = default;
  broadcast_map(const dims_t<S>& s, const dims_t<O>& o) {
    mod = element_count(s);
    std::size_t stride = 1;
    for (std::size_t d = rank; d-- > 0;) {
      out_dims[d] = o[d];
      const bool inside = d + S::rank >= rank;
      const std::size_t se = inside ? s[d + S::rank - rank] : 1;
      strides[d] = broadcasts(d) ? 0 : stride;
      stride *= se;
    }
    // Every axis after the last kept one: those that broadcast and those of extent 1 on both
    // sides (a factor 1, but stopping at them lost the broadcast axes before them).
    for (std::size_t d = rank; d-- > 0 && !kept(d);) div *= o[d];
  }

  /// `div` and `mod` as compile-time constants where the shapes fix them (0: only known at run
  /// time): a division by a constant is a multiply and a shift, by a variable tens of cycles.
  static constexpr std::size_t static_div = [] {
    std::size_t d = 1;
    for (std::size_t k = rank; k-- > 0 && !kept(k);) {
      if (O::extents[k] == dyn) return std::size_t{0};
      d *= O::extents[k];
    }
    return d;
  }();
  static constexpr std::size_t static_mod = S::is_static ? S::static_size : 0;
  SF_HD_INLINE std::size_t divisor() const { return static_div ? static_div : div; }
  SF_HD_INLINE std::size_t modulus() const { return static_mod ? static_mod : mod; }

  SF_HD_INLINE std::size_t operator()(std::size_t i) const {
    if constexpr (kind == identity) return i;
    else if constexpr (kind == zero) return 0;
    else if constexpr (kind == rows) {
      if constexpr (layout.trailing && layout.leading) return (i / divisor()) % modulus();
      else if constexpr (layout.trailing) return i / divisor();
      else return i % modulus();
    } else {
      std::size_t off = 0;
      for (std::size_t d = rank; d-- > 0;) {
        off += (i % out_dims[d]) * strides[d];
        i /= out_dims[d];
      }
      return off;
    }
  }
};

}  // namespace detail

/// `evaluator<Node, O>`: `coeff(i)` of `Node` at linear index i of output shape `O`.
template <class Node, class O>
struct evaluator;

/// The row of `ev` starting at output index `first`, for evaluators without their own `row`:
/// plain `coeff(first + j)` (correct for any evaluator, just no faster).
template <class Ev>
struct row_by_index {
  const Ev* ev;
  std::size_t first;
  SF_HD_INLINE auto coeff(std::size_t j) const { return ev->coeff(first + j); }
};

template <class Ev>
SF_HD_INLINE auto row_of(const Ev& ev, std::size_t first) {
  if constexpr (requires { ev.row(first); }) return ev.row(first);
  else return row_by_index<Ev>{&ev, first};
}

template <class Ev>
using row_t = decltype(row_of(std::declval<const Ev&>(), std::size_t{}));

template <class T, class S, class P, class O>
struct evaluator<tensor_view<T, S, P>, O> {
  using map_type = detail::broadcast_map<S, O>;
  const T* data;
  map_type map;
  evaluator(const tensor_view<T, S, P>& v, const dims_t<O>& out) : data(v.data()), map(v.dims(), out) {}
  SF_HD_INLINE T coeff(std::size_t i) const { return data[map(i)]; }

  struct row_type {
    const T* data;
    SF_HD_INLINE T coeff(std::size_t j) const { return data[j * map_type::last_stride]; }
  };
  SF_HD_INLINE row_type row(std::size_t first) const { return {data + map(first)}; }
};

template <class T, class O>
struct evaluator<scalar<T>, O> {
  T value;
  evaluator(const scalar<T>& s, const dims_t<O>&) : value(s.value) {}
  SF_HD_INLINE T coeff(std::size_t) const { return value; }
  SF_HD_INLINE evaluator row(std::size_t) const { return *this; }
};

template <class Gen, class T, class S, class O>
struct evaluator<generator<Gen, T, S>, O> {
  using map_type = detail::broadcast_map<S, O>;
  Gen gen;
  map_type map;
  evaluator(const generator<Gen, T, S>& g, const dims_t<O>& out) : gen(g.gen), map(g.dims(), out) {}
  SF_HD_INLINE T coeff(std::size_t i) const { return static_cast<T>(gen(map(i))); }

  struct row_type {
    Gen gen;
    std::size_t first;
    SF_HD_INLINE T coeff(std::size_t j) const { return static_cast<T>(gen(first + j * map_type::last_stride)); }
  };
  SF_HD_INLINE row_type row(std::size_t first) const { return {gen, map(first)}; }
};

template <class Op, class E, class O>
struct evaluator<unary<Op, E>, O> {
  using value_type = typename unary<Op, E>::value_type;
  Op op;
  evaluator<E, O> arg;
  evaluator(const unary<Op, E>& u, const dims_t<O>& out) : op(u.op), arg(u.arg, out) {}
  SF_HD_INLINE value_type coeff(std::size_t i) const { return op(arg.coeff(i)); }

  struct row_type {
    Op op;
    row_t<evaluator<E, O>> arg;
    SF_HD_INLINE value_type coeff(std::size_t j) const { return op(arg.coeff(j)); }
  };
  SF_HD_INLINE row_type row(std::size_t first) const { return {op, row_of(arg, first)}; }
};

template <class Op, class L, class R, class O>
struct evaluator<binary<Op, L, R>, O> {
  using value_type = typename binary<Op, L, R>::value_type;
  Op op;
  evaluator<L, O> lhs;
  evaluator<R, O> rhs;
  evaluator(const binary<Op, L, R>& b, const dims_t<O>& out) : op(b.op), lhs(b.lhs, out), rhs(b.rhs, out) {}
  SF_HD_INLINE value_type coeff(std::size_t i) const { return op(lhs.coeff(i), rhs.coeff(i)); }

  struct row_type {
    Op op;
    row_t<evaluator<L, O>> lhs;
    row_t<evaluator<R, O>> rhs;
    SF_HD_INLINE value_type coeff(std::size_t j) const { return op(lhs.coeff(j), rhs.coeff(j)); }
  };
  SF_HD_INLINE row_type row(std::size_t first) const { return {op, row_of(lhs, first), row_of(rhs, first)}; }
};

template <class C, class A, class B, class O>
struct evaluator<select<C, A, B>, O> {
  using value_type = typename select<C, A, B>::value_type;
  evaluator<C, O> cond;
  evaluator<A, O> if_true;
  evaluator<B, O> if_false;
  evaluator(const select<C, A, B>& s, const dims_t<O>& out)
      : cond(s.cond, out), if_true(s.if_true, out), if_false(s.if_false, out) {}
  SF_HD_INLINE value_type coeff(std::size_t i) const { return cond.coeff(i) ? if_true.coeff(i) : if_false.coeff(i); }

  struct row_type {
    row_t<evaluator<C, O>> cond;
    row_t<evaluator<A, O>> if_true;
    row_t<evaluator<B, O>> if_false;
    SF_HD_INLINE value_type coeff(std::size_t j) const { return cond.coeff(j) ? if_true.coeff(j) : if_false.coeff(j); }
  };
  SF_HD_INLINE row_type row(std::size_t first) const {
    return {row_of(cond, first), row_of(if_true, first), row_of(if_false, first)};
  }
};

}  // namespace staticflow
#endif  // STATICFLOW_EXPR_EVALUATOR_HPP
