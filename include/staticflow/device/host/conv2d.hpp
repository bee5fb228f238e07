// SPDX-License-Identifier: MIT
/// \file
/// \brief conv2d on the host: `device_kernel<conv2d_kernels, host>` and its kernels (forward,
/// filter gradient and input gradient computed straight from the NHWC input and the HWIO
/// filter, with no im2col matrix).
///
/// im2col copies every input cell kh * kw times into a matrix that is written once and read
/// twice per training step (LeNet's first layer: 3.7 MB for a batch of 64, in copies of 5
/// floats); here each kernel reads the input where it lies. The filters are the vector axis:
/// a block of filters (one vector register) is updated by a broadcast input
/// value, for several output pixels at once so that each filter row loaded from cache feeds
/// several multiply-adds. Windows that touch the padding take a checked path; the others
/// (all of them with VALID padding) read without checks. GPUs keep im2col + GEMM
/// (device/cuda/conv2d.cuh), where a thread per element is the natural grain.
#pragma once
#ifndef STATICFLOW_DEVICE_HOST_CONV2D_HPP
#define STATICFLOW_DEVICE_HOST_CONV2D_HPP

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "staticflow/config.hpp"
#include "staticflow/device/host/executor.hpp"
#include "staticflow/expr/conv.hpp"
#include "staticflow/ops/conv.hpp"
#include "staticflow/device/host/isa.hpp"
#include "staticflow/device/host/vector.hpp"

namespace staticflow::ops {

/// `filters` rounded up to whole blocks of one vector register of `Bytes` (the kernels' blocks
/// of filters: 16 floats with AVX-512).
template <class T, std::size_t Bytes>
constexpr std::size_t padded_filters(std::size_t filters) {
  return (filters + lanes<T, Bytes> - 1) / lanes<T, Bytes> * lanes<T, Bytes>;
}

/// The filter [kh * kw * c, filters] with each row padded with zeros to `padded` columns, so
/// that a block of filters is always a whole register. One index per row.
template <class T>
struct pad_filter_rows {
  T* out;
  const T* filter;
  std::size_t filters, padded;
  void operator()(std::size_t k) const {
    for (std::size_t j = 0; j < padded; ++j) out[k * padded + j] = j < filters ? filter[k * filters + j] : T(0);
  }
};

/// y[n, oy, ox, f] = sum over (a, b, ch) of x[n, oy*sh + a - pt, ox*sw + b - pl, ch] * w[a, b, ch, f].
/// One index per output row (n, oy); `w` has rows padded to `padded` (pad_filter_rows).
template <class T, std::size_t Bytes>
struct conv_forward_direct {
  static constexpr std::size_t lanes = ops::lanes<T, Bytes>;
  static constexpr std::size_t pixels = 8;  ///< output pixels per block (accumulators in registers)
  T* y;
  const T* x;
  const T* w;
  window_geometry g;
  std::size_t filters, padded;

  void operator()(std::size_t r) const {
    const std::size_t n_i = r / g.oh, oy = r - n_i * g.oh;
    for (std::size_t ox0 = 0; ox0 < g.ow; ox0 += pixels)
      for (std::size_t f0 = 0; f0 < padded; f0 += lanes) block(n_i, oy, ox0, f0, y + (r * g.ow + ox0) * filters + f0);
  }

