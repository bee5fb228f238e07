// SPDX-License-Identifier: MIT
/// \file
/// \brief max_pool2d / avg_pool2d on the host: `device_kernel<pool2d_kernels<...>, host>`, with
/// kernels for windows that tile the input (LeNet's 2x2 / 2: one index per output row, offsets
/// known at compile time) and the per-output kernels of ops/conv.hpp otherwise.
#pragma once
#ifndef STATICFLOW_DEVICE_HOST_POOL2D_HPP
#define STATICFLOW_DEVICE_HOST_POOL2D_HPP

#include <cstddef>

#include "staticflow/config.hpp"
#include "staticflow/device/host/executor.hpp"
#include "staticflow/expr/conv.hpp"
#include "staticflow/ops/conv.hpp"
#include "staticflow/device/host/isa.hpp"
#include "staticflow/device/host/vector.hpp"

namespace staticflow::ops {

/// Pooling over KH x KW windows that tile the input (stride = window, no padding, exact fit:
/// LeNet's 2x2 / 2), forward: one index per output row (n, oy), the window's cells at offsets
/// known at compile time, no divisions per output.
template <class T, bool Max, std::size_t KH, std::size_t KW>
struct pool_tiled_forward {
  T* y;
  const T* x;
  window_geometry g;
  void operator()(std::size_t r) const {
    const std::size_t c = g.c, row_cells = g.w * g.c;
    const T* top = x + r * KH * row_cells;  // rows of different images follow each other
    T* out = y + r * g.ow * c;
    for (std::size_t ox = 0; ox < g.ow; ++ox) {
      const T* cell = top + ox * KW * c;
      for (std::size_t ch = 0; ch < c; ++ch) {
        T acc = cell[ch];
        SF_UNROLL(16)
        for (std::size_t k = 1; k < KH * KW; ++k) {
          const T v = cell[k / KW * row_cells + k % KW * c + ch];
          if constexpr (Max) acc = v > acc ? v : acc;
          else acc += v;
        }
        out[ox * c + ch] = Max ? acc : acc / static_cast<T>(KH * KW);
      }
    }
  }
};

/// The backward pass of pool_tiled_forward: every input cell is written once, with the
/// upstream gradient (max: at the window's first maximum in row-major order, as TF; average:
/// shared equally) or zero. Channels are the vector axis (a window's cells are compared a
/// block of channels at a time); a block with fewer channels than lanes is stored whole where
/// the extra lanes fall on cells of the same image row that are written later (cells ascend
/// in the loop order), so only a row's last cell needs a partial store.
template <class T, bool Max, std::size_t KH, std::size_t KW, std::size_t Bytes = vector_bytes>
struct pool_tiled_backward {
  static constexpr std::size_t lanes = ops::lanes<T, Bytes>, cells = KH * KW;
  T* dx;
  const T* x;
  const T* gy;
  window_geometry g;

  void operator()(std::size_t r) const {
    using V = detail::vec<T, Bytes>;
    using M = detail::mask<T, Bytes>;
    using lane = typename detail::mask_of<T, Bytes>::lane;
    const std::size_t c = g.c, row_cells = g.w * c, x_total = g.n * g.h * row_cells, gy_total = g.n * g.oh * g.ow * c;
    const std::size_t top = r * KH * row_cells;  // rows of different images follow each other
    for (std::size_t ox = 0; ox < g.ow; ++ox)
      for (std::size_t c0 = 0; c0 < c; c0 += lanes) {
        const std::size_t m = c - c0 < lanes ? c - c0 : lanes;
        const M keep = detail::first_lanes<T, Bytes>(m);
        const std::size_t up = (r * g.ow + ox) * c + c0;
        const V u = detail::load_first(gy + up, keep, m, gy_total - up);
        std::size_t in_row[cells];  // each cell's offset within its image row
        SF_UNROLL(16)
        for (std::size_t k = 0; k < cells; ++k) in_row[k] = (ox * KW + k % KW) * c + c0;
        V out[cells];
        if constexpr (Max) {
          V best = detail::load_first(x + top + in_row[0], keep, m, x_total - top - in_row[0]);
          M arg = {};
          SF_UNROLL(16)
          for (std::size_t k = 1; k < cells; ++k) {
            const std::size_t at = top + k / KW * row_cells + in_row[k];
            const V v = detail::load_first(x + at, keep, m, x_total - at);
            // Strictly greater: the first maximum keeps its place, and NaN never wins.
            arg = v > best ? M{} + static_cast<lane>(k) : arg;
            best = v > best ? v : best;
          }
          SF_UNROLL(16)
          for (std::size_t k = 0; k < cells; ++k) out[k] = arg == static_cast<lane>(k) ? u : V{};
        } else {
          for (std::size_t k = 0; k < cells; ++k) out[k] = u / static_cast<T>(cells);
        }
        const bool spill_ok = m == lanes || c <= lanes;  // extra lanes land on cells written later
        SF_UNROLL(16)
        for (std::size_t k = 0; k < cells; ++k) {
          T* cell = dx + top + k / KW * row_cells + in_row[k];
          if (spill_ok && in_row[k] + lanes <= row_cells) detail::store(cell, out[k]);
          else detail::store_first(cell, out[k], m);
        }
      }
  }
};

}  // namespace staticflow::ops

namespace staticflow {

template <bool Max, std::size_t KH, std::size_t KW>
struct device_kernel<pool2d_kernels<Max, KH, KW>, host> {
  using ex = executor<host>;
  template <class T>
  static void forward(T* y, const T* x, const ops::window_geometry& g) {
    if (ops::windows_tile(g))
      return ops::select_simd([&]<class S>(S) {
        using kernel = ops::simd_kernel<S::bytes, ops::pool_tiled_forward<T, Max, KH, KW>>;
        ex::for_each(g.n * g.oh, kernel{{y, x, g}}, g.w * g.c * KH);
      });
    ex::for_each(ops::pool_forward<T, Max>::count(g), ops::pool_forward<T, Max>{y, x, g}, g.c * KH * KW);
  }
  template <class T>
  static void backward(T* dx, const T* x, const T* gy, const ops::window_geometry& g) {
    if (ops::windows_tile(g))
      return ops::select_simd([&]<class S>(S) {
        // At most AVX2's width: GCC types a comparison's result as the default target's
        // integer mask before it sees the kernel inside its AVX-512 wrapper, and AVX-512 then
        // lowers compare-and-select on such masks to scalar code (the pass took 2.3 x as long).
        // The pass is bound by memory, and LeNet's 6 and 16 channels fill 8 lanes as well.
        constexpr std::size_t B = S::bytes < 32 ? S::bytes : 32;
        using kernel = ops::simd_kernel<B, ops::pool_tiled_backward<T, Max, KH, KW, B>>;
        ex::for_each(g.n * g.oh, kernel{{dx, x, gy, g}}, g.w * g.c * KH);
      });
    ex::for_each(g.n * g.h * g.w * g.c, ops::pool_backward<T, Max>{dx, x, gy, g}, KH * KW);
  }
};

}  // namespace staticflow
#endif  // STATICFLOW_DEVICE_HOST_POOL2D_HPP
