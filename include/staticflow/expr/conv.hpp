// SPDX-License-Identifier: MIT
/// \file
/// \brief 2-D convolution and pooling over NHWC tensors (TF's tf.nn.conv2d, max_pool, avg_pool),
/// as materialised ops: the shape rules and gradients here, the kernels per device in
/// device/host/conv2d.hpp (direct kernels over the NHWC input and HWIO filter), pool2d.hpp
/// (tiled windows), and device/cuda/conv2d.cuh (im2col + GEMM), pool2d.cuh.
#pragma once
#ifndef STATICFLOW_EXPR_CONV_HPP
#define STATICFLOW_EXPR_CONV_HPP

#include <cstdint>

#include <cstddef>
#include <string>
#include <type_traits>

#include "staticflow/core/error.hpp"
#include "staticflow/core/shape_error.hpp"
#include "staticflow/expr/op_node.hpp"
#include "staticflow/ops/conv.hpp"

namespace staticflow {

/// The kernels of conv2d and of pooling, per device (`device_kernel<conv2d_kernels, host>` in
/// device/host/conv2d.hpp, `<..., cuda>` in device/cuda/conv2d.cuh; pool2d.* likewise).
struct conv2d_kernels;
template <bool Max, std::size_t KH, std::size_t KW>
struct pool2d_kernels;

/// How windows meet the border (TF's padding="SAME" / "VALID").
/// `same`: ceil(in / stride) outputs, the input padded as evenly as possible (the odd cell
/// after: bottom / right). `valid`: only windows inside the input, ceil((in - k + 1) / stride).
enum class padding { same, valid };

namespace detail {

/// Output extent along one axis (dyn stays dyn; 0 when a VALID window does not fit).
constexpr std::size_t window_out_extent(std::size_t in, std::size_t k, std::size_t s, padding p) {
  if (in == dyn || k == dyn) return dyn;
  if (p == padding::same) return (in + s - 1) / s;
  return in >= k ? (in - k) / s + 1 : 0;
}

/// Padding cells before the first row (column): half the total, rounded down (TF).
constexpr std::size_t window_pad_before(std::size_t in, std::size_t k, std::size_t s, padding p, std::size_t out) {
  if (p == padding::valid || out == 0) return 0;
  const std::size_t needed = (out - 1) * s + k;
  return needed > in ? (needed - in) / 2 : 0;
}

/// The geometry of windows of `k_h x k_w` with strides over input extents [n, h, w, c].
template <padding Pad, class D>
ops::window_geometry make_window_geometry(const D& in, std::size_t k_h, std::size_t k_w, std::size_t s_h,
                                          std::size_t s_w) {
  ops::window_geometry g{};
  g.n = in[0], g.h = in[1], g.w = in[2], g.c = in[3];
  g.kh = k_h, g.kw = k_w, g.sh = s_h, g.sw = s_w;
  g.oh = window_out_extent(g.h, k_h, s_h, Pad);
  g.ow = window_out_extent(g.w, k_w, s_w, Pad);
  g.pad_top = window_pad_before(g.h, k_h, s_h, Pad, g.oh);
  g.pad_left = window_pad_before(g.w, k_w, s_w, Pad, g.ow);
  return g;
}

// The messages are built out of line: one copy of their code, however many layers check.
[[noreturn, gnu::cold]] inline void throw_window_too_large(const char* what, std::size_t in, std::size_t k,
                                                          const char* axis) {
  detail::fail<invalid_argument>({what, ": the window (", k, ") is larger than the input's ", axis, " (", in,
                                  ") with VALID padding"});
}
[[noreturn, gnu::cold]] inline void throw_conv_channels(const std::size_t* x, const std::size_t* f) {
  detail::fail<invalid_argument>({"sf::conv2d: the filter ", extents_string(f, 4, false), " expects ", f[2],
                                  " input channels but the input ", extents_string(x, 4, false), " has ", x[3]});
}

/// A VALID window must fit the input (checked at run time where an extent was dyn at compile time).
inline void check_window_fits(const char* what, padding p, std::size_t in, std::size_t k, const char* axis) {
  if (p == padding::valid && in != dyn && k != dyn && k > in) throw_window_too_large(what, in, k, axis);
}

/// [n, oh, ow, c] for windows over an NHWC input.
template <class SX, std::size_t KH, std::size_t KW, std::size_t SH, std::size_t SW, padding Pad, std::size_t C>
using windowed_shape = shape<SX::extents[0], window_out_extent(SX::extents[1], KH, SH, Pad),
                             window_out_extent(SX::extents[2], KW, SW, Pad), C>;

}  // namespace detail

// ---- convolution ------------------------------------------------------------------------------------------

/// conv2d(x, w)[n, i, j, f] = sum over (a, b, c) of x[n, i*SH + a - pt, j*SW + b - pl, c] * w[a, b, c, f].
template <std::size_t SH, std::size_t SW, padding Pad>
struct conv2d_op {
  static constexpr const char* name = "sf::conv2d";
  static constexpr const char* tf_op = "Conv2D";
  template <class B>
  void tf_attrs(B& b) const {
    b.ints("strides", {1, SH, SW, 1});
    b.ints("dilations", {1, 1, 1, 1});
    b.string("padding", Pad == padding::same ? "SAME" : "VALID");
    b.string("data_format", "NHWC");
    b.flag("use_cudnn_on_gpu", true);
  }
  template <class SX, class SF>
  using result_shape = detail::windowed_shape<SX, SF::extents[0], SF::extents[1], SH, SW, Pad, SF::extents[3]>;