  /// Pixels [ox0, ox0 + pixels) of row oy, filters [f0, f0 + lanes).
  void block(std::size_t n_i, std::size_t oy, std::size_t ox0, std::size_t f0, T* out) const {
    using V = detail::vec<T, Bytes>;
    const std::size_t count = g.ow - ox0 < pixels ? g.ow - ox0 : pixels, step = g.sw * g.c, run = g.kw * g.c;
    // Every window of the block lies inside the input's width: each window row is `run`
    // contiguous cells (b and ch together), read without checks.
    const bool interior = count == pixels && ox0 * g.sw >= g.pad_left &&
                          (ox0 + pixels - 1) * g.sw + g.kw <= g.w + g.pad_left;
    V acc[pixels] = {};
    for (std::size_t a = 0; a < g.kh; ++a) {
      const std::size_t yi = oy * g.sh + a - g.pad_top;  // wraps around above the input
      if (yi >= g.h) continue;                          // a padding row adds nothing
      const T* row = x + (n_i * g.h + yi) * g.w * g.c;
      if (interior) {
        const T* base = row + (ox0 * g.sw - g.pad_left) * g.c;
        const T* wa = w + a * run * padded + f0;
        for (std::size_t j = 0; j < run; ++j) {
          const V wv = detail::load<Bytes>(wa + j * padded);
          SF_UNROLL(8)
          for (std::size_t p = 0; p < pixels; ++p) acc[p] += base[p * step + j] * wv;
        }
        continue;
      }
      for (std::size_t b = 0; b < g.kw; ++b) {
        const T* wk = w + (a * g.kw + b) * g.c * padded + f0;
        std::size_t at[pixels];
        bool inside[pixels];
        for (std::size_t p = 0; p < pixels; ++p) {
          const std::size_t zi = (ox0 + p) * g.sw + b - g.pad_left;
          inside[p] = p < count && zi < g.w;
          at[p] = inside[p] ? zi * g.c : 0;
        }
        for (std::size_t ch = 0; ch < g.c; ++ch) {
          const V wv = detail::load<Bytes>(wk + ch * padded);
          SF_UNROLL(8)
          for (std::size_t p = 0; p < pixels; ++p) acc[p] += (inside[p] ? row[at[p] + ch] : T(0)) * wv;
        }
      }
    }
    const std::size_t m = filters - f0 < lanes ? filters - f0 : lanes;
    for (std::size_t p = 0; p < count; ++p) detail::store_first(out + p * filters, acc[p], m);
  }

  static std::size_t count(const window_geometry& g) { return g.n * g.oh; }
  /// Multiply-adds per index (the executor's split weighs them like elements of a pass).
  static std::size_t work(const window_geometry& g, std::size_t padded) { return g.ow * g.patch() * padded; }
};

/// conv_forward_direct for a single input channel read with horizontal stride 1 (the first
/// layer on grayscale images): there the filters are too few to fill a register (LeNet's 6 of
/// 16 lanes), so output pixels are the vector axis instead. One index per output row (n, oy):
/// each tap is whole unchecked vector loads of the window rows under a chunk of `chunk` pixels
/// times a broadcast filter value for up to `block` filters; the sums go back to the NHWC
/// output through a small transposing buffer. The window rows are read where they lie when
/// the chunk's pixels need no padding (the loads then run on into the next row: those lanes
/// belong to pixels past the chunk's last, which are never stored), else from a zero-padded
/// copy on the stack.
template <class T, std::size_t Bytes>
struct conv_forward_single_channel {
  static constexpr std::size_t lanes = ops::lanes<T, Bytes>;
  static constexpr std::size_t vectors = 2;  ///< per filter: pixels per chunk = vectors * lanes
  static constexpr std::size_t chunk = vectors * lanes;
  static constexpr std::size_t block = 8;        ///< filters per pass (accumulators: vectors * block)
  static constexpr std::size_t max_window = 16;  ///< bounds the stack copy of the window rows
  T* y;
  const T* x;
  const T* w;  ///< HWIO with I = 1: w[(a * kw + b) * filters + f]
  window_geometry g;
  std::size_t filters;

  static bool applies(const window_geometry& g) {
    return g.c == 1 && g.sw == 1 && g.kh <= max_window && g.kw <= max_window;
  }

