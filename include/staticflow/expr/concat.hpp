// SPDX-License-Identifier: MIT
/// \file
/// \brief `concat<Axis>(a, b, ...)`: TF's tf.concat([a, b, ...], axis).
#pragma once
#ifndef STATICFLOW_EXPR_CONCAT_HPP
#define STATICFLOW_EXPR_CONCAT_HPP

#include <array>

#include "staticflow/core/error.hpp"
#include "staticflow/core/shape_error.hpp"
#include "staticflow/expr/remap.hpp"

namespace staticflow {

namespace detail {
/// The operands' shapes joined along `Axis` (dyn if any part is dyn there); `fits` when every
/// other extent agrees (a dyn one is checked at run time).
template <std::size_t Axis, class... S>
struct concat_shape {
  using first = std::tuple_element_t<0, std::tuple<S...>>;
  static constexpr std::size_t rank = first::rank;
  static constexpr bool fits = [] {
    bool ok = ((S::rank == rank) && ...) && Axis < rank;
    for (std::size_t d = 0; ok && d < rank; ++d)
      if (d != Axis)
        for (std::size_t e : {S::extents[d < S::rank ? d : 0]...})
          ok = ok && (e == first::extents[d] || e == dyn || first::extents[d] == dyn);
    return ok;
  }();
  static constexpr std::array<std::size_t, rank> extents = [] {
    std::array<std::size_t, rank> e = first::extents;
    if constexpr (fits) {
      for (std::size_t d = 0; d < rank; ++d)
        for (std::size_t x : {S::extents[d]...})
          if (e[d] == dyn) e[d] = x;
      const bool unknown = ((S::extents[Axis] == dyn) || ...);
      e[Axis] = unknown ? dyn : (S::extents[Axis] + ...);
    }
    return e;
  }();
  using type = typename shape_from_array<extents, rank>::type;
};

[[noreturn, gnu::cold]] inline void throw_concat(std::size_t part, const std::size_t* a, const std::size_t* b, std::size_t rank) {
  detail::fail<invalid_argument>({"sf::concat: part ", part, " has extents ", extents_string(b, rank, false),
                                  ", which differ from the first part's ", extents_string(a, rank, false),
                                  " off the concatenation axis"});
}

/// The evaluators of the parts, reached by part number in device code (no tuple library there).
template <class O, class... E>
struct concat_parts {
  SF_HD_INLINE auto coeff(std::size_t, std::size_t) const { return 0; }
};
template <class O, class E, class... Rest>
struct concat_parts<O, E, Rest...> {
  evaluator<E, typename E::shape_type> head;
  concat_parts<O, Rest...> tail;
  SF_HD_INLINE typename E::value_type coeff(std::size_t part, std::size_t j) const {
    if constexpr (sizeof...(Rest) == 0) return head.coeff(j);
    else return part == 0 ? head.coeff(j) : static_cast<typename E::value_type>(tail.coeff(part - 1, j));
  }
};
template <class O>
concat_parts<O> make_concat_parts() {
  return {};
}
template <class O, class E, class... Rest>
concat_parts<O, E, Rest...> make_concat_parts(const E& e, const Rest&... rest) {
  return {evaluator<E, typename E::shape_type>(e, e.dims()), make_concat_parts<O>(rest...)};
}
}  // namespace detail

template <std::size_t Axis, class... E>
struct concat_node : node_base<concat_node<Axis, E...>> {
  using value_type = typename std::tuple_element_t<0, std::tuple<E...>>::value_type;
  using shape_type = typename detail::concat_shape<Axis, typename E::shape_type...>::type;
  using policy_type = common_policy_t<typename E::policy_type...>;
  static constexpr std::size_t rank = shape_type::rank, parts = sizeof...(E);
  static constexpr const char* name = "sf::concat";
  static constexpr node_traits traits{.pointwise = false};
  meta::values<E...> args;
  dims_t<shape_type> extents;
  std::size_t offset[parts + 1] = {};  ///< where each part starts along the axis (last: the total)

