// SPDX-License-Identifier: MIT
/// \file
/// \brief Kernels of 2-D convolution and pooling over NHWC tensors: im2col and its gathering
/// inverse (the GPU's convolution, device/cuda/conv2d.cuh; the host's is device/host/conv2d.hpp), pooling forward and
/// backward. Each is an SF_HD functor run through `executor<P>::for_each`, where no two
/// indices write the same memory (race-free on CUDA without atomics).
#pragma once
#ifndef STATICFLOW_OPS_CONV_HPP
#define STATICFLOW_OPS_CONV_HPP

#include <cstddef>

#include "staticflow/config.hpp"

namespace staticflow::ops {

/// Where the windows of a convolution or pooling lie: the input [n, h, w, c], the window
/// [kh, kw], the strides, the output [oh, ow] and the padding before the first row / column
/// (cells outside the input are padding: zeros for convolution, ignored by pooling).
struct window_geometry {
  std::size_t n, h, w, c;
  std::size_t kh, kw;
  std::size_t sh, sw;
  std::size_t oh, ow;
  std::size_t pad_top, pad_left;

  /// Elements of one im2col row: a window over all channels (the filter's rows, HWI order).
  SF_HD_INLINE std::size_t patch() const { return kh * kw * c; }
  /// Rows of the im2col matrix: one per output position.
  SF_HD_INLINE std::size_t positions() const { return n * oh * ow; }
};

/// The output rows (or columns) whose windows cover input row `x`: [first, last) along an
/// axis with window `k`, stride `s`, `pad` cells before and `out` outputs.
struct covering_range {
  std::size_t first, last;
  SF_HD_INLINE covering_range(std::size_t x, std::size_t k, std::size_t s, std::size_t pad, std::size_t out) {
    const std::size_t p = x + pad;  // position in the padded input
    first = p + 1 > k ? (p + 1 - k + s - 1) / s : 0;
    last = p / s + 1 < out ? p / s + 1 : out;
  }
};

/// col[(n, oh, ow), (kh, kw, c)] = x[n, oh*sh + kh - pad_top, ow*sw + kw - pad_left, c], or 0
/// in the padding: one index per element of col (fine-grained policies).
template <class T>
struct im2col_element {
  T* col;
  const T* x;
  window_geometry g;
  SF_HD_INLINE void operator()(std::size_t i) const {
    const std::size_t p = i / g.patch(), k = i - p * g.patch();
    const std::size_t ch = k % g.c, kw_i = (k / g.c) % g.kw, kh_i = k / (g.c * g.kw);
    const std::size_t ow_i = p % g.ow, oh_i = (p / g.ow) % g.oh, n_i = p / (g.ow * g.oh);
    // Left of or above the input these wrap around to huge values: padding, like below or right.
    const std::size_t y = oh_i * g.sh + kh_i - g.pad_top, z = ow_i * g.sw + kw_i - g.pad_left;
    col[i] = y < g.h && z < g.w ? x[((n_i * g.h + y) * g.w + z) * g.c + ch] : T(0);
  }
  static std::size_t count(const window_geometry& g) { return g.positions() * g.patch(); }
};

/// The inverse of im2col for gradients: dx[n, y, z, c] = the sum of every col entry that
/// im2col copied from x[n, y, z, c]. One index per element of dx: it gathers, so no scatter
/// and no races.
template <class T>
struct col2im_element {
  T* dx;
  const T* col;
  window_geometry g;
  SF_HD_INLINE void operator()(std::size_t i) const {
    const std::size_t ch = i % g.c, z = (i / g.c) % g.w, y = (i / (g.c * g.w)) % g.h, n_i = i / (g.c * g.w * g.h);
    const covering_range rows(y, g.kh, g.sh, g.pad_top, g.oh);
    const covering_range cols(z, g.kw, g.sw, g.pad_left, g.ow);
    T acc = T(0);
    for (std::size_t oh_i = rows.first; oh_i < rows.last; ++oh_i) {
      const std::size_t kh_i = y + g.pad_top - oh_i * g.sh;
      for (std::size_t ow_i = cols.first; ow_i < cols.last; ++ow_i) {
        const std::size_t kw_i = z + g.pad_left - ow_i * g.sw;
        acc += col[((n_i * g.oh + oh_i) * g.ow + ow_i) * g.patch() + (kh_i * g.kw + kw_i) * g.c + ch];
      }
    }
    dx[i] = acc;
  }
  static std::size_t count(const window_geometry& g) { return g.n * g.h * g.w * g.c; }
};

/// The cells of one pooling window that lie inside the input: rows [y0, y1), columns [z0, z1).
struct pool_window {
  std::size_t y0, y1, z0, z1;
  SF_HD_INLINE pool_window(const window_geometry& g, std::size_t oh_i, std::size_t ow_i) {
    const std::size_t top = oh_i * g.sh, left = ow_i * g.sw;  // in padded coordinates
    y0 = top > g.pad_top ? top - g.pad_top : 0;
    z0 = left > g.pad_left ? left - g.pad_left : 0;
    y1 = top + g.kh - g.pad_top < g.h ? top + g.kh - g.pad_top : g.h;
    z1 = left + g.kw - g.pad_left < g.w ? left + g.kw - g.pad_left : g.w;
  }
  SF_HD_INLINE std::size_t cells() const { return (y1 - y0) * (z1 - z0); }
};

/// The first maximal cell of a window in row-major order, as an index into x (TF's MaxPool
/// and MaxPoolGrad agree on it, so the gradient goes to exactly one cell per window).
template <class T>
SF_HD_INLINE std::size_t first_max(const T* x, const window_geometry& g, const pool_window& win, std::size_t n_i,
                                   std::size_t ch) {
  std::size_t best = ((n_i * g.h + win.y0) * g.w + win.z0) * g.c + ch;
  for (std::size_t y = win.y0; y < win.y1; ++y)
    for (std::size_t z = win.z0; z < win.z1; ++z) {
      const std::size_t at = ((n_i * g.h + y) * g.w + z) * g.c + ch;
      if (x[at] > x[best]) best = at;
    }
  return best;
}

/// y[n, oh, ow, c] = max or mean of the window's cells inside the input (padding never counts:
/// SAME average pooling divides by the number of real cells, as TF).
template <class T, bool Max>
struct pool_forward {
  T* y;
  const T* x;
  window_geometry g;
  /// One index per output position (n, oh, ow), all channels at once (contiguous in NHWC).
  SF_HD_INLINE void operator()(std::size_t p) const {
    const std::size_t ow_i = p % g.ow, oh_i = (p / g.ow) % g.oh, n_i = p / (g.ow * g.oh);
    const pool_window win(g, oh_i, ow_i);
    T* out = y + p * g.c;
    const T* first = x + ((n_i * g.h + win.y0) * g.w + win.z0) * g.c;
    for (std::size_t ch = 0; ch < g.c; ++ch) out[ch] = Max ? first[ch] : T(0);
    for (std::size_t r = win.y0; r < win.y1; ++r)
      for (std::size_t z = win.z0; z < win.z1; ++z) {
        const T* cell = x + ((n_i * g.h + r) * g.w + z) * g.c;
        for (std::size_t ch = 0; ch < g.c; ++ch) {
          if constexpr (Max) out[ch] = cell[ch] > out[ch] ? cell[ch] : out[ch];
          else out[ch] += cell[ch];
        }
      }
    if constexpr (!Max)
      for (std::size_t ch = 0; ch < g.c; ++ch) out[ch] /= static_cast<T>(win.cells());
  }
  static std::size_t count(const window_geometry& g) { return g.positions(); }
};

/// True when pooling windows neither overlap nor leave cells out (stride == window and the
/// input tiled exactly, e.g. 2x2/2 on even sizes): then the backward pass can write every input
/// cell from the one window that holds it.
SF_HD_INLINE bool windows_tile(const window_geometry& g) {
  return g.sh == g.kh && g.sw == g.kw && g.pad_top == 0 && g.pad_left == 0 && g.oh * g.sh == g.h &&
         g.ow * g.sw == g.w;
}

/// The backward pass of tiling windows: one index per output position (n, oh, ow), all
/// channels at once; each input cell is written exactly once. Max pooling scans the window's
/// cells once for a block of channels (contiguous in NHWC), keeping each channel's first
/// maximum, instead of once per channel.
template <class T, bool Max>
struct pool_backward_tiled {
  T* dx;
  const T* x;
  const T* gy;
  window_geometry g;
  static constexpr std::size_t channel_block = 16;

