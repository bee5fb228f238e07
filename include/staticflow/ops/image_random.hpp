// SPDX-License-Identifier: MIT
/// \file
/// \brief Kernels of tf.image's random ops. Every draw is a pure function of (seed, run, index),
/// as dropout's mask is: the run counter (a scalar int64 variable) numbers the evaluations, so
/// each evaluation draws anew, the same seed and counter give the same images on every device,
/// and the backward pass sees the forward pass's draws without storing them.
#pragma once
#ifndef STATICFLOW_OPS_IMAGE_RANDOM_HPP
#define STATICFLOW_OPS_IMAGE_RANDOM_HPP

#include <cstddef>
#include <cstdint>

#include "staticflow/core/random.hpp"

namespace staticflow::ops {

/// Draw `i` of run `run`, uniform in [0, 1).
SF_HD_INLINE double image_draw(std::uint64_t seed, std::int64_t run, std::uint64_t i) {
  uniform_generator<double> u{};
  u.seed = seed;
  u.stream = static_cast<std::uint64_t>(run);
  return u(i);
}

/// Advances the run counter (one index).
struct image_next_run {
  std::int64_t* run;
  SF_HD_INLINE void operator()(std::size_t) const { ++*run; }
};

/// Each image of [n, h, w, c] reversed along its width (Axis 2) or height (Axis 1) when its coin
/// (draw n) comes up below one half, as TF 1.x's random_flip_* do per image. The same map sends
/// gradients back: a flip is its own inverse.
template <class T, int Axis>
struct random_flip_pixels {
  T* out;
  const T* in;
  const std::int64_t* run;
  std::uint64_t seed;
  std::size_t h, w, c;
  SF_HD_INLINE void operator()(std::size_t i) const {
    const std::size_t ch = i % c, x = i / c % w, y = i / (c * w) % h, n = i / (c * w * h);
    const bool flip = image_draw(seed, *run, n) < 0.5;
    const std::size_t sx = Axis == 2 && flip ? w - 1 - x : x, sy = Axis == 1 && flip ? h - 1 - y : y;
    out[i] = in[((n * h + sy) * w + sx) * c + ch];
  }
};

/// One value per run, uniform in [lo, hi) (draw 0): a scalar output.
template <class T>
struct random_scalar_value {
  T* out;
  const std::int64_t* run;
  std::uint64_t seed;
  double lo, hi;
  SF_HD_INLINE void operator()(std::size_t) const { out[0] = static_cast<T>(lo + (hi - lo) * image_draw(seed, *run, 0)); }
};

/// A crop of th x tw at one random offset per run (draws 0 and 1: TF's random_crop draws one
/// offset for the whole tensor), forward; `backward` scatters the gradient into the window.
template <class T>
struct random_crop_pixels {
  T* out;
  const T* in;
  const std::int64_t* run;
  std::uint64_t seed;
  std::size_t h, w, c, th, tw;
  SF_HD_INLINE std::size_t offset(std::uint64_t k, std::size_t room) const {
    const auto o = static_cast<std::size_t>(image_draw(seed, *run, k) * static_cast<double>(room + 1));
    return o > room ? room : o;
  }
  SF_HD_INLINE void operator()(std::size_t i) const {
    const std::size_t ch = i % c, x = i / c % tw, y = i / (c * tw) % th, n = i / (c * tw * th);
    out[i] = in[((n * h + y + offset(0, h - th)) * w + x + offset(1, w - tw)) * c + ch];
  }
};
template <class T>
struct random_crop_backward {
  T* d;
  const T* g;
  const std::int64_t* run;
  std::uint64_t seed;
  std::size_t h, w, c, th, tw;
  SF_HD_INLINE void operator()(std::size_t i) const {  // one input element each
    const random_crop_pixels<T> at{nullptr, nullptr, run, seed, h, w, c, th, tw};
    const std::size_t oy = at.offset(0, h - th), ox = at.offset(1, w - tw);
    const std::size_t ch = i % c, x = i / c % w, y = i / (c * w) % h, n = i / (c * w * h);
    const bool inside = y >= oy && y < oy + th && x >= ox && x < ox + tw;
    d[i] = inside ? g[((n * th + y - oy) * tw + x - ox) * c + ch] : T(0);
  }
};

}  // namespace staticflow::ops
#endif  // STATICFLOW_OPS_IMAGE_RANDOM_HPP