  void operator()(std::size_t r) const {
    using V = detail::vec<T, Bytes>;
    const std::size_t n_i = r / g.oh, oy = r - n_i * g.oh, width = chunk + g.kw - 1;
    T copies[max_window][chunk + max_window];
    const T* rows[max_window];
    T sums[block][chunk];
    const bool rows_inside = oy * g.sh >= g.pad_top && oy * g.sh - g.pad_top + g.kh <= g.h;
    for (std::size_t ox0 = 0; ox0 < g.ow; ox0 += chunk) {
      const std::size_t count = g.ow - ox0 < chunk ? g.ow - ox0 : chunk;
      // Cells [lo, hi) of a window row lie inside the input (padded columns pad_left up to
      // w + pad_left); the others are padding, or past the chunk's last window, and read as zero.
      const std::size_t lo = g.pad_left > ox0 ? g.pad_left - ox0 : 0;
      const std::size_t inside = g.w + g.pad_left > ox0 ? g.w + g.pad_left - ox0 : 0;
      const std::size_t hi = std::min(count + g.kw - 1, inside);
      const std::size_t last_row = n_i * g.h + oy * g.sh - g.pad_top + g.kh - 1;
      if (rows_inside && lo == 0 && hi == count + g.kw - 1 &&
          last_row * g.w + ox0 - g.pad_left + width <= g.n * g.h * g.w) {
        for (std::size_t a = 0; a < g.kh; ++a) rows[a] = x + (last_row + 1 - g.kh + a) * g.w + (ox0 - g.pad_left);
      } else {
        for (std::size_t a = 0; a < g.kh; ++a) {
          const std::size_t yi = oy * g.sh + a - g.pad_top;  // wraps around above the input
          T* row = copies[a];
          rows[a] = row;
          if (yi >= g.h || lo >= hi) {
            for (std::size_t j = 0; j < width; ++j) row[j] = T(0);
            continue;
          }
          const T* src = x + (n_i * g.h + yi) * g.w + (ox0 + lo - g.pad_left);
          for (std::size_t j = 0; j < lo; ++j) row[j] = T(0);
          for (std::size_t j = lo; j < hi; ++j) row[j] = src[j - lo];
          for (std::size_t j = hi; j < width; ++j) row[j] = T(0);
        }
      }
      for (std::size_t f0 = 0; f0 < filters; f0 += block) {
        const std::size_t nf = filters - f0 < block ? filters - f0 : block;
        V acc[block][vectors] = {};
        for (std::size_t a = 0; a < g.kh; ++a)
          for (std::size_t b = 0; b < g.kw; ++b) {
            const T* wt = w + (a * g.kw + b) * filters + f0;
            V in[vectors];
            for (std::size_t v = 0; v < vectors; ++v) in[v] = detail::load<Bytes>(&rows[a][b + v * lanes]);
            SF_UNROLL(8)
            for (std::size_t f = 0; f < block; ++f)
              if (f < nf)
                for (std::size_t v = 0; v < vectors; ++v) acc[f][v] += in[v] * wt[f];
          }
        for (std::size_t f = 0; f < nf; ++f)
          for (std::size_t v = 0; v < vectors; ++v) detail::store(&sums[f][v * lanes], acc[f][v]);
        T* out = y + (r * g.ow + ox0) * filters + f0;
        for (std::size_t p = 0; p < count; ++p)
          for (std::size_t f = 0; f < nf; ++f) out[p * filters + f] = sums[f][p];
      }
    }
  }

  static std::size_t count(const window_geometry& g) { return g.n * g.oh; }
  /// Multiply-adds per index (the executor's split weighs them like elements of a pass).
  static std::size_t work(const window_geometry& g, std::size_t filters) {
    return (g.ow + chunk - 1) / chunk * chunk * g.kh * g.kw * filters;
  }
};

/// Where each of a block of `Rows` filter rows (k0, k0 + 1, ...) reads within a window: its
/// cell (a, b, ch) and that cell's offset from the window's first. Rows past the patch's end
/// repeat its last row (the filter-gradient kernels drop their sums), so every block runs the
/// same full-width loop.
template <std::size_t Rows>
struct filter_row_block {
  std::size_t a[Rows], b[Rows], ch[Rows], offset[Rows];
  filter_row_block(const window_geometry& g, std::size_t k0, std::size_t nk) {
    for (std::size_t r = 0; r < Rows; ++r) {
      const std::size_t k = k0 + (r < nk ? r : nk - 1);
      ch[r] = k % g.c, b[r] = k / g.c % g.kw, a[r] = k / (g.c * g.kw);
      offset[r] = (a[r] * g.w + b[r]) * g.c + ch[r];
    }
  }
  /// Row r's input for the window at (n, top, left) (wrapped below zero in the padding): the
  /// input cell, or zero in the padding.
  template <class T>
  T cell(const T* x, const window_geometry& g, std::size_t n, std::size_t top, std::size_t left,
         std::size_t r) const {
    const std::size_t yi = top + a[r], zi = left + b[r];
    return yi < g.h && zi < g.w ? x[((n * g.h + yi) * g.w + zi) * g.c + ch[r]] : T(0);
  }
};

/// Partial filter gradients: part[s][a, b, ch, f] = the sum over the s-th of `splits` equal
/// ranges of output pixels (n, oy, ox) of x[n, oy*sh + a - pt, ox*sw + b - pl, ch] * gy[n, oy, ox, f]
/// (sum_partials adds the ranges up). One index per (range, block of `rows` filter rows, block
/// of filters): each index owns its part of the output, its accumulators stay in registers for
/// its whole range, and the ranges keep the threads evenly loaded whatever the filter's size.
template <class T, std::size_t Bytes>
struct conv_filter_grad_direct {
  static constexpr std::size_t lanes = ops::lanes<T, Bytes>;
  static constexpr std::size_t rows = 8;
  static constexpr std::size_t splits = 4;
  T* part;
  const T* x;
  const T* gy;
  window_geometry g;
  std::size_t filters, padded;

