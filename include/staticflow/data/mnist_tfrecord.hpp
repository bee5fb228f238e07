// SPDX-License-Identifier: MIT
/// \file
/// \brief MNIST as TFRecord files of tf.train.Example, as the seed's chapter 7.1 writes them, and
/// the input pipeline that trains from them.
///
/// Each record is an Example with three features (the book's `_int64_feature` /
/// `_bytes_feature`): `pixels` (int64, the values per image: 784), `label` (int64, the class) and
/// `image_raw` (bytes: the image's uint8 values, row-major, as numpy's `tostring()` gives them).
#pragma once
#ifndef STATICFLOW_DATA_MNIST_TFRECORD_HPP
#define STATICFLOW_DATA_MNIST_TFRECORD_HPP

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "staticflow/core/error.hpp"
#include "staticflow/core/shape.hpp"
#include "staticflow/core/tensor.hpp"
#include "staticflow/data/dataset.hpp"
#include "staticflow/data/pipeline.hpp"
#include "staticflow/io/example.hpp"
#include "staticflow/io/parse_example.hpp"
#include "staticflow/io/tfrecord.hpp"

namespace staticflow::data {

/// The Example of one image (uint8 values) and its class.
inline io::example mnist_example(std::span<const std::uint8_t> image, std::int64_t label) {
  io::example ex;
  ex.add("pixels", io::int64_list{static_cast<std::int64_t>(image.size())})
      .add("label", io::int64_list{label})
      .add("image_raw", io::bytes_list{std::string(reinterpret_cast<const char*>(image.data()), image.size())});
  return ex;
}

/// Writes every example of `set`, in its stored order, to `base` (one file) or to the shards
/// `base-0000i-of-0000n` (record i to shard i % n); returns the file names.
inline std::vector<std::string> write_mnist_tfrecord(const dataset& set, const std::string& base, std::size_t shards = 1,
                                                     const io::tfrecord_writer_options& options = {}) {
  const std::size_t size = set.image_size();
  const auto image = [&](std::size_t i) { return std::span(set.images()).subspan(i * size, size); };
  if (shards <= 1) {
    io::tfrecord_writer w(base, options);
    for (std::size_t i = 0; i < set.num_examples(); ++i) w.write(mnist_example(image(i), set.labels()[i]).encode());
    w.close();
    return {base};
  }
  io::sharded_tfrecord_writer w(base, shards, options);
  for (std::size_t i = 0; i < set.num_examples(); ++i) w.write(mnist_example(image(i), set.labels()[i]).encode());
  w.close();
  return io::shard_names(base, shards);
}

/// A batch of serialized MNIST Examples as feedable tensors: images of shape `BatchShape`
/// (`[dyn, 784]`, or `[dyn, 28, 28, 1]` for a CNN; values scaled to [0, 1] as read_data_sets
/// scales them) and one-hot labels `[n, classes]`.
/// **Errors**: invalid_argument naming the record when its image does not have as many bytes as
/// a row of `BatchShape` has values or its label is not below `classes`; parse_example's errors
/// for records that are not such Examples.
template <class BatchShape = shape<dyn, 784>, std::size_t classes = 10>
std::tuple<tensor<float, BatchShape>, tensor<float, shape<dyn, classes>>>
decode_mnist_examples(const std::vector<std::string>& records) {
  static_assert(BatchShape::extents[0] == dyn && drop_first_t<BatchShape>::is_static,
                "staticflow::data::decode_mnist_examples: the batch shape must be [dyn, static extents...]");
  constexpr std::size_t size = drop_first_t<BatchShape>::static_size;
  auto [raw, label] = io::parse_example(records, io::fixed_len_feature<std::string>{"image_raw"},
                                        io::fixed_len_feature<std::int64_t>{"label"});
  const std::size_t n = records.size();
  tensor<float, BatchShape> x(n);
  tensor<float, shape<dyn, classes>> y(n);
  std::fill_n(y.data(), y.size(), 0.0f);
  const auto& scale = detail::unit_scale_table();
  for (std::size_t r = 0; r < n; ++r) {
    const std::string& bytes = raw[r];
    if (bytes.size() != size)
      staticflow::detail::fail<invalid_argument>({"staticflow::data::decode_mnist_examples: record ", r, ": image_raw has ",
                                                  bytes.size(), " bytes, the images have ", size});
    const std::int64_t c = label.data()[r];
    if (c < 0 || static_cast<std::uint64_t>(c) >= classes)
      staticflow::detail::fail<invalid_argument>({"staticflow::data::decode_mnist_examples: record ", r, ": label ", c,
                                                  " is not below ", classes});
    float* row = x.data() + r * size;
    for (std::size_t i = 0; i < size; ++i) row[i] = scale[static_cast<unsigned char>(bytes[i])];
    y.data()[r * classes + static_cast<std::size_t>(c)] = 1.0f;
  }
  return {std::move(x), std::move(y)};
}

/// How mnist_tfrecord_batches reads.
struct mnist_tfrecord_options {
  std::size_t batch = 100;
  std::size_t shuffle_buffer = 10000;  ///< records shuffled in a buffer of this many (1: file order)
  std::uint64_t seed = 0;              ///< seeds the file order and the shuffle, anew each pass
  io::compression compression = io::compression::none;
  std::size_t cycle_length = 4;        ///< shards read in turn
  std::size_t prefetch = 2;            ///< batches decoded ahead on a worker thread
};

/// One pass over the MNIST Examples in the files matching `pattern` as `(images, labels)`
/// batches (see decode_mnist_examples), the last partial batch dropped: the files in a seeded
/// order, interleaved, shuffled, batched, decoded and prefetched (tf.data's recipe). Iterate it
/// once per epoch; each pass draws a new order.
/// **Errors**: invalid_argument when no file matches; the readers' and the decoder's while iterating.
template <class BatchShape = shape<dyn, 784>, std::size_t classes = 10>
auto mnist_tfrecord_batches(const std::string& pattern, const mnist_tfrecord_options& o = {}) {
  const io::compression c = o.compression;
  return list_files(pattern, true, o.seed)
      .interleave([c](std::string f) { return tfrecord_dataset(std::move(f), c); },
                  static_cast<std::int64_t>(std::max<std::size_t>(o.cycle_length, 1)))
      .shuffle(static_cast<std::int64_t>(std::max<std::size_t>(o.shuffle_buffer, 1)), o.seed + 1)
      .batch(static_cast<std::int64_t>(o.batch), true)
      .map(decode_mnist_examples<BatchShape, classes>)
      .prefetch(static_cast<std::int64_t>(std::max<std::size_t>(o.prefetch, 1)));
}

/// The number of records in the files matching `pattern` (one read of each, CRCs checked).
inline std::size_t count_tfrecords(const std::string& pattern, io::compression compression = io::compression::none) {
  std::size_t n = 0;
  for (const std::string& f : detail::matching_files(pattern)) {
    io::tfrecord_reader r(f, {.compression = compression});
    while (r.next()) ++n;
  }
  return n;
}

}  // namespace staticflow::data
#endif  // STATICFLOW_DATA_MNIST_TFRECORD_HPP
