// SPDX-License-Identifier: MIT
/// \file
/// \brief Kernels of TF's CropAndResize (bilinear) and its gradient with respect to the image.
///
/// TF's definition (tensorflow/core/kernels/image/crop_and_resize_op.cc), for box (y1, x1, y2, x2)
/// in normalised coordinates and a crop of ch x cw: in_y = y1 (h - 1) + y (y2 - y1) (h - 1) / (ch - 1)
/// (the box's centre (y1 + y2) / 2 (h - 1) when ch = 1); a sample outside [0, h - 1] reads the
/// extrapolation value; inside, the four neighbours floor/ceil are interpolated.
#pragma once
#ifndef STATICFLOW_OPS_CROP_AND_RESIZE_HPP
#define STATICFLOW_OPS_CROP_AND_RESIZE_HPP

#include <cmath>
#include <cstddef>
#include <cstdint>

#include "staticflow/config.hpp"

namespace staticflow::ops {

struct crop_geometry {
  std::size_t h, w, c, crop_h, crop_w;
};

/// Where crop row (or column) `o` samples along an axis of `size` pixels; false when outside.
SF_HD_INLINE bool crop_sample(float lo, float hi, std::size_t o, std::size_t crop, std::size_t size, float& at) {
  const float span = static_cast<float>(size - 1);
  at = crop > 1 ? lo * span + static_cast<float>(o) * ((hi - lo) * span / static_cast<float>(crop - 1)) : 0.5f * (lo + hi) * span;
  return at >= 0 && at <= span;
}

/// out[b, y, x, ch]: one crop row per index (b, y).
template <class T, class U, class I>
struct crop_and_resize_forward {
  U* out;
  const T* image;
  const float* boxes;
  const I* box_index;
  crop_geometry g;
  float extrapolation;
  SF_HD_INLINE void operator()(std::size_t r) const {
    const std::size_t b = r / g.crop_h, y = r % g.crop_h;
    const float* box = boxes + 4 * b;
    U* o = out + r * g.crop_w * g.c;
    float in_y;
    if (!crop_sample(box[0], box[2], y, g.crop_h, g.h, in_y)) {
      for (std::size_t i = 0; i < g.crop_w * g.c; ++i) o[i] = static_cast<U>(extrapolation);
      return;
    }
    const std::size_t top = static_cast<std::size_t>(std::floor(in_y)), bottom = static_cast<std::size_t>(std::ceil(in_y));
    const U wy = static_cast<U>(in_y - std::floor(in_y));
    const T* img = image + static_cast<std::size_t>(box_index[b]) * g.h * g.w * g.c;
    for (std::size_t x = 0; x < g.crop_w; ++x, o += g.c) {
      float in_x;
      if (!crop_sample(box[1], box[3], x, g.crop_w, g.w, in_x)) {
        for (std::size_t ch = 0; ch < g.c; ++ch) o[ch] = static_cast<U>(extrapolation);
        continue;
      }
      const std::size_t left = static_cast<std::size_t>(std::floor(in_x)), right = static_cast<std::size_t>(std::ceil(in_x));
      const U wx = static_cast<U>(in_x - std::floor(in_x));
      for (std::size_t ch = 0; ch < g.c; ++ch) {
        const auto at = [&](std::size_t yy, std::size_t xx) { return static_cast<U>(img[(yy * g.w + xx) * g.c + ch]); };
        const U t = at(top, left) + (at(top, right) - at(top, left)) * wx;
        const U bo = at(bottom, left) + (at(bottom, right) - at(bottom, left)) * wx;
        o[ch] = t + (bo - t) * wy;
      }
    }
  }
};

/// The image's gradient (TF's CropAndResizeGradImage): one (image, channel) plane per index, the
/// boxes walked in order, so no two indices write one element.
template <class T, class I>
struct crop_and_resize_backward {
  T* d;
  const T* g;
  const float* boxes;
  const I* box_index;
  std::size_t count;
  crop_geometry geo;
  SF_HD_INLINE void operator()(std::size_t k) const {
    const std::size_t n = k / geo.c, ch = k % geo.c;
    T* dn = d + n * geo.h * geo.w * geo.c + ch;
    for (std::size_t p = 0; p < geo.h * geo.w; ++p) dn[p * geo.c] = T(0);
    for (std::size_t b = 0; b < count; ++b) {
      if (static_cast<std::size_t>(box_index[b]) != n) continue;
      const float* box = boxes + 4 * b;
      for (std::size_t y = 0; y < geo.crop_h; ++y) {
        float in_y;
        if (!crop_sample(box[0], box[2], y, geo.crop_h, geo.h, in_y)) continue;
        const std::size_t top = static_cast<std::size_t>(std::floor(in_y)), bottom = static_cast<std::size_t>(std::ceil(in_y));
        const T wy = static_cast<T>(in_y - std::floor(in_y));
        for (std::size_t x = 0; x < geo.crop_w; ++x) {
          float in_x;
          if (!crop_sample(box[1], box[3], x, geo.crop_w, geo.w, in_x)) continue;
          const std::size_t left = static_cast<std::size_t>(std::floor(in_x)), right = static_cast<std::size_t>(std::ceil(in_x));
          const T wx = static_cast<T>(in_x - std::floor(in_x));
          const T v = g[((b * geo.crop_h + y) * geo.crop_w + x) * geo.c + ch];
          dn[(top * geo.w + left) * geo.c] += v * (T(1) - wy) * (T(1) - wx);
          dn[(top * geo.w + right) * geo.c] += v * (T(1) - wy) * wx;
          dn[(bottom * geo.w + left) * geo.c] += v * wy * (T(1) - wx);
          dn[(bottom * geo.w + right) * geo.c] += v * wy * wx;
        }
      }
    }
  }
};

}  // namespace staticflow::ops
#endif  // STATICFLOW_OPS_CROP_AND_RESIZE_HPP