  void operator()(std::size_t i) const {
    const std::size_t blocks = padded / lanes, per_split = (g.patch() + rows - 1) / rows * blocks;
    const std::size_t s = i / per_split, kb_i = i % per_split;
    const std::size_t k0 = kb_i / blocks * rows, f0 = kb_i % blocks * lanes;
    const std::size_t nk = g.patch() - k0 < rows ? g.patch() - k0 : rows;
    const std::size_t m = filters - f0 < lanes ? filters - f0 : lanes;
    const filter_row_block<rows> block(g, k0, nk);
    using V = detail::vec<T, Bytes>;
    V acc[rows] = {};
    const auto keep = detail::first_lanes<T, Bytes>(m);
    const std::size_t total = g.positions() * filters;
    const std::size_t first = g.positions() * s / splits, last = g.positions() * (s + 1) / splits;
    std::size_t ox = first % g.ow, oy = first / g.ow % g.oh, n_i = first / (g.ow * g.oh);
    for (std::size_t p = first; p < last; ++p) {
      const std::size_t at = p * filters + f0;
      const V gv = detail::load_first(gy + at, keep, m, total - at);
      const std::size_t top = oy * g.sh - g.pad_top, left = ox * g.sw - g.pad_left;  // wrap when in padding
      if (oy * g.sh >= g.pad_top && ox * g.sw >= g.pad_left && top + g.kh <= g.h && left + g.kw <= g.w) {
        const T* origin = x + ((n_i * g.h + top) * g.w + left) * g.c;
        SF_UNROLL(8)
        for (std::size_t r = 0; r < rows; ++r) acc[r] += origin[block.offset[r]] * gv;
      } else {
        SF_UNROLL(8)
        for (std::size_t r = 0; r < rows; ++r) {
          acc[r] += block.cell(x, g, n_i, top, left, r) * gv;
        }
      }
      if (++ox == g.ow) ox = 0, ++oy == g.oh ? (oy = 0, ++n_i) : 0;
    }
    T* out = part + s * g.patch() * filters;
    for (std::size_t r = 0; r < nk; ++r) detail::store_first(out + (k0 + r) * filters + f0, acc[r], m);
  }

  static std::size_t count(const window_geometry& g, std::size_t padded) {
    return splits * ((g.patch() + rows - 1) / rows) * (padded / lanes);
  }
  /// Multiply-adds per index (the executor's split weighs them like elements of a pass).
  static std::size_t work(const window_geometry& g) { return g.positions() / splits * rows * lanes; }
};

/// The filter gradient of a layer with few filters (2 * filters <= lanes: a first layer's 6
/// filters with 16 lanes, say), where conv_filter_grad_direct would leave most lanes idle: two
/// output positions share a vector, lanes [0, filters) the first's, [filters, 2 * filters) the
/// second's. NHWC makes a pair's gradient one contiguous load; a filter row's input is the two
/// positions' window cells, each broadcast to its half. The halves are added at the end.
/// Otherwise as conv_filter_grad_direct: `rows` filter rows per index (13: a 5x5 window in two
/// blocks, a 3x3 one in one; fewer blocks repeat less of each position's set-up, which 9 rows
/// made 20 % slower), positions in `splits` ranges, partial results per range.
template <class T, std::size_t Bytes>
struct conv_filter_grad_paired {
  static constexpr std::size_t lanes = ops::lanes<T, Bytes>;
  static constexpr std::size_t rows = 13;
  static constexpr std::size_t splits = 4;
  T* part;
  const T* x;
  const T* gy;
  window_geometry g;
  std::size_t filters;

