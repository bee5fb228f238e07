// SPDX-License-Identifier: MIT
/// \file
/// \brief 2-D convolution and pooling over NHWC tensors (TF's tf.nn.conv2d, max_pool, avg_pool),
/// as materialised ops with their own forward and backward kernels.
///
/// On the host, convolution and its two gradients are direct kernels over the NHWC input and
/// the HWIO filter, vectorised over blocks of filters (ops/conv_direct.hpp). Fine-grained
/// policies (GPUs) run im2col into a workspace block plus one GEMM (the filter is already the
/// [kh * kw * c, f] matrix); the filter gradient is the transposed GEMM on the same im2col
/// matrix and the input gradient a GEMM followed by a gathering col2im. Pooling runs one kernel
/// per output (forward) or per input element (backward).
#pragma once

#include <cstdint>

#include <cstddef>
#include <string>
#include <type_traits>

#include "staticflow/core/error.hpp"
#include "staticflow/expr/op_node.hpp"
#include "staticflow/ops/conv.hpp"
#include "staticflow/ops/conv_direct.hpp"

namespace staticflow {

template <class P>
struct executor;

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

  /// The im2col matrix [positions, patch] of x (fine-grained policies): x itself for a 1x1,
  /// stride-1 filter. Built once per run: the filter gradient reuses the forward pass's matrix
  /// (found by the input's address and the window, which identify it within a run).
  template <class P, class X, class Tmp>
  static const typename X::value_type* columns(const X& x, const ops::window_geometry& g, Tmp& tmp) {
    using T = typename X::value_type;
    if (g.kh == 1 && g.kw == 1 && g.sh == 1 && g.sw == 1) return x.data();
    node_id key;
    key.value = reinterpret_cast<std::uintptr_t>(x.data()) ^ (g.kh << 56) ^ (g.kw << 48) ^ (g.sh << 40) ^
                (g.sw << 32) ^ (g.pad_top << 24) ^ (g.pad_left << 16) ^ (std::uint64_t{1} << 63);
    if (void* done = tmp.find(key)) return static_cast<const T*>(done);
    auto col = tmp.template make<T, shape<dyn, dyn>>(dims_t<shape<dyn, dyn>>{g.positions(), g.patch()});
    executor<P>::for_each(ops::im2col_element<T>::count(g), ops::im2col_element<T>{col.data(), x.data(), g});
    tmp.remember(key, col.data());
    return col.data();
  }

  /// The filter with its rows padded to whole blocks of filters (the host's direct kernels).
  template <class P, class F, class Tmp>
  static const typename F::value_type* padded_rows(const F& f, std::size_t padded, Tmp& tmp) {
    using T = typename F::value_type;
    const std::size_t rows = f.dim(0) * f.dim(1) * f.dim(2), filters = f.dim(3);
    if (padded == filters) return f.data();
    auto w = tmp.template make<T, shape<dyn, dyn>>(dims_t<shape<dyn, dyn>>{rows, padded});
    executor<P>::for_each(rows, ops::pad_filter_rows<T>{w.data(), f.data(), filters, padded});
    return w.data();
  }

  template <class P, class Out, class X, class F, class Tmp>
  static void forward(const Out& out, const X& x, const F& f, Tmp& tmp) {
    using T = typename X::value_type;
    const auto g = geometry(x, f);
    const std::size_t filters = f.dim(3);
    if constexpr (P::fine_grained) {
      const T* col = columns<P>(x, g, tmp);
      executor<P>::gemm(false, false, g.positions(), filters, g.patch(), T(1), col, f.data(), T(0), out.data());
    } else if (ops::conv_forward_single_channel<T>::applies(g)) {
      using kernel = ops::conv_forward_single_channel<T>;
      executor<P>::for_each(kernel::count(g), kernel{out.data(), x.data(), f.data(), g, filters}, kernel::work(g, filters));
    } else {
      using kernel = ops::conv_forward_direct<T>;
      const std::size_t padded = ops::padded_filters<T>(filters);
      const T* w = padded_rows<P>(f, padded, tmp);
      executor<P>::for_each(kernel::count(g), kernel{out.data(), x.data(), w, g, filters, padded}, kernel::work(g, padded));
    }
  }