  template <class S, class DX, class DF>
  static dims_t<S> result_dims(const DX& x, const DF& f) {
    if (x[3] != dyn && f[2] != dyn && x[3] != f[2]) detail::throw_conv_channels(x.v, f.v);
    detail::check_window_fits(name, Pad, x[1], f[0], "height");
    detail::check_window_fits(name, Pad, x[2], f[1], "width");
    return {x[0], detail::window_out_extent(x[1], f[0], SH, Pad), detail::window_out_extent(x[2], f[1], SW, Pad), f[3]};
  }

  template <class X, class F>
  static ops::window_geometry geometry(const X& x, const F& f) {
    return detail::make_window_geometry<Pad>(x.dims(), f.dim(0), f.dim(1), SH, SW);
  }

  template <class P, class Out, class X, class F, class Tmp>
  static void forward(const Out& out, const X& x, const F& f, Tmp& tmp) {
    device_kernel<conv2d_kernels, P>::forward(out.data(), x.data(), f.data(), geometry(x, f), f.dim(3), tmp);
  }

  /// Side 0: d input; side 1: d filter.
  template <int Side, class P, class D, class X, class F, class V, class G, class Tmp>
  static void backward(const D& d, const X& x, const F& f, const V&, const G& gy, Tmp& tmp) {
    using kernels = device_kernel<conv2d_kernels, P>;
    if constexpr (Side == 0) kernels::input_grad(d.data(), f.data(), gy.data(), geometry(x, f), f.dim(3), tmp);
    else kernels::filter_grad(d.data(), x.data(), gy.data(), geometry(x, f), f.dim(3), tmp);
  }
};

namespace detail {

/// The compile-time rules of conv2d; `value` says whether all hold. A failure states the
/// first broken rule once, with both shapes ("input [?, 4, 4, 1], filter [5, 5, 1, 6]").
template <class SX, class SF, std::size_t SH, std::size_t SW, padding Pad>
struct check_conv2d {
  static constexpr bool ranks = SX::rank == 4 && SF::rank == 4;
  static constexpr std::size_t at(const auto& e, std::size_t i) { return i < e.size() ? e[i] : dyn; }
  static constexpr bool channels = !ranks || at(SX::extents, 3) == dyn || at(SF::extents, 2) == dyn ||
                                   at(SX::extents, 3) == at(SF::extents, 2);
  static constexpr bool fits(std::size_t in, std::size_t k) { return Pad == padding::same || in == dyn || k == dyn || k <= in; }
  static constexpr bool fit = !ranks || (fits(at(SX::extents, 1), at(SF::extents, 0)) &&
                                         fits(at(SX::extents, 2), at(SF::extents, 1)));
  static constexpr bool value = [] {
    constexpr bool ok = ranks && SH >= 1 && SW >= 1 && channels && fit;
    if constexpr (!ok) {
      constexpr auto input = "input " + shape_text<SX>;
      constexpr auto filter = "filter " + shape_text<SF>;
      if constexpr (SX::rank != 4)
        SF_SHAPE_ASSERT("sf::conv2d: the input must be NHWC, rank 4 [batch, height, width, channels]", input,
                        filter);
      else if constexpr (SF::rank != 4)
        SF_SHAPE_ASSERT("sf::conv2d: the filter must be HWIO, rank 4 [height, width, in_channels, out_channels]",
                        input, filter);
      else if constexpr (SH == 0 || SW == 0)
        static_assert(SH >= 1 && SW >= 1, "sf::conv2d: strides must be at least 1");
      else if constexpr (!channels)
        SF_SHAPE_ASSERT("sf::conv2d: the filter's input channels differ from the input's channels", input, filter);
      else
        SF_SHAPE_ASSERT("sf::conv2d: the filter is larger than the input with VALID padding", input, filter);
    }
    return ok;
  }();
};

}  // namespace detail

/// `sf::conv2d<SH, SW, Pad>(input, filter)`: TF's tf.nn.conv2d(input, filter, [1, SH, SW, 1], Pad)
/// (a cross-correlation, as TF). **Shape:** [N, H, W, C] with [KH, KW, C, F] ->
/// [N, OH, OW, F]; SAME: OH = ceil(H / SH); VALID: OH = ceil((H - KH + 1) / SH).
/// **Errors:** ranks other than 4, channel mismatch, a VALID filter larger than the input:
/// compile errors (or invalid_argument when the extents are only known at run time).
/// **Gradient:** with respect to the input and the filter.
template <std::size_t SH, std::size_t SW, padding Pad, operand X, operand F>
auto conv2d(const X& input, const F& filter) {
  static_assert(std::is_same_v<value_t<X>, value_t<F>>, "sf: mixing dtypes requires an explicit sf::cast<T>");
  if constexpr (detail::check_conv2d<shape_of_t<X>, shape_of_t<F>, SH, SW, Pad>::value)
    return make_op_node(conv2d_op<SH, SW, Pad>{}, input, filter);
  else return scalar<value_t<X>>({});  // never used: a static_assert has failed
}

/// `sf::conv2d<Pad>(input, filter)`: stride 1.
template <padding Pad, operand X, operand F>
auto conv2d(const X& input, const F& filter) {
  return conv2d<1, 1, Pad>(input, filter);
}

// ---- pooling ----------------------------------------------------------------------------------------------

/// Max (`Max`) or average pooling over KH x KW windows, per channel.
template <std::size_t KH, std::size_t KW, std::size_t SH, std::size_t SW, padding Pad, bool Max>
struct pool2d_op {
  static constexpr const char* name = Max ? "sf::max_pool2d" : "sf::avg_pool2d";
  static constexpr const char* tf_op = Max ? "MaxPool" : "AvgPool";
  template <class B>
  void tf_attrs(B& b) const {
    b.ints("ksize", {1, KH, KW, 1});
    b.ints("strides", {1, SH, SW, 1});
    b.string("padding", Pad == padding::same ? "SAME" : "VALID");
    b.string("data_format", "NHWC");
  }
  template <class SX>
  using result_shape = detail::windowed_shape<SX, KH, KW, SH, SW, Pad, SX::extents[3]>;