  static bool applies(std::size_t filters) { return 2 * filters <= lanes; }

  void operator()(std::size_t i) const {
    using V = detail::vec<T, Bytes>;
    using M = detail::mask<T, Bytes>;
    const std::size_t per_split = (g.patch() + rows - 1) / rows;
    const std::size_t s = i / per_split, k0 = i % per_split * rows;
    const std::size_t nk = g.patch() - k0 < rows ? g.patch() - k0 : rows;
    const filter_row_block<rows> block(g, k0, nk);
    M second = {};
    for (std::size_t j = filters; j < 2 * filters; ++j) second[j] = -1;
    const M keep_pair = detail::first_lanes<T, Bytes>(2 * filters), keep_one = detail::first_lanes<T, Bytes>(filters);
    V acc[rows] = {};
    const std::size_t total = g.positions() * filters;
    const std::size_t first = g.positions() * s / splits, last = g.positions() * (s + 1) / splits;
    std::size_t ox = first % g.ow, oy = first / g.ow % g.oh, n_i = first / (g.ow * g.oh);
    // The window of the position at (n_i, oy, ox): its top-left cell, and whether it lies inside
    // the input (else each cell is checked, and cells in the padding read as zero).
    struct window {
      std::size_t n, top, left;
      bool inside;
    };
    auto next_window = [&] {
      const window w{n_i, oy * g.sh - g.pad_top, ox * g.sw - g.pad_left,  // wrap when in padding
                     oy * g.sh >= g.pad_top && ox * g.sw >= g.pad_left && oy * g.sh - g.pad_top + g.kh <= g.h &&
                         ox * g.sw - g.pad_left + g.kw <= g.w};
      if (++ox == g.ow) ox = 0, ++oy == g.oh ? (oy = 0, ++n_i) : 0;
      return w;
    };
    // A window reaching into the padding has its cells gathered first (zero in the padding), so
    // that one unrolled loop serves both cases: it reads src[at[r]].
    std::size_t identity[rows];
    for (std::size_t r = 0; r < rows; ++r) identity[r] = r;
    T cells[2][rows];
    auto source = [&](const window& w, T* gathered) -> const T* {
      if (w.inside) return x + ((w.n * g.h + w.top) * g.w + w.left) * g.c;
      for (std::size_t r = 0; r < rows; ++r) gathered[r] = block.cell(x, g, w.n, w.top, w.left, r);
      return gathered;
    };
    for (std::size_t p = first; p < last; p += 2) {
      const bool pair = p + 1 < last;
      const std::size_t at = p * filters;
      const V gv = detail::load_first(gy + at, pair ? keep_pair : keep_one, pair ? 2 * filters : filters, total - at);
      const window w0 = next_window();
      const window w1 = pair ? next_window() : w0;  // a lone last position: its half of gv is zero
      const T* src0 = source(w0, cells[0]);
      const T* src1 = source(w1, cells[1]);
      const std::size_t* at0 = w0.inside ? block.offset : identity;
      const std::size_t* at1 = w1.inside ? block.offset : identity;
      SF_UNROLL(13)
      for (std::size_t r = 0; r < rows; ++r) acc[r] += (second ? V{} + src1[at1[r]] : V{} + src0[at0[r]]) * gv;
    }
    T* out = part + s * g.patch() * filters;
    for (std::size_t r = 0; r < nk; ++r)
      for (std::size_t f = 0; f < filters; ++f) out[(k0 + r) * filters + f] = acc[r][f] + acc[r][filters + f];
  }

