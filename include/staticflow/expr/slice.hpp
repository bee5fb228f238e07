// SPDX-License-Identifier: MIT
/// \file
/// \brief `slice<ints<begin...>, ints<size...>>(x)` (TF's tf.slice) and
/// `strided_slice<ints<begin...>, ints<end...>, ints<stride...>>(x)` (TF's tf.strided_slice).
#pragma once
#ifndef STATICFLOW_EXPR_SLICE_HPP
#define STATICFLOW_EXPR_SLICE_HPP

#include "staticflow/expr/remap.hpp"

namespace staticflow {

/// A block of `Size[d]` elements from `Begin[d]` along every axis; a size of -1 takes the rest.
template <class Begin, class Size>
struct slice_op {
  static constexpr const char* name = "sf::slice";
  template <std::size_t R>
  static constexpr remap_plan<R, R> plan(const index_array<R>& in) {
    remap_plan<R, R> p{};
    p.in = in;
    for (std::size_t d = 0; d < R; ++d) {
      const int b = Begin::values[d], s = Size::values[d];
      p.axes[d] = {axis_read::affine, d, b, 1};
      if (b < 0 || s < -1) p.error = "a begin is negative or a size below -1";
      if (in[d] == dyn) {
        p.out[d] = s == -1 ? dyn : static_cast<std::size_t>(s);
      } else {
        const std::size_t n = in[d], take = s == -1 ? (static_cast<std::size_t>(b) <= n ? n - b : 0) : s;
        if (static_cast<std::size_t>(b) + take > n) p.error = "the slice reaches past the end of an axis";
        p.out[d] = take;
      }
    }
    return p;
  }
};

/// Python's `x[begin:end:stride]` on every axis: negative begins and ends count from the end,
/// both are clamped, a negative stride walks backwards, `sf::whole` leaves a bound open.
template <class Begin, class End, class Stride>
struct strided_slice_op {
  static constexpr const char* name = "sf::strided_slice";
  template <std::size_t R>
  static constexpr remap_plan<R, R> plan(const index_array<R>& in) {
    remap_plan<R, R> p{};
    p.in = in;
    for (std::size_t d = 0; d < R; ++d) {
      const std::ptrdiff_t stride = Stride::values[d];
      if (stride == 0) {
        p.error = "a stride is 0";
        continue;
      }
      if (in[d] == dyn) {  // unknown until fed: the count depends on the extent
        p.out[d] = dyn;
        p.axes[d] = {axis_read::affine, d, 0, stride};
        continue;
      }
      const auto n = static_cast<std::ptrdiff_t>(in[d]);
      const std::ptrdiff_t lo = stride > 0 ? 0 : -1, hi = stride > 0 ? n : n - 1;
      auto bound = [&](int v, std::ptrdiff_t open) {
        if (v == whole) return open;
        std::ptrdiff_t x = v < 0 ? v + n : v;
        return x < lo ? lo : (x > hi ? hi : x);
      };
      const std::ptrdiff_t b = bound(Begin::values[d], stride > 0 ? 0 : n - 1);
      const std::ptrdiff_t e = bound(End::values[d], stride > 0 ? n : -1);
      const std::ptrdiff_t span = stride > 0 ? e - b : b - e, step = stride > 0 ? stride : -stride;
      p.out[d] = span > 0 ? static_cast<std::size_t>((span + step - 1) / step) : 0;
      p.axes[d] = {axis_read::affine, d, b, stride};
    }
    return p;
  }
};

namespace detail {
template <class List, std::size_t Rank>
struct check_param_count {
  static_assert(List::size == Rank, "sf::slice / sf::strided_slice: give one begin, size (end) and stride per axis");
  static constexpr bool value = List::size == Rank;
};
}  // namespace detail

/// **Shape:** extent d becomes Size[d] (the rest of the axis for -1).
/// **Gradient:** the upstream gradient in the block, zero elsewhere.
/// **Errors:** a block past the end: compile error for static extents, invalid_argument at run time.
template <class Begin, class Size, operand E>
auto slice(const E& e) {
  constexpr std::size_t rank = shape_of_t<E>::rank;
  if constexpr (detail::check_param_count<Begin, rank>::value && detail::check_param_count<Size, rank>::value)
    return detail::make_remap<slice_op<Begin, Size>>(e);
  else return scalar<value_t<E>>({});
}

/// **Shape:** ceil((end - begin) / stride) per axis after clamping (0 when empty).
/// **Gradient:** each read element's upstream gradient back in its place, zero elsewhere.
template <class Begin, class End, class Stride, operand E>
auto strided_slice(const E& e) {
  constexpr std::size_t rank = shape_of_t<E>::rank;
  if constexpr (detail::check_param_count<Begin, rank>::value && detail::check_param_count<End, rank>::value &&
                detail::check_param_count<Stride, rank>::value)
    return detail::make_remap<strided_slice_op<Begin, End, Stride>>(e);
  else return scalar<value_t<E>>({});
}

}  // namespace staticflow
#endif  // STATICFLOW_EXPR_SLICE_HPP