  template <class S, class DX>
  static dims_t<S> result_dims(const DX& x) {
    detail::check_window_fits(name, Pad, x[1], KH, "height");
    detail::check_window_fits(name, Pad, x[2], KW, "width");
    return {x[0], detail::window_out_extent(x[1], KH, SH, Pad), detail::window_out_extent(x[2], KW, SW, Pad), x[3]};
  }

  template <class P, class Out, class X, class Tmp>
  static void forward(const Out& out, const X& x, Tmp&) {
    device_kernel<pool2d_kernels<Max, KH, KW>, P>::forward(out.data(), x.data(),
                                                          detail::make_window_geometry<Pad>(x.dims(), KH, KW, SH, SW));
  }

  template <int Side, class P, class D, class X, class V, class G, class Tmp>
  static void backward(const D& d, const X& x, const V&, const G& gy, Tmp&) {
    device_kernel<pool2d_kernels<Max, KH, KW>, P>::backward(d.data(), x.data(), gy.data(),
                                                           detail::make_window_geometry<Pad>(x.dims(), KH, KW, SH, SW));
  }
};

namespace detail {

template <class SX, std::size_t KH, std::size_t KW, std::size_t SH, std::size_t SW, padding Pad>
struct check_pool2d {
  static constexpr std::size_t at(std::size_t i) { return i < SX::rank ? SX::extents[i] : dyn; }
  static constexpr bool fits(std::size_t in, std::size_t k) { return Pad == padding::same || in == dyn || k <= in; }
  static constexpr bool fit = fits(at(1), KH) && fits(at(2), KW);
  static constexpr bool value = [] {  // one message, for the first rule broken
    constexpr bool ok = SX::rank == 4 && KH >= 1 && KW >= 1 && SH >= 1 && SW >= 1 && fit;
    if constexpr (!ok) {
      constexpr auto input = "input " + shape_text<SX>;
      constexpr auto window = "window " + extent_text<KH> + "x" + extent_text<KW>;
      if constexpr (SX::rank != 4)
        SF_SHAPE_ASSERT("sf::max_pool2d / sf::avg_pool2d: the input must be NHWC, rank 4 [batch, height, width, channels]",
                        input, window);
      else if constexpr (KH == 0 || KW == 0)
        static_assert(KH >= 1 && KW >= 1, "sf::max_pool2d / sf::avg_pool2d: the window must be at least 1x1");
      else if constexpr (SH == 0 || SW == 0)
        static_assert(SH >= 1 && SW >= 1, "sf::max_pool2d / sf::avg_pool2d: strides must be at least 1");
      else
        SF_SHAPE_ASSERT("sf::max_pool2d / sf::avg_pool2d: the window is larger than the input with VALID padding",
                        input, window);
    }
    return ok;
  }();
};

template <std::size_t KH, std::size_t KW, std::size_t SH, std::size_t SW, padding Pad, bool Max, class X>
auto pool2d(const X& input) {
  if constexpr (check_pool2d<shape_of_t<X>, KH, KW, SH, SW, Pad>::value)
    return make_op_node(pool2d_op<KH, KW, SH, SW, Pad, Max>{}, input);
  else return scalar<value_t<X>>({});  // never used: a static_assert has failed
}

}  // namespace detail

/// `sf::max_pool2d<KH, KW, SH, SW, Pad>(x)`: TF's tf.nn.max_pool(x, [1, KH, KW, 1], [1, SH, SW, 1], Pad).
/// Padding cells never win. **Shape:** [N, H, W, C] -> [N, OH, OW, C] (as conv2d).
/// **Gradient:** to the first maximal cell of each window in row-major order (TF's MaxPoolGrad).
template <std::size_t KH, std::size_t KW, std::size_t SH, std::size_t SW, padding Pad, operand X>
auto max_pool2d(const X& input) {
  return detail::pool2d<KH, KW, SH, SW, Pad, true>(input);
}

/// `sf::avg_pool2d<KH, KW, SH, SW, Pad>(x)`: TF's tf.nn.avg_pool; the mean of each window's
/// cells inside the input (SAME windows at the border divide by fewer cells, as TF).
/// **Gradient:** each window's upstream gradient shared equally among its cells.
template <std::size_t KH, std::size_t KW, std::size_t SH, std::size_t SW, padding Pad, operand X>
auto avg_pool2d(const X& input) {
  return detail::pool2d<KH, KW, SH, SW, Pad, false>(input);
}

}  // namespace staticflow
#endif  // STATICFLOW_EXPR_CONV_HPP