  static std::size_t count(const window_geometry& g) { return splits * ((g.patch() + rows - 1) / rows); }
  /// Multiply-adds per index (the executor's split weighs them like elements of a pass).
  static std::size_t work(const window_geometry& g) { return g.positions() / splits * rows * lanes; }
};

/// out[i] = the sum of `count` partial results parts[j * size + i] (one index per element).
template <class T>
struct sum_partials {
  T* out;
  const T* parts;
  std::size_t size, count;
  void operator()(std::size_t i) const {
    T acc = parts[i];
    for (std::size_t j = 1; j < count; ++j) acc += parts[j * size + i];
    out[i] = acc;
  }
};

/// The filter regrouped for the input gradient: wt[a, f, j] = w[a, j / c, j % c, f] for the
/// j < kw * c cells of a filter row (b, ch), zero up to `run_padded`. One index per (a, f).
template <class T>
struct transpose_filter_rows {
  T* out;
  const T* filter;
  std::size_t filters, run, run_padded;
  void operator()(std::size_t i) const {
    const std::size_t a = i / filters, f = i % filters;
    T* dst = out + i * run_padded;
    for (std::size_t j = 0; j < run_padded; ++j) dst[j] = j < run ? filter[(a * run + j) * filters + f] : T(0);
  }
};

/// dx[n, yi, zi, ch] = sum over the output pixels whose windows cover (yi, zi) of
/// sum_f gy[n, oy, ox, f] * w[yi - oy*sh + pt, zi - ox*sw + pl, ch, f]. One index per image
/// (an image's cells get contributions from many output pixels: one owner, no races). A
/// window's row a covers kw * c contiguous cells of dx (b and ch together), computed in
/// register-wide chunks from the regrouped filter (transpose_filter_rows) and added in place.
template <class T, std::size_t Bytes>
struct conv_input_grad_direct {
  static constexpr std::size_t lanes = ops::lanes<T, Bytes>;
  T* dx;
  const T* gy;
  const T* wt;
  window_geometry g;
  std::size_t filters, run_padded;

  void operator()(std::size_t n_i) const {
    const std::size_t image = g.h * g.w * g.c, row_cells = g.w * g.c, run = g.kw * g.c, pad = g.pad_left * g.c;
    T* d = dx + n_i * image;
    for (std::size_t i = 0; i < image; ++i) d[i] = T(0);
    for (std::size_t oy = 0; oy < g.oh; ++oy)
      for (std::size_t ox = 0; ox < g.ow; ++ox) {
        const T* gp = gy + ((n_i * g.oh + oy) * g.ow + ox) * filters;
        const std::size_t origin = ox * g.sw * g.c;  // the window's first cell, in padded coordinates
        for (std::size_t a = 0; a < g.kh; ++a) {
          const std::size_t yi = oy * g.sh + a - g.pad_top;
          if (yi >= g.h) continue;
          T* drow = d + yi * row_cells;
          const T* wa = wt + a * filters * run_padded;
          // The run lies inside the row, and whole chunks inside the image: add whole vectors
          // (the lanes past the run add the filter's zero padding to cells that exist).
          const bool whole = origin >= pad && origin - pad + run <= row_cells &&
                             yi * row_cells + origin - pad + run_padded <= image;
          for (std::size_t c0 = 0; c0 < run_padded; c0 += lanes) {
            // Four partial sums over the filters: independent multiply-add chains.
            using V = detail::vec<T, Bytes>;
            V part[4] = {};
            std::size_t f = 0;
            for (; f + 4 <= filters; f += 4) {
              SF_UNROLL(4)
              for (std::size_t q = 0; q < 4; ++q) part[q] += gp[f + q] * detail::load<Bytes>(wa + (f + q) * run_padded + c0);
            }
            for (; f < filters; ++f) part[0] += gp[f] * detail::load<Bytes>(wa + f * run_padded + c0);
            const V acc = (part[0] + part[1]) + (part[2] + part[3]);
            if (whole) {
              T* cell = drow + origin - pad + c0;
              detail::store(cell, detail::load<Bytes>(cell) + acc);
              continue;
            }
            for (std::size_t j = 0; j < lanes; ++j) {
              const std::size_t z = origin + c0 + j;  // padded column cell
              if (c0 + j < run && z >= pad && z - pad < row_cells) drow[z - pad] += acc[j];
            }
          }
        }
      }
  }

  /// Multiply-adds per index (the executor's split weighs them like elements of a pass).
  static std::size_t work(const window_geometry& g, std::size_t filters, std::size_t run_padded) {
    return g.oh * g.ow * g.kh * filters * run_padded;
  }
};

}  // namespace staticflow::ops

