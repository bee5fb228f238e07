// SPDX-License-Identifier: MIT
/// \file
/// \brief In-memory image classification data set with TensorFlow's `DataSet.next_batch` semantics.
///
/// Images stay uint8 in memory (an MNIST training split is 43 MB instead of
/// 172 MB as float); batches are converted to float in [0, 1] on the way out,
/// into plain buffers, so this layer does not depend on the tensor type.
#pragma once
#ifndef STATICFLOW_DATA_DATASET_HPP
#define STATICFLOW_DATA_DATASET_HPP

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include "staticflow/config.hpp"
#include "staticflow/core/error.hpp"

namespace staticflow::data {

/// SplitMix64 (Steele, Lea and Flood 2014): a tiny 64-bit generator whose
/// output sequence is fully specified, so shuffles are reproducible across
/// compilers and standard libraries (std::shuffle's algorithm is not).
class splitmix64 {
 public:
  explicit constexpr splitmix64(std::uint64_t seed = 0) noexcept : state_(seed) {}

  /// Next 64-bit output.
  constexpr std::uint64_t operator()() noexcept {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

  /// Uniform integer in [0, bound), without modulo bias: outputs below
  /// 2^64 mod bound are rejected so the rest split evenly. Requires bound > 0.
  constexpr std::uint64_t uniform(std::uint64_t bound) noexcept {
    const std::uint64_t threshold = (0 - bound) % bound;
    for (;;) {
      const std::uint64_t r = (*this)();
      if (r >= threshold) return r % bound;
    }
  }

 private:
  std::uint64_t state_;
};

/// Fisher–Yates shuffle of `v` (from the back: swap v[i] with v[uniform(i + 1)]).
template <class T>
void shuffle(std::vector<T>& v, splitmix64& rng) noexcept {
  for (std::size_t i = v.size(); i > 1; --i) {
    const auto j = static_cast<std::size_t>(rng.uniform(i));
    std::swap(v[i - 1], v[j]);
  }
}

namespace detail {
/// x / 255 for every byte value x (how images become floats in [0, 1]), computed once;
/// division, not x * (1/255), so 255 maps to exactly 1.
inline const std::array<float, 256>& unit_scale_table() noexcept {
  static const std::array<float, 256> table = [] {
    std::array<float, 256> t{};
    for (std::size_t i = 0; i < t.size(); ++i) t[i] = static_cast<float>(i) / 255.0f;
    return t;
  }();
  return table;
}
}  // namespace detail

/// How a dataset delivers batches.
struct dataset_options {
  bool one_hot = false;          ///< labels as `num_classes` floats per example (else one float: the class index)
  bool shuffle = true;           ///< shuffle at the start of the first epoch and at every epoch boundary
  std::uint64_t seed = 0;        ///< seed of the splitmix64 stream behind the shuffles
  std::size_t num_classes = 10;  ///< labels must lie in [0, num_classes)
};

/// One batch, converted to float.
struct batch {
  std::vector<float> images;                ///< size * image_size values in [0, 1], row-major
  std::vector<float> labels;                ///< size * num_classes one-hot if one_hot, else size class indices
  std::vector<std::int32_t> label_indices;  ///< size class indices (always)
  std::size_t size = 0;                     ///< number of examples
};

/// Images (uint8, `image_size` per example, row-major) and their class labels.
///
/// `next_batch` follows TensorFlow's `mnist.DataSet.next_batch` exactly: the first
/// call of epoch 0 shuffles; a batch that would run past the end takes the rest
/// of the current epoch, increments `epochs_completed()`, reshuffles and takes
/// the remainder from the start of the new order. A batch that ends exactly at
/// the end does not yet count the epoch: the next call does (as in TensorFlow).
/// Shuffling permutes an index table; `images()`, `labels()` and the `fill_*`
/// functions always use the original order.
class dataset {
 public:
  /// An empty dataset (next_batch on it throws invalid_argument).
  dataset() = default;

  /// **Errors**: invalid_argument if image_size or num_classes is 0, if images.size() is not
  /// labels.size() * image_size, or if a label is >= num_classes (the message names its index).
  dataset(std::vector<std::uint8_t> images, std::vector<std::uint8_t> labels, std::size_t image_size,
          dataset_options options = {})
      : images_(std::move(images)), labels_(std::move(labels)), image_size_(image_size), options_(options),
        rng_(options.seed) {
    check_construction();
    order_.resize(labels_.size());
    std::iota(order_.begin(), order_.end(), std::size_t{0});
  }

