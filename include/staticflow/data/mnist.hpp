// SPDX-License-Identifier: MIT
/// \file
/// \brief MNIST (and Fashion-MNIST) loading with TensorFlow's `read_data_sets` behaviour.
///
/// Mirrors tensorflow/contrib/learn/python/learn/datasets/mnist.py: the four IDX
/// files, the first `validation_size` training examples as the validation split,
/// the rest as train, t10k as test. Images are always flattened (rows * cols).
/// Fashion-MNIST uses the same file names and format: point `dir` at it
/// (Debian's `dataset-fashion-mnist` installs them, gzipped, in
/// fashion_mnist_debian_dir).
#pragma once
#ifndef STATICFLOW_DATA_MNIST_HPP
#define STATICFLOW_DATA_MNIST_HPP

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "staticflow/config.hpp"
#include "staticflow/core/error.hpp"
#include "staticflow/data/dataset.hpp"
#include "staticflow/data/idx.hpp"

namespace staticflow::data {

/// Options of read_data_sets (TensorFlow's keyword arguments).
struct mnist_options {
  bool one_hot = false;                ///< labels as 10-float one-hot rows
  std::size_t validation_size = 5000;  ///< taken from the front of the training file
  bool shuffle = true;                 ///< shuffle in next_batch (TensorFlow always does)
  /// Shuffle seed. Train, validation and test use seed, seed + 1 and seed + 2 so
  /// that their orders are unrelated.
  std::uint64_t seed = 0;
};

/// The three splits.
struct datasets {
  dataset train;
  dataset validation;
  dataset test;
};

/// Number of MNIST classes.
inline constexpr std::size_t mnist_num_classes = 10;

/// The four IDX file names (each may also carry a .gz suffix).
inline constexpr const char* mnist_train_images = "train-images-idx3-ubyte";
inline constexpr const char* mnist_train_labels = "train-labels-idx1-ubyte";
inline constexpr const char* mnist_test_images = "t10k-images-idx3-ubyte";
inline constexpr const char* mnist_test_labels = "t10k-labels-idx1-ubyte";

/// Where Debian's `dataset-fashion-mnist` package puts the Fashion-MNIST files (gzipped).
inline constexpr const char* fashion_mnist_debian_dir = "/usr/share/datasets/fashion-mnist";

/// `dir/name` if it exists, else `dir/name.gz`.
/// **Errors**: not_found naming both paths and how to get the data; not_found saying so when
/// `dir` itself, or the file's name, is a directory.
inline std::filesystem::path find_mnist_file(const std::filesystem::path& dir, const std::string& name) {
  const std::filesystem::path plain = dir / name;
  const std::filesystem::path gz = dir / (name + ".gz");
  std::error_code ec;
  if (std::filesystem::is_regular_file(plain, ec)) return plain;
  if (std::filesystem::is_regular_file(gz, ec)) return gz;
  for (const auto& p : {plain, gz}) {
    if (std::filesystem::is_directory(p, ec)) {
      staticflow::detail::fail<not_found>({"staticflow::data::read_data_sets: '", p.string(),
                                           "' is a directory, not the IDX file ", name, "; point --data-dir at the "
                                           "folder that holds the four files"});
    }
  }
  if (!std::filesystem::exists(dir, ec)) {
    staticflow::detail::fail<not_found>({"staticflow::data::read_data_sets: the data directory '", dir.string(),
                                         "' does not exist; run scripts/fetch-mnist or pass --data-dir"});
  }
  if (!std::filesystem::is_directory(dir, ec)) {
    staticflow::detail::fail<not_found>({"staticflow::data::read_data_sets: '", dir.string(),
                                         "' is a file, not a directory; pass the folder that holds the four IDX files"});
  }
  staticflow::detail::fail<not_found>({"staticflow::data::read_data_sets: neither '", plain.string(), "' nor '",
                                       gz.string(), "' exists; run scripts/fetch-mnist or pass --data-dir"});
}

namespace detail {

/// Images and labels of one IDX pair, checked against each other.
struct labelled_images {
  std::vector<std::uint8_t> pixels;
  std::vector<std::uint8_t> labels;
  std::size_t image_size = 0;
};

inline std::string mnist_where(const std::filesystem::path& path) {
  return "staticflow::data::read_data_sets: '" + path.string() + "': ";
}

inline labelled_images load_mnist_pair(const std::filesystem::path& dir, const char* images_name,
                                       const char* labels_name) {
  const auto images_path = find_mnist_file(dir, images_name);
  const auto labels_path = find_mnist_file(dir, labels_name);
  // Rank and dtype are checked on the magic, before the dimensions are trusted.
  idx_array images = read_idx(images_path, {.role = "images", .rank = 3, .dtype = idx_dtype::uint8});
  idx_array labels = read_idx(labels_path, {.role = "labels", .rank = 1, .dtype = idx_dtype::uint8});
  if (images.dims[0] != labels.dims[0]) {
    staticflow::detail::fail<data_loss>({"staticflow::data::read_data_sets: '", images_path.string(), "' holds ",
                                         images.dims[0], " images but '", labels_path.string(), "' holds ",
                                         labels.dims[0], " labels"});
  }
  for (std::size_t i = 0; i < labels.bytes.size(); ++i) {
    if (labels.bytes[i] >= mnist_num_classes) {
      staticflow::detail::fail<data_loss>({mnist_where(labels_path), "label ", labels.bytes[i], " at index ", i,
                                           " is not in [0, ", mnist_num_classes, ")"});
    }
  }
  const std::size_t image_size = std::size_t{images.dims[1]} * images.dims[2];
  return {std::move(images.bytes), std::move(labels.bytes), image_size};
}

}  // namespace detail

/// Loads MNIST-format data from `dir` (files plain or .gz).
///
/// **Errors**: not_found if a file is missing (with how to fetch it) or is a directory; data_loss
/// if a file is corrupt, is not uint8 images [n, rows, cols] / labels [n] ("not a labels file
/// (rank 3, expected 1)", checked on the magic), image and label counts
/// differ, or a label is >= 10 (its index is named); invalid_argument if
/// validation_size exceeds the number of training examples.
inline datasets read_data_sets(const std::filesystem::path& dir, const mnist_options& options = {}) {
  // All four files are read before validation_size is checked, as TensorFlow does,
  // so a missing or corrupt file is reported first.
  auto train = detail::load_mnist_pair(dir, mnist_train_images, mnist_train_labels);
  auto test = detail::load_mnist_pair(dir, mnist_test_images, mnist_test_labels);
  if (test.image_size != train.image_size) {
    staticflow::detail::fail<data_loss>({"staticflow::data::read_data_sets: '", dir.string(), "': test images have ",
                                         test.image_size, " pixels, training images ", train.image_size});
  }
  const std::size_t n_train = train.labels.size();
  if (options.validation_size > n_train) {
    staticflow::detail::fail<invalid_argument>({"staticflow::data::read_data_sets: validation_size ",
                                                options.validation_size, " must be in [0, ", n_train,
                                                "] (the number of training examples)"});
  }

  const std::size_t v = options.validation_size;
  const std::size_t px = train.image_size;
  auto split_options = [&](std::uint64_t offset) {
    return dataset_options{options.one_hot, options.shuffle, options.seed + offset, mnist_num_classes};
  };
  std::vector<std::uint8_t> val_pixels(train.pixels.begin(), train.pixels.begin() + static_cast<std::ptrdiff_t>(v * px));
  std::vector<std::uint8_t> val_labels(train.labels.begin(), train.labels.begin() + static_cast<std::ptrdiff_t>(v));
  // Drop the validation prefix in place rather than copying the (larger) remainder.
  train.pixels.erase(train.pixels.begin(), train.pixels.begin() + static_cast<std::ptrdiff_t>(v * px));
  train.labels.erase(train.labels.begin(), train.labels.begin() + static_cast<std::ptrdiff_t>(v));

  return datasets{
      dataset(std::move(train.pixels), std::move(train.labels), px, split_options(0)),
      dataset(std::move(val_pixels), std::move(val_labels), px, split_options(1)),
      dataset(std::move(test.pixels), std::move(test.labels), px, split_options(2)),
  };
}

}  // namespace staticflow::data
#endif  // STATICFLOW_DATA_MNIST_HPP