  /// Side 0: d input; side 1: d filter. Fine-grained policies: col2im(g w^T) and
  /// im2col(x)^T g; the host: the direct kernels.
  template <int Side, class P, class D, class X, class F, class V, class G, class Tmp>
  static void backward(const D& d, const X& x, const F& f, const V&, const G& gy, Tmp& tmp) {
    using T = typename X::value_type;
    const auto g = geometry(x, f);
    const std::size_t filters = f.dim(3);
    if constexpr (P::fine_grained) {
      if constexpr (Side == 0) {
        const bool identity = g.kh == 1 && g.kw == 1 && g.sh == 1 && g.sw == 1;
        T* dcol = identity ? d.data()
                           : tmp.template make<T, shape<dyn, dyn>>(dims_t<shape<dyn, dyn>>{g.positions(), g.patch()}).data();
        executor<P>::gemm(false, true, g.positions(), g.patch(), filters, T(1), gy.data(), f.data(), T(0), dcol);
        if (identity) return;
        executor<P>::for_each(ops::col2im_element<T>::count(g), ops::col2im_element<T>{d.data(), dcol, g});
      } else {
        const T* col = columns<P>(x, g, tmp);
        executor<P>::gemm(true, false, g.patch(), filters, g.positions(), T(1), col, gy.data(), T(0), d.data());
      }
    } else if constexpr (Side == 0) {
      using kernel = ops::conv_input_grad_direct<T>;
      const std::size_t run = g.kw * g.c, run_padded = ops::padded_filters<T>(run);
      auto wt = tmp.template make<T, shape<dyn, dyn>>(dims_t<shape<dyn, dyn>>{g.kh * filters, run_padded});
      executor<P>::for_each(g.kh * filters, ops::transpose_filter_rows<T>{wt.data(), f.data(), filters, run, run_padded});
      executor<P>::for_each(g.n, kernel{d.data(), gy.data(), wt.data(), g, filters, run_padded},
                            kernel::work(g, filters, run_padded));
    } else if (ops::conv_filter_grad_paired<T>::applies(filters)) {
      using kernel = ops::conv_filter_grad_paired<T>;
      const std::size_t size = g.patch() * filters;
      auto part = tmp.template make<T, shape<dyn, dyn>>(dims_t<shape<dyn, dyn>>{kernel::splits, size});
      executor<P>::for_each(kernel::count(g), kernel{part.data(), x.data(), gy.data(), g, filters}, kernel::work(g));
      executor<P>::for_each(size, ops::sum_partials<T>{d.data(), part.data(), size, kernel::splits});
    } else {
      using kernel = ops::conv_filter_grad_direct<T>;
      const std::size_t padded = ops::padded_filters<T>(filters), size = g.patch() * filters;
      auto part = tmp.template make<T, shape<dyn, dyn>>(dims_t<shape<dyn, dyn>>{kernel::splits, size});
      executor<P>::for_each(kernel::count(g, padded), kernel{part.data(), x.data(), gy.data(), g, filters, padded},
                            kernel::work(g));
      executor<P>::for_each(size, ops::sum_partials<T>{d.data(), part.data(), size, kernel::splits});
    }
  }
};