  std::size_t num_examples() const noexcept { return labels_.size(); }
  std::size_t epochs_completed() const noexcept { return epochs_completed_; }
  /// Position inside the current epoch's order (TensorFlow's `_index_in_epoch`).
  std::size_t index_in_epoch() const noexcept { return index_in_epoch_; }
  /// Values per image (784 for MNIST).
  std::size_t image_size() const noexcept { return image_size_; }
  std::size_t num_classes() const noexcept { return options_.num_classes; }
  /// Floats per example in a label buffer: num_classes() if one_hot, else 1.
  std::size_t label_size() const noexcept { return options_.one_hot ? options_.num_classes : 1; }
  const dataset_options& options() const noexcept { return options_; }

  /// The `index`-th of `count` disjoint parts of the examples, for one process of a
  /// data-parallel run (TF's Dataset.shard, Horovod's per-rank data): the examples
  /// index, index + count, index + 2 count, ... of the original order, below
  /// count * floor(num_examples() / count), so every shard holds the same number of examples and
  /// every process takes the same number of steps per epoch (a remainder of fewer than `count`
  /// examples is left out). The shard starts at the beginning of an epoch, with the same
  /// options but the shuffle seed `options().seed + index`, so that shards do not shuffle in
  /// step with one another; `shard(0, 1)` is a fresh copy of this data set.
  /// **Errors**: invalid_argument when count is 0, index >= count, or count > num_examples().
  dataset shard(std::size_t index, std::size_t count) const {
    if (count == 0 || index >= count || count > num_examples())
      staticflow::detail::fail<invalid_argument>({"staticflow::data::dataset::shard: shard ", index, " of ", count,
                                                  " of ", num_examples(), " examples (need index < count <= ",
                                                  "num_examples())"});
    const std::size_t per = num_examples() / count;
    std::vector<std::uint8_t> images(per * image_size_), labels(per);
    for (std::size_t i = 0; i < per; ++i) {
      const std::size_t e = index + i * count;
      std::copy_n(images_.begin() + static_cast<std::ptrdiff_t>(e * image_size_), image_size_,
                  images.begin() + static_cast<std::ptrdiff_t>(i * image_size_));
      labels[i] = labels_[e];
    }
    dataset_options o = options_;
    o.seed += index;
    return dataset(std::move(images), std::move(labels), image_size_, o);
  }

  /// Raw pixels, num_examples() x image_size(), original order.
  const std::vector<std::uint8_t>& images() const noexcept { return images_; }
  /// Raw class labels, original order.
  const std::vector<std::uint8_t>& labels() const noexcept { return labels_; }

  /// The next `n` examples as float buffers (see the class comment for the order).
  /// **Errors**: invalid_argument if n == 0 or n > num_examples().
  batch next_batch(std::size_t n) {
    batch b;
    b.size = n;
    check_batch_size(n);
    b.images.resize(n * image_size_);
    b.labels.resize(n * label_size());
    b.label_indices.resize(n);
    advance(n, [&](std::size_t row, std::size_t example) {
      write_example(example, b.images.data() + row * image_size_, b.labels.data() + row * label_size());
      b.label_indices[row] = labels_[example];
    });
    return b;
  }

  /// Moves past `batches` batches of `n` exactly as that many next_batch calls would (the same
  /// reshuffles), without copying them: a resumed trainer's data order goes on where it stopped.
  void skip_batches(std::size_t batches, std::size_t n) {
    check_batch_size(n);
    for (std::size_t b = 0; b < batches; ++b) advance(n, [](std::size_t, std::size_t) {});
  }

  /// Allocation-free form: writes n * image_size() floats to `images_out` and
  /// n * label_size() floats to `labels_out` (one-hot rows if options().one_hot,
  /// else one class index per example, as float).
  /// **Errors**: invalid_argument if n == 0 or n > num_examples(), or a buffer is null.
  void next_batch(std::size_t n, float* images_out, float* labels_out) {
    check_batch_size(n);
    if (images_out == nullptr || labels_out == nullptr) {
      throw invalid_argument("staticflow::data::dataset::next_batch: output buffers must not be null");
    }
    advance(n, [&](std::size_t row, std::size_t example) {
      write_example(example, images_out + row * image_size_, labels_out + row * label_size());
    });
  }