  SF_HD_INLINE void operator()(std::size_t p) const {
    const std::size_t ow_i = p % g.ow, oh_i = (p / g.ow) % g.oh, n_i = p / (g.ow * g.oh);
    const pool_window win(g, oh_i, ow_i);
    const T* up = gy + p * g.c;
    for (std::size_t y = win.y0; y < win.y1; ++y)
      for (std::size_t z = win.z0; z < win.z1; ++z) {
        T* cell = dx + ((n_i * g.h + y) * g.w + z) * g.c;
        for (std::size_t ch = 0; ch < g.c; ++ch) cell[ch] = Max ? T(0) : up[ch] / static_cast<T>(win.cells());
      }
    if constexpr (Max)
      for (std::size_t first = 0; first < g.c; first += channel_block) route_max(n_i, win, up, first);
  }

  /// Channels [first, first + channel_block) of one window: the upstream gradient goes to
  /// each channel's first maximal cell in row-major order (`first_max`'s choice).
  SF_HD_INLINE void route_max(std::size_t n_i, const pool_window& win, const T* up, std::size_t first) const {
    const std::size_t count = g.c - first < channel_block ? g.c - first : channel_block;
    const std::size_t origin = ((n_i * g.h + win.y0) * g.w + win.z0) * g.c + first;
    T best[channel_block];
    std::size_t at[channel_block];
    for (std::size_t j = 0; j < count; ++j) best[j] = x[origin + j], at[j] = origin + j;
    for (std::size_t y = win.y0; y < win.y1; ++y)
      for (std::size_t z = win.z0; z < win.z1; ++z) {
        const std::size_t cell = ((n_i * g.h + y) * g.w + z) * g.c + first;
        for (std::size_t j = 0; j < count; ++j)
          if (x[cell + j] > best[j]) best[j] = x[cell + j], at[j] = cell + j;
      }
    for (std::size_t j = 0; j < count; ++j) dx[at[j]] = up[first + j];
  }
};

/// dx[n, y, z, c]: the sum over the windows covering (y, z) of their upstream gradient, routed
/// to the window's first maximum (max) or shared equally among its real cells (average).
template <class T, bool Max>
struct pool_backward {
  T* dx;
  const T* x;
  const T* gy;
  window_geometry g;
  SF_HD_INLINE void operator()(std::size_t i) const {
    const std::size_t ch = i % g.c;
    const std::size_t z = (i / g.c) % g.w;
    const std::size_t y = (i / (g.c * g.w)) % g.h;
    const std::size_t n_i = i / (g.c * g.w * g.h);
    const covering_range rows(y, g.kh, g.sh, g.pad_top, g.oh);
    const covering_range cols(z, g.kw, g.sw, g.pad_left, g.ow);
    T acc = T(0);
    for (std::size_t oh_i = rows.first; oh_i < rows.last; ++oh_i)
      for (std::size_t ow_i = cols.first; ow_i < cols.last; ++ow_i) {
        const pool_window win(g, oh_i, ow_i);
        const T up = gy[((n_i * g.oh + oh_i) * g.ow + ow_i) * g.c + ch];
        if constexpr (Max) {
          if (first_max(x, g, win, n_i, ch) == i) acc += up;
        } else {
          acc += up / static_cast<T>(win.cells());
        }
      }
    dx[i] = acc;
  }
};

}  // namespace staticflow::ops
#endif  // STATICFLOW_OPS_CONV_HPP