namespace detail {

/// The compile-time rules of conv2d, each with its message; `value` says whether all hold.
template <class SX, class SF, std::size_t SH, std::size_t SW, padding Pad>
struct check_conv2d {
  static constexpr bool ranks = SX::rank == 4 && SF::rank == 4;
  static_assert(SX::rank == 4, "sf::conv2d: the input must be NHWC, rank 4 [batch, height, width, channels]");
  static_assert(SF::rank == 4, "sf::conv2d: the filter must be HWIO, rank 4 [height, width, in_channels, out_channels]");
  static_assert(SH >= 1 && SW >= 1, "sf::conv2d: strides must be at least 1");
  static constexpr std::size_t at(const auto& e, std::size_t i) { return i < e.size() ? e[i] : dyn; }
  static constexpr bool channels = !ranks || at(SX::extents, 3) == dyn || at(SF::extents, 2) == dyn ||
                                   at(SX::extents, 3) == at(SF::extents, 2);
  static_assert(channels, "sf::conv2d: the filter's input channels differ from the input's channels");
  static constexpr bool fits(std::size_t in, std::size_t k) { return Pad == padding::same || in == dyn || k == dyn || k <= in; }
  static constexpr bool fit = !ranks || (fits(at(SX::extents, 1), at(SF::extents, 0)) &&
                                         fits(at(SX::extents, 2), at(SF::extents, 1)));
  static_assert(fit, "sf::conv2d: the filter is larger than the input with VALID padding");
  static constexpr bool value = ranks && SH >= 1 && SW >= 1 && channels && fit;
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
    using T = typename X::value_type;
    const auto g = detail::make_window_geometry<Pad>(x.dims(), KH, KW, SH, SW);
    if constexpr (!P::fine_grained)
      if (ops::windows_tile(g))
        return executor<P>::for_each(g.n * g.oh, ops::pool_tiled_forward<T, Max, KH, KW>{out.data(), x.data(), g},
                                     g.w * g.c * KH);
    executor<P>::for_each(ops::pool_forward<T, Max>::count(g), ops::pool_forward<T, Max>{out.data(), x.data(), g}, g.c * KH * KW);
  }

  template <int Side, class P, class D, class X, class V, class G, class Tmp>
  static void backward(const D& d, const X& x, const V&, const G& gy, Tmp&) {
    using T = typename X::value_type;
    const auto g = detail::make_window_geometry<Pad>(x.dims(), KH, KW, SH, SW);
    if constexpr (!P::fine_grained)
      if (ops::windows_tile(g))
        return executor<P>::for_each(g.n * g.oh, ops::pool_tiled_backward<T, Max, KH, KW>{d.data(), x.data(), gy.data(), g},
                                     g.w * g.c * KH);
    if (ops::windows_tile(g))
      executor<P>::for_each(g.positions(), ops::pool_backward_tiled<T, Max>{d.data(), x.data(), gy.data(), g}, g.c * KH * KW);
    else
      executor<P>::for_each(d.size(), ops::pool_backward<T, Max>{d.data(), x.data(), gy.data(), g}, KH * KW);
  }
};

namespace detail {

template <class SX, std::size_t KH, std::size_t KW, std::size_t SH, std::size_t SW, padding Pad>
struct check_pool2d {
  static_assert(SX::rank == 4, "sf::max_pool2d / sf::avg_pool2d: the input must be NHWC, rank 4 [batch, height, width, channels]");
  static_assert(KH >= 1 && KW >= 1, "sf::max_pool2d / sf::avg_pool2d: the window must be at least 1x1");
  static_assert(SH >= 1 && SW >= 1, "sf::max_pool2d / sf::avg_pool2d: strides must be at least 1");
  static constexpr std::size_t at(std::size_t i) { return i < SX::rank ? SX::extents[i] : dyn; }
  static constexpr bool fits(std::size_t in, std::size_t k) { return Pad == padding::same || in == dyn || k <= in; }
  static constexpr bool fit = fits(at(1), KH) && fits(at(2), KW);
  static_assert(fit, "sf::max_pool2d / sf::avg_pool2d: the window is larger than the input with VALID padding");
  static constexpr bool value = SX::rank == 4 && KH >= 1 && KW >= 1 && SH >= 1 && SW >= 1 && fit;
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
