// SPDX-License-Identifier: MIT
/// \file
/// \brief `cache_bottlenecks<Layers>(sess, net, set, prefix)`: a frozen feature extractor's
/// outputs for every example of a data set, computed once and kept on disk (the seed's
/// transfer-learning "bottleneck" files), so that a new head trains on them without running the
/// frozen layers again.
#pragma once
#ifndef STATICFLOW_NN_BOTTLENECK_HPP
#define STATICFLOW_NN_BOTTLENECK_HPP

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "staticflow/data/dataset.hpp"
#include "staticflow/graph/session.hpp"
#include "staticflow/io/crc32c.hpp"
#include "staticflow/io/tensor_bundle.hpp"
#include "staticflow/nn/sequential.hpp"

namespace staticflow::nn {

/// A data set's bottlenecks: one feature tensor per example, the labels as the set gives them
/// (`label_size()` floats each), and where they came from.
template <class T, class Features>
struct bottlenecks {
  tensor<T, Features, host> features;
  tensor<float, shape<dyn, dyn>, host> labels;
  bool from_cache = false;  ///< read from the file (else computed, and the file written)
};

namespace detail {

/// What the cached features depend on: the examples and the extractor's variable values. A
/// cache whose fingerprint differs was made from other data or other weights.
template <class Net, class T, class Policy>
std::int64_t bottleneck_fingerprint(session<Policy>& sess, const model<Net, T>& net, std::size_t layers,
                                    const data::dataset& set) {
  std::uint32_t crc = io::crc32c(set.images().data(), set.images().size());
  crc = io::crc32c_extend(crc, set.labels().data(), set.labels().size());
  session_state& state = sess.effective_state();
  std::vector<unsigned char> bytes;
  for (const var_ref& v : net.variables(0, layers)) {
    bytes.resize(v->bytes());
    state.download(bytes.data(), state.value_slot(v.get()).data, bytes.size());
    crc = io::crc32c_extend(crc, v->name().data(), v->name().size());
    crc = io::crc32c_extend(crc, bytes.data(), bytes.size());
  }
  return static_cast<std::int64_t>(crc) | static_cast<std::int64_t>(set.num_examples()) << 32;
}

}  // namespace detail

/// The outputs of `net`'s first `Layers` layers (inference form) for every example of `set`, in
/// the set's original order. They are read from the checkpoint bundle `prefix`
/// (`prefix.index`, `prefix.data-00000-of-00001`: tensors "bottlenecks" and "fingerprint",
/// readable by TensorFlow as any checkpoint) when it holds the features of these examples
/// under these weights; otherwise they are computed in chunks of `chunk` examples and the
/// bundle is written (atomically) for the next run. A cache made from other examples or other
/// weights is replaced, never used.
///
/// **Errors:** those of the bundle reader (a corrupt cache is data_loss, naming the file) and
/// writer; invalid_argument when `set`'s examples do not fit the network's input.
template <std::size_t Layers, class Net, class T, class Policy>
auto cache_bottlenecks(session<Policy>& sess, const model<Net, T>& net, const data::dataset& set,
                       const std::string& prefix, std::size_t chunk = 1000) {
  using in_shape = typename Net::input_shape;
  using features_shape = typename Net::template shape_at<Layers>;
  using x_type = placeholder_node<T, in_shape, "bottleneck/x">;
  if (set.image_size() != in_shape::static_part)
    staticflow::detail::fail<invalid_argument>({"sf::nn::cache_bottlenecks: the data set has ", set.image_size(),
                                                " values per example, the network takes ", in_shape::static_part});
  const std::size_t n = set.num_examples();
  const std::int64_t fingerprint = detail::bottleneck_fingerprint(sess, net, Layers, set);

  bottlenecks<T, features_shape> out;
  out.features.resize(n);
  out.labels.resize(n, set.label_size());
  set.fill_labels(0, n, out.labels.data());
  std::vector<std::int64_t> dims(features_shape::rank);
  for (std::size_t d = 0; d < dims.size(); ++d) dims[d] = static_cast<std::int64_t>(out.features.dim(d));

  if (std::filesystem::exists(io::bundle::index_filename(prefix))) {
    const io::bundle::reader r(prefix);
    const io::bundle::entry* f = r.find("bottlenecks");
    const io::bundle::entry* p = r.find("fingerprint");
    std::int64_t stored = 0;
    if (p && p->dtype == io::bundle::tf_dtype::int64 && p->shape.empty()) r.read("fingerprint", &stored, sizeof stored);
    if (f && stored == fingerprint && f->dtype == io::bundle::to_tf(dtype_traits<T>::value) && f->shape == dims) {
      r.read("bottlenecks", out.features.data(), out.features.size() * sizeof(T));
      out.from_cache = true;
      return out;
    }
  }
  const auto features = net.template features<Layers>(x_type{});
  tensor<T, in_shape, host> x;
  const std::size_t row = out.features.size() / std::max<std::size_t>(n, 1);
  for (std::size_t first = 0; first < n; first += chunk) {
    const std::size_t count = std::min(chunk, n - first);
    x.resize(count);
    set.fill_images(first, count, x.data());
    const auto y = sess.run(features, feed(x_type{}, x));
    std::copy_n(y.data(), y.size(), out.features.data() + first * row);
  }
  if (const auto dir = std::filesystem::path(prefix).parent_path(); !dir.empty()) std::filesystem::create_directories(dir);
  io::bundle::writer w(prefix);
  w.add("bottlenecks", io::bundle::to_tf(dtype_traits<T>::value), dims, out.features.data(),
        out.features.size() * sizeof(T));
  w.add("fingerprint", io::bundle::tf_dtype::int64, {}, &fingerprint, sizeof fingerprint);
  w.finish();
  return out;
}

}  // namespace staticflow::nn
#endif  // STATICFLOW_NN_BOTTLENECK_HPP
