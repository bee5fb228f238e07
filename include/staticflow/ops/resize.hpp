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

}  // namespace staticflow::ops
#endif  // STATICFLOW_OPS_RESIZE_HPP