namespace staticflow {

/// The kernels run with the processor's widest vectors (device/host/isa.hpp): the width fixes
/// the blocks of filters, so the padded filter copies are made for it.
template <>
struct device_kernel<conv2d_kernels, host> {
  using ex = executor<host>;

  template <class T, class Tmp>
  static void forward(T* out, const T* x, const T* f, const ops::window_geometry& g, std::size_t filters, Tmp& tmp) {
    ops::select_simd([&]<class S>(S) {
      constexpr std::size_t B = S::bytes;
      if (ops::conv_forward_single_channel<T, B>::applies(g)) {
        using kernel = ops::conv_forward_single_channel<T, B>;
        ex::for_each(kernel::count(g), ops::simd_kernel<B, kernel>{{out, x, f, g, filters}}, kernel::work(g, filters));
      } else {
        using kernel = ops::conv_forward_direct<T, B>;
        const std::size_t padded = ops::padded_filters<T, B>(filters);
        const T* w = padded_rows(f, g, filters, padded, tmp);
        ex::for_each(kernel::count(g), ops::simd_kernel<B, kernel>{{out, x, w, g, filters, padded}},
                     kernel::work(g, padded));
      }
    });
  }

  template <class T, class Tmp>
  static void input_grad(T* dx, const T* f, const T* gy, const ops::window_geometry& g, std::size_t filters, Tmp& tmp) {
    ops::select_simd([&]<class S>(S) {
      constexpr std::size_t B = S::bytes;
      using kernel = ops::conv_input_grad_direct<T, B>;
      const std::size_t run = g.kw * g.c, run_padded = ops::padded_filters<T, B>(run);
      auto wt = tmp.template make<T, shape<dyn, dyn>>(dims_t<shape<dyn, dyn>>{g.kh * filters, run_padded});
      ex::for_each(g.kh * filters, ops::transpose_filter_rows<T>{wt.data(), f, filters, run, run_padded});
      ex::for_each(g.n, ops::simd_kernel<B, kernel>{{dx, gy, wt.data(), g, filters, run_padded}},
                   kernel::work(g, filters, run_padded));
    });
  }

  template <class T, class Tmp>
  static void filter_grad(T* df, const T* x, const T* gy, const ops::window_geometry& g, std::size_t filters, Tmp& tmp) {
    const std::size_t size = g.patch() * filters;
    ops::select_simd([&]<class S>(S) {
      constexpr std::size_t B = S::bytes;
      if (ops::conv_filter_grad_paired<T, B>::applies(filters)) {
        using kernel = ops::conv_filter_grad_paired<T, B>;
        auto part = tmp.template make<T, shape<dyn, dyn>>(dims_t<shape<dyn, dyn>>{kernel::splits, size});
        ex::for_each(kernel::count(g), ops::simd_kernel<B, kernel>{{part.data(), x, gy, g, filters}}, kernel::work(g));
        ex::for_each(size, ops::sum_partials<T>{df, part.data(), size, kernel::splits});
      } else {
        using kernel = ops::conv_filter_grad_direct<T, B>;
        const std::size_t padded = ops::padded_filters<T, B>(filters);
        auto part = tmp.template make<T, shape<dyn, dyn>>(dims_t<shape<dyn, dyn>>{kernel::splits, size});
        ex::for_each(kernel::count(g, padded), ops::simd_kernel<B, kernel>{{part.data(), x, gy, g, filters, padded}},
                     kernel::work(g));
        ex::for_each(size, ops::sum_partials<T>{df, part.data(), size, kernel::splits});
      }
    });
  }

 private:
  /// The filter with its rows padded to whole blocks of filters.
  template <class T, class Tmp>
  static const T* padded_rows(const T* f, const ops::window_geometry& g, std::size_t filters, std::size_t padded, Tmp& tmp) {
    if (padded == filters) return f;
    const std::size_t rows = g.patch();
    auto w = tmp.template make<T, shape<dyn, dyn>>(dims_t<shape<dyn, dyn>>{rows, padded});
    ex::for_each(rows, ops::pad_filter_rows<T>{w.data(), f, filters, padded});
    return w.data();
  }
};

}  // namespace staticflow
#endif  // STATICFLOW_DEVICE_HOST_CONV2D_HPP
