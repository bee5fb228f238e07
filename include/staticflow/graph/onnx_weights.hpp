// SPDX-License-Identifier: MIT
/// \file
/// \brief `sf::onnx::load_weights(sess, net, "model.onnx")`: a network's variables filled from
/// the initializers of an ONNX model of the same architecture (one exported by PyTorch's
/// `torch.onnx.export`, or by `sf::onnx::save`).
///
/// **Matching.** The weights are the model's floating-point initializers that its nodes read,
/// taken in the order the nodes first read them (ONNX lists nodes in topological order: for a
/// sequential network, layer after layer, each layer's weight before its bias, as staticflow
/// creates its variables). The network's variables of floating-point type (counters such as
/// dropout's are skipped) are taken in creation order. The i-th weight fills the i-th variable
/// (but when the initializers are named as the variables, but for the first scope, as in a file
/// sf::onnx::save wrote, each fills the variable of its name) after its layout is converted
/// according to the node that reads it:
/// - a Conv filter (input 1) is OIHW in ONNX, HWIO here: transposed;
/// - a Gemm's B with transB=1 ([out, in], as PyTorch's Linear stores it) is transposed to
///   [in, out]; a MatMul's B, or a Gemm's with transB=0, is taken as it is; biases as they are;
/// - a dense layer reading a flatten of image features: staticflow flattens NHWC maps in
///   (h, w, c) order, a framework working NCHW in (c, h, w) order; when the ONNX graph flattens
///   the output of a Conv or pooling (NCHW) and the network's layer follows a flatten of
///   [?, H, W, C] maps, the weight's rows are permuted from (c, h, w) to (h, w, c) order.
///   (`load_options::flatten` forces either order.)
/// Every weight is converted and checked before any variable changes: a mismatch leaves the
/// session as it was.
///
/// **Errors:** invalid_argument naming the layer, the variable and its shape, the initializer,
/// the node reading it and its shape (as stored and as converted) when the shapes differ; when
/// the counts differ, both lists; a weight of a type other than FLOAT or DOUBLE. What
/// io::onnx::read raises for a file that is missing, truncated or corrupt (data_loss with the
/// byte offset).
#pragma once
#ifndef STATICFLOW_GRAPH_ONNX_WEIGHTS_HPP
#define STATICFLOW_GRAPH_ONNX_WEIGHTS_HPP

#include <array>
#include <bit>
#include <cmath>
#include <limits>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "staticflow/graph/onnx_export.hpp"
#include "staticflow/io/onnx.hpp"
#include "staticflow/io/onnx_weights.hpp"

namespace staticflow::onnx {

namespace detail {

inline weight_target target_of(const variable_base& v, std::string layer) {
  return {v.name(), std::move(layer), v.type() == dtype::float64, v.dims(), {}};
}
inline bool is_weight(const variable_base& v) { return v.type() == dtype::float32 || v.type() == dtype::float64; }

/// Each layer's [H, W, C] when it reads (through parameter-free rank-2 layers) the flatten of
/// [?, H, W, C] maps, else empty.
template <class Net>
std::vector<std::vector<std::int64_t>> flatten_hints() {
  std::vector<std::vector<std::int64_t>> hints(Net::layer_count);
  std::array<std::size_t, Net::layer_count + 1> rank{};
  std::array<std::array<std::int64_t, 3>, Net::layer_count + 1> hwc{};
  std::array<std::size_t, Net::layer_count> params{};
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    ((rank[I] = Net::template shape_at<I>::rank), ...);
    ((hwc[I] = [] {
       using S = typename Net::template shape_at<I>;
       if constexpr (S::rank == 4)
         return std::array<std::int64_t, 3>{static_cast<std::int64_t>(S::extents[1]), static_cast<std::int64_t>(S::extents[2]),
                                            static_cast<std::int64_t>(S::extents[3])};
       else return std::array<std::int64_t, 3>{};
     }()),
     ...);
  }(std::make_index_sequence<Net::layer_count + 1>{});
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    ((params[I] = std::tuple_element_t<I, typename Net::layers>::template parameter_count<typename Net::template shape_at<I>>), ...);
  }(std::make_index_sequence<Net::layer_count>{});
  for (std::size_t i = 0; i < Net::layer_count; ++i) {
    for (std::size_t k = i; k > 0 && rank[k] == 2; --k) {
      if (rank[k - 1] == 4) {
        hints[i].assign(hwc[k - 1].begin(), hwc[k - 1].end());
        break;
      }
      if (rank[k - 1] != 2 || params[k - 1] != 0) break;
    }
  }
  return hints;
}

template <class L>
std::string layer_name() {
  if constexpr (requires { L::name; }) return L::name;
  else return "layer";
}

template <class P>
void assign(session<P>& sess, const std::vector<const variable_base*>& vars, const std::vector<std::string>& values) {
  session_state& state = sess.effective_state();
  for (std::size_t i = 0; i < vars.size(); ++i) {
    auto& slot = state.value_slot(*vars[i]);
    state.upload(slot.data, values[i].data(), vars[i]->bytes());
    slot.initialized = true;
  }
}

}  // namespace detail

/// Fills `vars` (their floating-point ones, in order) from `m`'s weights. Without the network's
/// layer shapes, a dense layer after a flatten of NCHW maps cannot be permuted: that is an error
/// unless `o.flatten` says the order.
template <class P>
void load_weights(session<P>& sess, const std::vector<var_ref>& vars, const ox::model_proto& m, load_options o = {}) {
  std::vector<weight_target> targets;
  std::vector<const variable_base*> defs;
  for (const var_ref& v : vars)
    if (detail::is_weight(v.get())) targets.push_back(detail::target_of(v.get(), "variable")), defs.push_back(&v.get());
  detail::assign(sess, defs, detail::plan_weights(m, targets, o));
}

/// Fills the variables of `net` (an nn::model) from the initializers of the ONNX model `m`.
template <class P, detail::network_model M>
void load_weights(session<P>& sess, const M& net, const ox::model_proto& m, load_options o = {},
                  std::string_view source = "the ONNX model") {
  using Net = typename M::network;
  const auto hints = detail::flatten_hints<Net>();
  std::vector<weight_target> targets;
  std::vector<const variable_base*> defs;
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    (
        [&] {
          const std::string label = "layer_" + std::to_string(I + 1) + " (" +
                                    detail::layer_name<std::tuple_element_t<I, typename Net::layers>>() + ")";
          for (const var_ref& v : net.variables(I, I + 1)) {
            if (!detail::is_weight(v.get())) continue;
            targets.push_back(detail::target_of(v.get(), label));
            targets.back().flattened_from = hints[I];
            defs.push_back(&v.get());
          }
        }(),
        ...);
  }(std::make_index_sequence<Net::layer_count>{});
  detail::assign(sess, defs, detail::plan_weights(m, targets, o, source));
}

/// Reads `path` (io::onnx::read) and fills the variables of `net` from its initializers.
template <class P, detail::network_model M>
void load_weights(session<P>& sess, const M& net, const std::filesystem::path& path, load_options o = {}) {
  load_weights(sess, net, io::onnx::read(path), o, "'" + path.string() + "'");
}

}  // namespace staticflow::onnx
#endif  // STATICFLOW_GRAPH_ONNX_WEIGHTS_HPP
