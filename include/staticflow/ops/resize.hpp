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

/// out[n, y, x, ch] by bilinear interpolation; one output element per index.
template <class T, class U>
struct resize_bilinear_forward {
  U* out;
  const T* in;
  resize_geometry g;
  SF_HD_INLINE void operator()(std::size_t i) const {
    const std::size_t ch = i % g.c, x = i / g.c % g.out_w, y = i / (g.c * g.out_w) % g.out_h, n = i / (g.c * g.out_w * g.out_h);
    const auto ty = resize_geometry::bilinear_taps(y, g.scale_y, g.in_h, g.half_pixel_centers);
    const auto tx = resize_geometry::bilinear_taps(x, g.scale_x, g.in_w, g.half_pixel_centers);
    const T* img = in + n * g.in_h * g.in_w * g.c + ch;
    // In the output's type (float for integer images, as TF; double stays double).
    const auto at = [&](std::size_t r, std::size_t col) { return static_cast<U>(img[(r * g.in_w + col) * g.c]); };
    const U wx = static_cast<U>(tx.lerp), wy = static_cast<U>(ty.lerp);
    const U top = at(ty.lower, tx.lower) + (at(ty.lower, tx.upper) - at(ty.lower, tx.lower)) * wx;
    const U bottom = at(ty.upper, tx.lower) + (at(ty.upper, tx.upper) - at(ty.upper, tx.lower)) * wx;
    out[i] = top + (bottom - top) * wy;
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
/// past the edge read the edge pixel (TF's bound).
template <class T, class U>
struct resize_area_forward {
  U* out;
  const T* in;
  resize_geometry g;
  SF_HD_INLINE static void span(std::size_t o, float scale, std::size_t in, long long& first, long long& end, float& lo, float& hi) {
    lo = static_cast<float>(o) * scale;
    hi = static_cast<float>(o + 1) * scale;
    first = static_cast<long long>(std::floor(lo));
    end = static_cast<long long>(std::ceil(hi));
    (void)in;
  }
  SF_HD_INLINE void operator()(std::size_t i) const {
    const std::size_t ch = i % g.c, x = i / g.c % g.out_w, y = i / (g.c * g.out_w) % g.out_h, n = i / (g.c * g.out_w * g.out_h);
    long long y0, y1, x0, x1;
    float ylo, yhi, xlo, xhi;
    span(y, g.scale_y, g.in_h, y0, y1, ylo, yhi);
    span(x, g.scale_x, g.in_w, x0, x1, xlo, xhi);
    const T* img = in + n * g.in_h * g.in_w * g.c + ch;
    const long long last_y = static_cast<long long>(g.in_h) - 1, last_x = static_cast<long long>(g.in_w) - 1;
    U sum = 0;
    for (long long r = y0; r < y1; ++r) {
      const float wy = (static_cast<float>(r + 1) < yhi ? static_cast<float>(r + 1) : yhi) - (static_cast<float>(r) > ylo ? static_cast<float>(r) : ylo);
      const std::size_t br = static_cast<std::size_t>(r < 0 ? 0 : r > last_y ? last_y : r);
      U row = 0;
      for (long long c = x0; c < x1; ++c) {
        const float wx = (static_cast<float>(c + 1) < xhi ? static_cast<float>(c + 1) : xhi) - (static_cast<float>(c) > xlo ? static_cast<float>(c) : xlo);
        const std::size_t bc = static_cast<std::size_t>(c < 0 ? 0 : c > last_x ? last_x : c);
        row += static_cast<U>(wx) * static_cast<U>(img[(br * g.in_w + bc) * g.c]);
      }
      sum += static_cast<U>(wy) * row;
    }
    out[i] = sum / static_cast<U>(g.scale_y * g.scale_x);
  }
};

}  // namespace staticflow::ops
#endif  // STATICFLOW_OPS_RESIZE_HPP