  explicit concat_node(E... e) : args{{{std::move(e)}...}} {
    std::size_t k = 0;
    for_each_child(*this, [&](const auto& a) {
      const auto d = a.dims();
      if (k == 0) extents = d;
      for (std::size_t i = 0; i < rank; ++i)
        if (i != Axis && d[i] != extents[i] && d[i] != dyn && extents[i] != dyn)
          detail::throw_concat(k, extents.v, d.v, rank);
      offset[k + 1] = offset[k] == dyn || d[Axis] == dyn ? dyn : offset[k] + d[Axis];
      ++k;
    });
    extents[Axis] = offset[parts];
  }
  const dims_t<shape_type>& dims() const { return extents; }
  meta::children<E...> children() const { return meta::pointers(args); }
  template <class... B>
  auto rebuild(B... b) const {
    return concat_node<Axis, B...>(std::move(b)...);
  }

  /// Each part gets its block of the gradient, last part first (the reverse of the forward order).
  template <class Ctx, class G>
  void backward(Ctx& ctx, const G& g) const {
    constexpr std::size_t wanting = (std::size_t{has_variables_v<E>} + ...);
    if constexpr (wanting > 1 && !is_tensor_v<G>) {
      backward(ctx, detail::materialize(g, ctx.tmp));  // read by several parts: computed once
    } else {
      [&]<std::size_t... I>(std::index_sequence<I...>) {
        (backward_part<parts - 1 - I>(ctx, g), ...);
      }(std::make_index_sequence<parts>{});
    }
  }

 private:
  template <std::size_t K, class Ctx, class G>
  void backward_part(Ctx& ctx, const G& g) const {
    const auto& part = meta::get<K>(args);
    using C = std::remove_cvref_t<decltype(part)>;
    if constexpr (has_variables_v<C>) {
      remap_plan<rank, rank> plan{};
      plan.in = extents;
      plan.out = part.dims();
      for (std::size_t d = 0; d < rank; ++d)
        plan.axes[d] = {axis_read::affine, d, d == Axis ? static_cast<std::ptrdiff_t>(offset[K]) : 0, 1};
      ctx.propagate(part, plan_read<remap_plan<rank, rank>, G, typename C::shape_type>(plan, g));
    }
  }
};

template <std::size_t Axis, class... E, class O>
struct evaluator<concat_node<Axis, E...>, O> {
  using node = concat_node<Axis, E...>;
  using value_type = typename node::value_type;
  detail::broadcast_map<typename node::shape_type, O> map;
  detail::concat_parts<O, E...> parts;
  std::size_t offset[node::parts + 1];
  std::size_t along, inner;  ///< the output's extent along the axis; elements per step along it
  evaluator(const node& n, const dims_t<O>& out)
      : map(n.dims(), out),
        parts(meta::apply(n.args, [](const auto&... a) { return detail::make_concat_parts<O>(a...); })),
        along(n.dims()[Axis]), inner(1) {
    for (std::size_t k = 0; k <= node::parts; ++k) offset[k] = n.offset[k];
    for (std::size_t d = Axis + 1; d < node::rank; ++d) inner *= n.dims()[d];
  }
  SF_HD_INLINE value_type coeff(std::size_t i) const {
    const std::size_t at = map(i), outer = at / (along * inner), c = at / inner % along, r = at % inner;
    std::size_t k = 0;
    while (c >= offset[k + 1]) ++k;
    const std::size_t width = offset[k + 1] - offset[k];
    return parts.coeff(k, (outer * width + (c - offset[k])) * inner + r);
  }
};

/// The operands joined along `Axis` (all other extents equal, one dtype).
/// **Gradient:** each part's block of the upstream gradient.
/// **Errors:** differing static extents off the axis: compile error; run-time ones: invalid_argument.
template <std::size_t Axis, operand... E>
  requires(sizeof...(E) >= 1)
auto concat(const E&... e) {
  using info = detail::concat_shape<Axis, shape_of_t<E>...>;
  using T = value_t<std::tuple_element_t<0, std::tuple<E...>>>;
  constexpr bool same_dtype = (std::is_same_v<value_t<E>, T> && ...);
  static_assert(same_dtype, "sf::concat: every part must have the same dtype");
  if constexpr (!info::fits)
    SF_SHAPE_ASSERT("sf::concat: the parts' ranks, or their extents off the concatenation axis, differ (or the axis "
                    "is out of range)",
                    shape_text<shape_of_t<E>>..., "axis " + extent_text<Axis>);
  if constexpr (same_dtype && info::fits) return concat_node<Axis, node_t<E>...>(as_node(e)...);
  else return scalar<T>({});
}

}  // namespace staticflow
#endif  // STATICFLOW_EXPR_CONCAT_HPP
