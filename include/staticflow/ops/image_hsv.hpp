// SPDX-License-Identifier: MIT
/// \file
/// \brief Per-pixel colour-space kernels of tf.image: RGB <-> HSV (TF's rgb_to_hsv and
/// hsv_to_rgb), and the hue and saturation adjustments that go through HSV.
///
/// TF's definitions (tensorflow/core/kernels/image/colorspace_op.h, adjust_hsv_in_yiq is not
/// used by these): v = max(r, g, b), c = v - min(r, g, b), s = c / v (0 when v = 0), and h in
/// [0, 1): (g - b) / c when v = r, 2 + (b - r) / c when v = g, 4 + (r - g) / c otherwise, over 6,
/// plus 1 when negative (0 when c = 0). Back: c = s v, h' = 6 h, x = c (1 - |h' mod 2 - 1|), the
/// sector floor(h') picks (c, x, 0), (x, c, 0), (0, c, x), (0, x, c), (x, 0, c), (c, 0, x), plus v - c.
#pragma once
#ifndef STATICFLOW_OPS_IMAGE_HSV_HPP
#define STATICFLOW_OPS_IMAGE_HSV_HPP

#include <cmath>
#include <cstddef>

#include "staticflow/config.hpp"

namespace staticflow::ops {

template <class T>
SF_HD_INLINE void rgb_to_hsv_pixel(const T* rgb, T* hsv) {
  const T r = rgb[0], g = rgb[1], b = rgb[2];
  const T v = r > g ? (r > b ? r : b) : (g > b ? g : b);
  const T lo = r < g ? (r < b ? r : b) : (g < b ? g : b);
  const T c = v - lo;
  T h = T(0);
  if (c > T(0)) {
    h = v == r ? (g - b) / c : v == g ? T(2) + (b - r) / c : T(4) + (r - g) / c;
    h /= T(6);
    if (h < T(0)) h += T(1);
  }
  hsv[0] = h;
  hsv[1] = v > T(0) ? c / v : T(0);
  hsv[2] = v;
}

template <class T>
SF_HD_INLINE void hsv_to_rgb_pixel(const T* hsv, T* rgb) {
  const T h = hsv[0], s = hsv[1], v = hsv[2];
  const T c = s * v, m = v - c, dh = h * T(6);
  const T sector = std::floor(dh);
  const T mod2 = dh - T(2) * std::floor(dh / T(2));
  const T x = c * (T(1) - std::abs(mod2 - T(1)));
  T r = 0, g = 0, b = 0;
  switch (static_cast<int>(sector)) {
    case 0: r = c, g = x; break;
    case 1: r = x, g = c; break;
    case 2: g = c, b = x; break;
    case 3: g = x, b = c; break;
    case 4: r = x, b = c; break;
    case 5: r = c, b = x; break;
    default: break;  // h outside [0, 1): TF's kernel gives m everywhere too
  }
  rgb[0] = r + m, rgb[1] = g + m, rgb[2] = b + m;
}

/// What one pixel goes through: RGB to HSV, back, or a round trip with a hue shift (wrapped
/// into [0, 1)) and a saturation factor (clipped to [0, 1]), as TF's AdjustHue / AdjustSaturation.
enum class hsv_kind { to_hsv, to_rgb, adjust };

template <class T, hsv_kind Kind>
struct hsv_pixels {
  T* out;
  const T* in;
  T hue_delta, saturation_factor;
  SF_HD_INLINE void operator()(std::size_t p) const {
    const T* src = in + 3 * p;
    T* dst = out + 3 * p;
    if constexpr (Kind == hsv_kind::to_hsv) {
      rgb_to_hsv_pixel(src, dst);
    } else if constexpr (Kind == hsv_kind::to_rgb) {
      hsv_to_rgb_pixel(src, dst);
    } else {
      T hsv[3];
      rgb_to_hsv_pixel(src, hsv);
      T h = hsv[0] + hue_delta;
      h -= std::floor(h);  // into [0, 1)
      T s = hsv[1] * saturation_factor;
      s = s < T(0) ? T(0) : s > T(1) ? T(1) : s;
      hsv[0] = h, hsv[1] = s;
      hsv_to_rgb_pixel(hsv, dst);
    }
  }
};

/// The adjustment of hsv_pixels with its amount read from memory (a scalar another op drew):
/// a hue shift when `hue`, else a saturation factor.
template <class T>
struct hsv_adjust_by {
  T* out;
  const T* in;
  const T* amount;
  bool hue;
  SF_HD_INLINE void operator()(std::size_t p) const {
    const T a = *amount;
    hsv_pixels<T, hsv_kind::adjust>{out, in, hue ? a : T(0), hue ? T(1) : a}(p);
  }
};

}  // namespace staticflow::ops
#endif  // STATICFLOW_OPS_IMAGE_HSV_HPP
