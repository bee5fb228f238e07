// SPDX-License-Identifier: MIT
/// \file
/// \brief Kernels of image resizing (TF's ResizeBilinear, ResizeNearestNeighbor and their
/// gradients) over NHWC images: where an output pixel reads, and with which weights.
///
/// TF's rules (tensorflow/core/kernels/image/resize_bilinear_op.cc, resize_nearest_neighbor_op.cc,
/// image_resizer_state.h):
/// - scale = (in - 1) / (out - 1) with align_corners and out > 1, else in / out;
/// - bilinear source coordinate: (x + 0.5) * scale - 0.5 with half_pixel_centers, else x * scale;
///   lower = max(floor(s), 0), upper = min(ceil(s), in - 1), weight of upper = s - floor(s);
/// - nearest source: with half_pixel_centers floor((x + 0.5) * scale), with align_corners
///   round(x * scale), else floor(x * scale); clamped to [0, in - 1].
#pragma once
#ifndef STATICFLOW_OPS_RESIZE_HPP
#define STATICFLOW_OPS_RESIZE_HPP

#include <cmath>
#include <cstddef>

#include "staticflow/config.hpp"

namespace staticflow::ops {

/// The sizes and coordinate rule of one resize: [n, in_h, in_w, c] -> [n, out_h, out_w, c].
struct resize_geometry {
  std::size_t n, in_h, in_w, out_h, out_w, c;
  float scale_y, scale_x;
  bool half_pixel_centers;