  /// Examples [first, first + count) in original order, scaled to [0, 1]: count * image_size() floats.
  /// **Errors**: out_of_range if the range passes num_examples().
  void fill_images(std::size_t first, std::size_t count, float* out) const {
    check_range("fill_images", first, count);
    const auto& table = detail::unit_scale_table();
    const std::uint8_t* src = images_.data() + first * image_size_;
    for (std::size_t i = 0; i < count * image_size_; ++i) out[i] = table[src[i]];
  }

  /// Labels of [first, first + count): count * label_size() floats (one-hot or index per options).
  /// **Errors**: out_of_range if the range passes num_examples().
  void fill_labels(std::size_t first, std::size_t count, float* out) const {
    check_range("fill_labels", first, count);
    for (std::size_t i = 0; i < count; ++i) write_label(first + i, out + i * label_size());
  }

  /// Class indices of [first, first + count).
  /// **Errors**: out_of_range if the range passes num_examples().
  void fill_label_indices(std::size_t first, std::size_t count, std::int32_t* out) const {
    check_range("fill_label_indices", first, count);
    for (std::size_t i = 0; i < count; ++i) out[i] = labels_[first + i];
  }

 private:
  void check_construction() const {
    const std::string where = "staticflow::data::dataset: ";
    if (image_size_ == 0) staticflow::detail::fail<invalid_argument>({where, "image_size must be positive"});
    if (options_.num_classes == 0) staticflow::detail::fail<invalid_argument>({where, "num_classes must be positive"});
    if (images_.size() / image_size_ != labels_.size() || images_.size() % image_size_ != 0) {
      staticflow::detail::fail<invalid_argument>({where, images_.size(), " pixel bytes are not ", labels_.size(),
                                                  " labels x image_size ", image_size_});
    }
    for (std::size_t i = 0; i < labels_.size(); ++i) {
      if (labels_[i] >= options_.num_classes) {
        staticflow::detail::fail<invalid_argument>({where, "label ", labels_[i], " at index ", i, " is not in [0, ",
                                                    options_.num_classes, ")"});
      }
    }
  }

  void check_batch_size(std::size_t n) const {
    if (n == 0 || n > num_examples()) {
      staticflow::detail::fail<invalid_argument>({"staticflow::data::dataset::next_batch: batch size ", n,
                                                  " must be in [1, num_examples() = ", num_examples(), "]"});
    }
  }

  void check_range(const char* api, std::size_t first, std::size_t count) const {
    if (first > num_examples() || count > num_examples() - first) {
      staticflow::detail::fail<out_of_range>({"staticflow::data::dataset::", api, ": examples [", first, ", ", first,
                                              " + ", count, ") pass num_examples() = ", num_examples()});
    }
  }

  void reshuffle() noexcept {
    if (options_.shuffle) shuffle(order_, rng_);
  }

  /// TensorFlow's next_batch bookkeeping; calls visit(row, example) for each of the n rows.
  template <class Visit>
  void advance(std::size_t n, Visit&& visit) {
    const std::size_t total = num_examples();
    std::size_t start = index_in_epoch_;
    if (epochs_completed_ == 0 && start == 0) reshuffle();
    if (start + n > total) {
      ++epochs_completed_;
      const std::size_t rest = total - start;
      for (std::size_t r = 0; r < rest; ++r) visit(r, order_[start + r]);
      reshuffle();
      index_in_epoch_ = n - rest;
      for (std::size_t r = rest; r < n; ++r) visit(r, order_[r - rest]);
    } else {
      index_in_epoch_ = start + n;
      for (std::size_t r = 0; r < n; ++r) visit(r, order_[start + r]);
    }
  }

  void write_label(std::size_t example, float* out) const noexcept {
    if (options_.one_hot) {
      for (std::size_t c = 0; c < options_.num_classes; ++c) out[c] = 0.0f;
      out[labels_[example]] = 1.0f;
    } else {
      out[0] = static_cast<float>(labels_[example]);
    }
  }

  void write_example(std::size_t example, float* image_out, float* label_out) const noexcept {
    const auto& table = detail::unit_scale_table();
    const std::uint8_t* src = images_.data() + example * image_size_;
    for (std::size_t i = 0; i < image_size_; ++i) image_out[i] = table[src[i]];
    write_label(example, label_out);
  }

  std::vector<std::uint8_t> images_;
  std::vector<std::uint8_t> labels_;
  std::size_t image_size_ = 1;
  dataset_options options_{};
  splitmix64 rng_{0};
  std::vector<std::size_t> order_;
  std::size_t index_in_epoch_ = 0;
  std::size_t epochs_completed_ = 0;
};

}  // namespace staticflow::data
#endif  // STATICFLOW_DATA_DATASET_HPP
