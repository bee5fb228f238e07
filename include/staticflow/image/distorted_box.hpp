// SPDX-License-Identifier: MIT
/// \file
/// \brief `image::sample_distorted_bounding_box`: TF's tf.image.sample_distorted_bounding_box,
/// the random crop of Inception's preprocessing: a box of random aspect ratio and area that
/// covers enough of one of the given object boxes, or the whole image when none is found.
///
/// TF's algorithm (sample_distorted_bounding_box_op.cc), with staticflow's counter-based random
/// numbers (so the same seed and draw number give the same box; TF's own stream differs): up to
/// `max_attempts` times, draw an aspect ratio in the range and one of the object boxes; the
/// height runs from round(sqrt(min_area / ratio)) to round(sqrt(max_area / ratio)) (capped so
/// the width fits), one is drawn, the width is round(height * ratio), the area nudged into range;
/// the position is drawn uniformly; the crop is kept when it covers at least
/// `min_object_covered` of some object box.
#pragma once
#ifndef STATICFLOW_IMAGE_DISTORTED_BOX_HPP
#define STATICFLOW_IMAGE_DISTORTED_BOX_HPP

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "staticflow/core/error.hpp"
#include "staticflow/core/random.hpp"

namespace staticflow::image {

/// A box in normalised coordinates (TF's order: ymin, xmin, ymax, xmax).
struct normalized_box {
  float ymin = 0, xmin = 0, ymax = 1, xmax = 1;
};

/// tf.image.sample_distorted_bounding_box's arguments (TF's defaults).
struct distorted_box_options {
  float min_object_covered = 0.1f;
  float min_aspect_ratio = 0.75f, max_aspect_ratio = 1.33f;
  float min_area = 0.05f, max_area = 1.0f;
  int max_attempts = 100;
  /// With no object boxes: the whole image is the object box (else invalid_argument, as TF).
  bool use_image_if_no_bounding_boxes = false;
};

/// The crop: `begin` and `size` as tf.slice takes them (height, width), and the box it is.
struct distorted_box {
  std::size_t offset_y = 0, offset_x = 0, height = 0, width = 0;
  normalized_box box;
};

namespace detail {

struct box_rng {
  std::uint64_t seed, draw;
  std::uint64_t i = 0;
  double uniform() {  // [0, 1)
    uniform_generator<double> u{};
    u.seed = seed;
    u.stream = draw;
    return u(i++);
  }
  std::size_t below(std::size_t n) { return std::min(n - 1, static_cast<std::size_t>(uniform() * static_cast<double>(n))); }
};

struct pixel_rect {
  long long x0, y0, x1, y1;  // [x0, x1) x [y0, y1)
  long long area() const { return (x1 - x0) * (y1 - y0); }
};

inline bool random_crop_rect(box_rng& r, long long w, long long h, double min_area, double max_area, float ratio,
                             pixel_rect& out) {
  long long height = std::lrint(std::sqrt(min_area / ratio));
  long long max_height = std::lrint(std::sqrt(max_area / ratio));
  if (std::lrint(static_cast<double>(max_height) * ratio) > w)  // the largest height whose width fits
    max_height = static_cast<long long>((static_cast<double>(w) + 0.5 - 1e-7) / ratio);
  max_height = std::min(max_height, h);
  height = std::min(height, max_height);
  if (height < max_height) height += static_cast<long long>(r.below(static_cast<std::size_t>(max_height - height + 1)));
  long long width = std::lrint(static_cast<double>(height) * ratio);
  double area = static_cast<double>(width * height);
  if (area < min_area) {
    height += 1;
    width = std::lrint(static_cast<double>(height) * ratio);
    area = static_cast<double>(width * height);
  }
  if (area > max_area) {
    height -= 1;
    width = std::lrint(static_cast<double>(height) * ratio);
    area = static_cast<double>(width * height);
  }
  if (area < min_area || area > max_area || width > w || height > h || width <= 0 || height <= 0) return false;
  const long long y = height < h ? static_cast<long long>(r.below(static_cast<std::size_t>(h - height))) : 0;
  const long long x = width < w ? static_cast<long long>(r.below(static_cast<std::size_t>(w - width))) : 0;
  out = {x, y, x + width, y + height};
  return true;
}

inline bool covers_enough(const pixel_rect& crop, const pixel_rect& object, float min_covered) {
  const long long ix = std::min(crop.x1, object.x1) - std::max(crop.x0, object.x0);
  const long long iy = std::min(crop.y1, object.y1) - std::max(crop.y0, object.y0);
  if (object.area() <= 0) return false;
  const double inter = ix > 0 && iy > 0 ? static_cast<double>(ix * iy) : 0.0;
  return inter / static_cast<double>(object.area()) >= min_covered;
}

}  // namespace detail

/// A random crop of an image of `height` x `width` pixels covering at least
/// `min_object_covered` of one of `objects`; draw `draw` of `seed` (count the calls to get new
/// boxes). **Errors:** invalid_argument for an empty image, ranges that are empty or out of
/// (0, 1], a box outside [0, 1] or upside down, or no boxes without use_image_if_no_bounding_boxes.
inline distorted_box sample_distorted_bounding_box(std::size_t height, std::size_t width,
                                                   std::span<const normalized_box> objects, std::uint64_t seed,
                                                   std::uint64_t draw, const distorted_box_options& o = {}) {
  const char* who = "sf::image::sample_distorted_bounding_box";
  if (height == 0 || width == 0) staticflow::detail::fail<invalid_argument>({who, ": an image of ", height, " x ", width});
  if (!(o.min_area > 0 && o.min_area <= o.max_area && o.max_area <= 1))
    staticflow::detail::fail<invalid_argument>({who, ": area range [", o.min_area, ", ", o.max_area, "] is not within (0, 1]"});
  if (!(o.min_aspect_ratio > 0 && o.min_aspect_ratio <= o.max_aspect_ratio))
    staticflow::detail::fail<invalid_argument>({who, ": aspect ratio range [", o.min_aspect_ratio, ", ", o.max_aspect_ratio,
                                                "] is empty or not positive"});
  const normalized_box whole{};
  if (objects.empty() && !o.use_image_if_no_bounding_boxes)
    staticflow::detail::fail<invalid_argument>({who, ": no bounding boxes (set use_image_if_no_bounding_boxes)"});
  const std::span<const normalized_box> boxes = objects.empty() ? std::span<const normalized_box>(&whole, 1) : objects;
  const auto h = static_cast<long long>(height), w = static_cast<long long>(width);
  std::vector<detail::pixel_rect> rects;
  for (std::size_t i = 0; i < boxes.size(); ++i) {
    const normalized_box& b = boxes[i];
    if (!(b.ymin >= 0 && b.xmin >= 0 && b.ymax <= 1 && b.xmax <= 1 && b.ymin <= b.ymax && b.xmin <= b.xmax))
      staticflow::detail::fail<invalid_argument>({who, ": box ", i, " (", b.ymin, ", ", b.xmin, ", ", b.ymax, ", ", b.xmax,
                                                  ") is not within [0, 1] or is upside down"});
    rects.push_back({static_cast<long long>(b.xmin * static_cast<float>(w)), static_cast<long long>(b.ymin * static_cast<float>(h)),
                     static_cast<long long>(b.xmax * static_cast<float>(w)), static_cast<long long>(b.ymax * static_cast<float>(h))});
  }
  detail::box_rng r{seed, draw};
  const double min_area = o.min_area * static_cast<double>(h * w), max_area = o.max_area * static_cast<double>(h * w);
  detail::pixel_rect crop{0, 0, w, h};
  for (int attempt = 0; attempt < o.max_attempts; ++attempt) {
    const float ratio = static_cast<float>(o.min_aspect_ratio + (o.max_aspect_ratio - o.min_aspect_ratio) * r.uniform());
    const detail::pixel_rect& object = rects[r.below(rects.size())];
    detail::pixel_rect candidate;
    if (detail::random_crop_rect(r, w, h, min_area, max_area, ratio, candidate) &&
        detail::covers_enough(candidate, object, o.min_object_covered)) {
      crop = candidate;
      break;
    }
  }
  distorted_box out;
  out.offset_y = static_cast<std::size_t>(crop.y0), out.offset_x = static_cast<std::size_t>(crop.x0);
  out.height = static_cast<std::size_t>(crop.y1 - crop.y0), out.width = static_cast<std::size_t>(crop.x1 - crop.x0);
  out.box = {static_cast<float>(crop.y0) / static_cast<float>(h), static_cast<float>(crop.x0) / static_cast<float>(w),
             static_cast<float>(crop.y1) / static_cast<float>(h), static_cast<float>(crop.x1) / static_cast<float>(w)};
  return out;
}

}  // namespace staticflow::image
#endif  // STATICFLOW_IMAGE_DISTORTED_BOX_HPP