  /// Bilinear taps along one axis: the two source indices and the upper one's weight.
  struct taps {
    std::size_t lower, upper;
    float lerp;
  };
  SF_HD_INLINE static taps bilinear_taps(std::size_t out, float scale, std::size_t in, bool half) {
    const float s = half ? (static_cast<float>(out) + 0.5f) * scale - 0.5f : static_cast<float>(out) * scale;
    const float f = std::floor(s);
    const long long last = static_cast<long long>(in) - 1;
    const long long lo = static_cast<long long>(f) < 0 ? 0 : static_cast<long long>(f);
    const long long up = static_cast<long long>(std::ceil(s)) < last ? static_cast<long long>(std::ceil(s)) : last;
    return {static_cast<std::size_t>(lo), static_cast<std::size_t>(up), s - f};
  }
  SF_HD_INLINE static std::size_t nearest_source(std::size_t out, float scale, std::size_t in, bool half, bool align) {
    const float s = half ? (static_cast<float>(out) + 0.5f) * scale : static_cast<float>(out) * scale;
    const long long i = static_cast<long long>(align ? std::round(s) : std::floor(s));
    const long long last = static_cast<long long>(in) - 1;
    return static_cast<std::size_t>(i < 0 ? 0 : i > last ? last : i);
  }
};

/// out[n, y, :, :] by bilinear interpolation: one output row per index, so the row's taps are
/// worked out once and each column's once per row, not once per element and channel.
template <class T, class U>
struct resize_bilinear_forward {
  U* out;
  const T* in;
  resize_geometry g;
  SF_HD_INLINE void operator()(std::size_t r) const {
    const std::size_t n = r / g.out_h, y = r % g.out_h, c = g.c;
    const auto ty = resize_geometry::bilinear_taps(y, g.scale_y, g.in_h, g.half_pixel_centers);
    const T* top = in + (n * g.in_h + ty.lower) * g.in_w * c;
    const T* bottom = in + (n * g.in_h + ty.upper) * g.in_w * c;
    // In the output's type (float for integer images, as TF; double stays double).
    const U wy = static_cast<U>(ty.lerp);
    U* o = out + r * g.out_w * c;
    for (std::size_t x = 0; x < g.out_w; ++x, o += c) {
      const auto tx = resize_geometry::bilinear_taps(x, g.scale_x, g.in_w, g.half_pixel_centers);
      const U wx = static_cast<U>(tx.lerp);
      const T *tl = top + tx.lower * c, *tr = top + tx.upper * c, *bl = bottom + tx.lower * c, *br = bottom + tx.upper * c;
      for (std::size_t ch = 0; ch < c; ++ch) {
        const U t = static_cast<U>(tl[ch]) + (static_cast<U>(tr[ch]) - static_cast<U>(tl[ch])) * wx;
        const U b = static_cast<U>(bl[ch]) + (static_cast<U>(br[ch]) - static_cast<U>(bl[ch])) * wx;
        o[ch] = t + (b - t) * wy;
      }
    }
  }
};

/// The input's gradient of a bilinear resize, one (image, channel) plane per index, walking the
/// output in order: no two indices write one element (no atomics, the same sums on every device).
template <class T>
struct resize_bilinear_backward {
  T* d;
  const T* g;
  resize_geometry geo;
  SF_HD_INLINE void operator()(std::size_t k) const {
    const std::size_t n = k / geo.c, ch = k % geo.c;
    T* dn = d + n * geo.in_h * geo.in_w * geo.c + ch;
    for (std::size_t p = 0; p < geo.in_h * geo.in_w; ++p) dn[p * geo.c] = T(0);
    const T* gn = g + n * geo.out_h * geo.out_w * geo.c + ch;
    for (std::size_t y = 0; y < geo.out_h; ++y) {
      const auto ty = resize_geometry::bilinear_taps(y, geo.scale_y, geo.in_h, geo.half_pixel_centers);
      for (std::size_t x = 0; x < geo.out_w; ++x) {
        const auto tx = resize_geometry::bilinear_taps(x, geo.scale_x, geo.in_w, geo.half_pixel_centers);
        const T v = gn[(y * geo.out_w + x) * geo.c];
        const T wy = static_cast<T>(ty.lerp), wx = static_cast<T>(tx.lerp);
        dn[(ty.lower * geo.in_w + tx.lower) * geo.c] += v * (T(1) - wy) * (T(1) - wx);
        dn[(ty.lower * geo.in_w + tx.upper) * geo.c] += v * (T(1) - wy) * wx;
        dn[(ty.upper * geo.in_w + tx.lower) * geo.c] += v * wy * (T(1) - wx);
        dn[(ty.upper * geo.in_w + tx.upper) * geo.c] += v * wy * wx;
      }
    }
  }
};

/// out[n, y, x, ch] = the nearest source pixel's value.
template <class T>
struct resize_nearest_forward {
  T* out;
  const T* in;
  resize_geometry g;
  bool align_corners;
  SF_HD_INLINE void operator()(std::size_t i) const {
    const std::size_t ch = i % g.c, x = i / g.c % g.out_w, y = i / (g.c * g.out_w) % g.out_h, n = i / (g.c * g.out_w * g.out_h);
    const std::size_t sy = resize_geometry::nearest_source(y, g.scale_y, g.in_h, g.half_pixel_centers, align_corners);
    const std::size_t sx = resize_geometry::nearest_source(x, g.scale_x, g.in_w, g.half_pixel_centers, align_corners);
    out[i] = in[((n * g.in_h + sy) * g.in_w + sx) * g.c + ch];
  }
};

/// The input's gradient of a nearest-neighbour resize: each output's gradient into the pixel it
/// read, one (image, channel) plane per index as in resize_bilinear_backward.
template <class T>
struct resize_nearest_backward {
  T* d;
  const T* g;
  resize_geometry geo;
  bool align_corners;
  SF_HD_INLINE void operator()(std::size_t k) const {
    const std::size_t n = k / geo.c, ch = k % geo.c;
    T* dn = d + n * geo.in_h * geo.in_w * geo.c + ch;
    for (std::size_t p = 0; p < geo.in_h * geo.in_w; ++p) dn[p * geo.c] = T(0);
    const T* gn = g + n * geo.out_h * geo.out_w * geo.c + ch;
    for (std::size_t y = 0; y < geo.out_h; ++y) {
      const std::size_t sy = resize_geometry::nearest_source(y, geo.scale_y, geo.in_h, geo.half_pixel_centers, align_corners);
      for (std::size_t x = 0; x < geo.out_w; ++x) {
        const std::size_t sx = resize_geometry::nearest_source(x, geo.scale_x, geo.in_w, geo.half_pixel_centers, align_corners);
        dn[(sy * geo.in_w + sx) * geo.c] += gn[(y * geo.out_w + x) * geo.c];
      }
    }
  }
};

/// TF's bicubic taps along one axis (resize_bicubic_op.cc): four source indices and weights of
/// the cubic convolution kernel with a = -0.75 (legacy) or Keys' a = -0.5 (half_pixel_centers),
/// sampled like TF's table at 1/1024 steps of the fractional position. Legacy clamps taps to the
/// edge; half-pixel drops taps outside the image and renormalises the rest, as TF does.
struct cubic_taps {
  std::size_t index[4];
  float weight[4];
};
SF_HD_INLINE float cubic_near(float x, float a) { return ((a + 2) * x - (a + 3)) * x * x + 1; }         // |x| <= 1
SF_HD_INLINE float cubic_far(float x, float a) { return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a; }  // 1 < |x| < 2
SF_HD_INLINE cubic_taps bicubic_taps(std::size_t out, float scale, std::size_t in, bool half) {
  constexpr long long table = 1024;
  const float a = half ? -0.5f : -0.75f;
  const float s = half ? (static_cast<float>(out) + 0.5f) * scale - 0.5f : static_cast<float>(out) * scale;
  const long long base = static_cast<long long>(std::floor(s));
  const long long step = static_cast<long long>(std::nearbyint((s - static_cast<float>(base)) * table));
  const float t = static_cast<float>(step) / table, u = static_cast<float>(table - step) / table;
  const float w[4] = {cubic_far(t + 1, a), cubic_near(t, a), cubic_near(u, a), cubic_far(u + 1, a)};
  cubic_taps r{};
  float sum = 0;
  const long long last = static_cast<long long>(in) - 1;
  for (int k = 0; k < 4; ++k) {
    const long long i = base - 1 + k, b = i < 0 ? 0 : i > last ? last : i;
    r.index[k] = static_cast<std::size_t>(b);
    r.weight[k] = !half || b == i ? w[k] : 0.0f;
    sum += r.weight[k];
  }
  if (half && std::abs(sum) >= 1000.0f * 1.17549435e-38f)
    for (float& x : r.weight) x /= sum;
  return r;
}

/// out[n, y, x, ch] by bicubic interpolation (rows of 4 taps, then the column of their results).
template <class T, class U>
struct resize_bicubic_forward {
  U* out;
  const T* in;
  resize_geometry g;
  SF_HD_INLINE void operator()(std::size_t i) const {
    const std::size_t ch = i % g.c, x = i / g.c % g.out_w, y = i / (g.c * g.out_w) % g.out_h, n = i / (g.c * g.out_w * g.out_h);
    const cubic_taps ty = bicubic_taps(y, g.scale_y, g.in_h, g.half_pixel_centers);
    const cubic_taps tx = bicubic_taps(x, g.scale_x, g.in_w, g.half_pixel_centers);
    const T* img = in + n * g.in_h * g.in_w * g.c + ch;
    U sum = 0;
    for (int r = 0; r < 4; ++r) {
      U row = 0;
      for (int k = 0; k < 4; ++k) row += static_cast<U>(tx.weight[k]) * static_cast<U>(img[(ty.index[r] * g.in_w + tx.index[k]) * g.c]);
      sum += static_cast<U>(ty.weight[r]) * row;
    }
    out[i] = sum;
  }
};

/// The input's gradient of a bicubic resize (TF's ResizeBicubicGrad), one (image, channel)
/// plane per index, as resize_bilinear_backward.
template <class T>
struct resize_bicubic_backward {
  T* d;
  const T* g;
  resize_geometry geo;
  SF_HD_INLINE void operator()(std::size_t k) const {
    const std::size_t n = k / geo.c, ch = k % geo.c;
    T* dn = d + n * geo.in_h * geo.in_w * geo.c + ch;
    for (std::size_t p = 0; p < geo.in_h * geo.in_w; ++p) dn[p * geo.c] = T(0);
    const T* gn = g + n * geo.out_h * geo.out_w * geo.c + ch;
    for (std::size_t y = 0; y < geo.out_h; ++y) {
      const cubic_taps ty = bicubic_taps(y, geo.scale_y, geo.in_h, geo.half_pixel_centers);
      for (std::size_t x = 0; x < geo.out_w; ++x) {
        const cubic_taps tx = bicubic_taps(x, geo.scale_x, geo.in_w, geo.half_pixel_centers);
        const T v = gn[(y * geo.out_w + x) * geo.c];
        for (int r = 0; r < 4; ++r)
          for (int c = 0; c < 4; ++c)
            dn[(ty.index[r] * geo.in_w + tx.index[c]) * geo.c] += v * static_cast<T>(ty.weight[r]) * static_cast<T>(tx.weight[c]);
      }
    }
  }
};

/// TF's ResizeArea: each output pixel the average of the input area it covers, [y s, (y + 1) s)
/// by [x s, (x + 1) s) (s the scale), pixels partly inside weighted by the part inside; indices
/// past the edge read the edge pixel (TF's bound). One output row per index.
template <class T, class U>
struct resize_area_forward {
  U* out;
  const T* in;
  resize_geometry g;
  /// The input cells [first, end) an output cell covers along one axis, and the covered part of
  /// cell k (the overlap of [k, k + 1) with [lo, hi)).
  struct cover {
    float lo, hi;
    long long first, end;
    SF_HD_INLINE float part(long long k) const {
      const float a = static_cast<float>(k), b = static_cast<float>(k + 1);
      return (b < hi ? b : hi) - (a > lo ? a : lo);
    }
  };
  SF_HD_INLINE static cover span(std::size_t o, float scale) {
    const float lo = static_cast<float>(o) * scale, hi = static_cast<float>(o + 1) * scale;
    return {lo, hi, static_cast<long long>(std::floor(lo)), static_cast<long long>(std::ceil(hi))};
  }
  SF_HD_INLINE static std::size_t bound(long long k, std::size_t size) {
    const long long last = static_cast<long long>(size) - 1;
    return static_cast<std::size_t>(k < 0 ? 0 : k > last ? last : k);
  }
  SF_HD_INLINE void operator()(std::size_t r) const {
    const std::size_t n = r / g.out_h, y = r % g.out_h, c = g.c;
    const cover cy = span(y, g.scale_y);
    const U norm = U(1) / static_cast<U>(g.scale_y * g.scale_x);
    U* o = out + r * g.out_w * c;
    for (std::size_t x = 0; x < g.out_w; ++x, o += c) {
      const cover cx = span(x, g.scale_x);
      // Up to 4 channels at a time in locals: `in` may be bytes, which may alias the output, so
      // sums kept in `o` would be stored and reloaded at every tap.
      for (std::size_t c0 = 0; c0 < c; c0 += 4) {
        const std::size_t cn = c - c0 < 4 ? c - c0 : 4;
        U acc[4] = {U(0), U(0), U(0), U(0)};
        for (long long k = cy.first; k < cy.end; ++k) {
          const U wy = static_cast<U>(cy.part(k));
          const T* row = in + (n * g.in_h + bound(k, g.in_h)) * g.in_w * c + c0;
          for (long long j = cx.first; j < cx.end; ++j) {
            const U w = wy * static_cast<U>(cx.part(j));
            const T* p = row + bound(j, g.in_w) * c;
            for (std::size_t ch = 0; ch < cn; ++ch) acc[ch] += w * static_cast<U>(p[ch]);
          }
        }
        for (std::size_t ch = 0; ch < cn; ++ch) o[c0 + ch] = acc[ch] * norm;
      }
    }
  }
};

}  // namespace staticflow::ops
#endif  // STATICFLOW_OPS_RESIZE_HPP
