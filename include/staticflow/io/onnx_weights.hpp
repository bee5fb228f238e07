// SPDX-License-Identifier: MIT
/// \file
/// \brief How an ONNX model's initializers become a network's weights, as data: which
/// initializers are weights, in which order, in which layout (the node reading each says), and
/// their values converted into the layout and type of each variable to fill. No session and no
/// network type here: graph/onnx_weights.hpp (`sf::onnx::load_weights`) puts this to use, and
/// the fuzz target tests/fuzz/fuzz_onnx.cpp runs it on arbitrary models.
///
/// **Errors:** invalid_argument naming the layer, the variable and its shape, the initializer,
/// the node reading it and its shape (as stored and as converted) when the shapes differ; when
/// the counts differ, both lists; when a dense layer reads NCHW maps flattened and nothing says
/// their [H, W, C].
#pragma once
#ifndef STATICFLOW_IO_ONNX_WEIGHTS_HPP
#define STATICFLOW_IO_ONNX_WEIGHTS_HPP

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "staticflow/core/error.hpp"
#include "staticflow/io/onnx.hpp"

namespace staticflow::onnx {

namespace ox = io::onnx;

/// The order in which the model's dense layer after a flatten of image features reads them.
enum class flatten_order {
  automatic,  ///< (c, h, w) when the ONNX graph flattens a Conv's or pooling's NCHW output
  nchw,       ///< always (c, h, w): permute the rows
  nhwc,       ///< always (h, w, c): take the rows as stored
};

struct load_options {
  flatten_order flatten = flatten_order::automatic;
};

/// A variable to fill, as the matching sees it.
struct weight_target {
  std::string name;                          ///< the variable's name
  std::string layer;                         ///< for messages: "layer_8 (Dense)"
  bool float64 = false;                      ///< double (else float)
  std::vector<std::int64_t> dims;            ///< the variable's extents
  std::vector<std::int64_t> flattened_from;  ///< [H, W, C] of the maps flattened before its layer, else empty
};

namespace detail {

/// An initializer as the graph reads it.
struct weight_source {
  const ox::tensor_proto* tensor = nullptr;
  std::string reader;  ///< "Conv 'conv1' input 1 (W)", for messages
  enum class layout : std::uint8_t { as_is, oihw, transposed } how = layout::as_is;
  bool nchw_flatten = false;  ///< a Gemm/MatMul weight whose input flattens NCHW feature maps
};

inline bool passes_layout_through(std::string_view op) {
  return op == "Relu" || op == "LeakyRelu" || op == "Sigmoid" || op == "Tanh" || op == "Elu" || op == "Clip" ||
         op == "Identity" || op == "Dropout" || op == "Add" || op == "Sub" || op == "Mul" || op == "Div" ||
         op == "BatchNormalization" || op == "Cast" || op == "Softplus" || op == "Selu" || op == "HardSigmoid";
}
inline bool computes_nchw(std::string_view op) {
  return op == "Conv" || op == "MaxPool" || op == "AveragePool" || op == "GlobalAveragePool" || op == "GlobalMaxPool" ||
         op == "LRN" || op == "ConvTranspose" || op == "LpPool" || op == "InstanceNormalization";
}

/// Whether `value` is, through layout-preserving ops, a Flatten/Reshape of what a Conv or a
/// pooling computed (NCHW maps). A Transpose on the way (staticflow's own export transposes back
/// to NHWC) or a graph input ends the search: not NCHW.
inline bool flattens_nchw(const ox::graph_proto& g, const std::map<std::string, std::size_t, std::less<>>& producer,
                          const std::set<std::string, std::less<>>& initializers, std::string value) {
  bool flattened = false;
  for (std::size_t steps = 0; steps < g.nodes.size(); ++steps) {
    const auto it = producer.find(value);
    if (it == producer.end()) return false;
    const ox::node_proto& n = g.nodes[it->second];
    if (n.op_type == "Flatten" || n.op_type == "Reshape") {
      if (n.inputs.empty()) return false;
      flattened = true, value = n.inputs[0];
    } else if (passes_layout_through(n.op_type)) {
      std::string next;
      for (const auto& in : n.inputs)
        if (!in.empty() && !initializers.count(in) && producer.count(in) && g.nodes[producer.at(in)].op_type != "Constant") {
          next = in;
          break;
        }
      if (next.empty()) return false;
      value = next;
    } else {
      return flattened && computes_nchw(n.op_type);
    }
  }
  return false;
}

/// The float initializers the nodes read, in the order they first read them, with their roles.
inline std::vector<weight_source> weight_sources(const ox::graph_proto& g) {
  std::map<std::string, const ox::tensor_proto*, std::less<>> floats;
  std::set<std::string, std::less<>> initializers;
  for (const auto& t : g.initializers) {
    initializers.insert(t.name);
    if (t.type == ox::data_type::float32 || t.type == ox::data_type::float64 || t.type == ox::data_type::float16 ||
        t.type == ox::data_type::bfloat16)
      floats.emplace(t.name, &t);
  }
  std::map<std::string, std::size_t, std::less<>> producer;
  for (std::size_t i = 0; i < g.nodes.size(); ++i)
    for (const auto& out : g.nodes[i].outputs) producer.emplace(out, i);
  std::vector<weight_source> out;
  std::set<std::string, std::less<>> seen;
  for (const auto& n : g.nodes) {
    for (std::size_t i = 0; i < n.inputs.size(); ++i) {
      const auto it = floats.find(n.inputs[i]);
      if (it == floats.end() || !seen.insert(it->first).second) continue;
      weight_source s;
      s.tensor = it->second;
      s.reader = n.op_type + (n.name.empty() ? "" : " '" + n.name + "'") + " input " + std::to_string(i);
      if (n.op_type == "Conv" && i == 1 && s.tensor->dims.size() == 4) {
        s.how = weight_source::layout::oihw, s.reader += " (W, OIHW)";
      } else if ((n.op_type == "Gemm" || n.op_type == "MatMul") && i == 1) {
        if (n.op_type == "Gemm" && n.int_attribute("transB", 0) != 0 && s.tensor->dims.size() == 2)
          s.how = weight_source::layout::transposed, s.reader += " (B, transB=1)";
        else s.reader += " (B)";
        if (n.op_type == "Gemm" && n.int_attribute("transA", 0) != 0) s.reader += " with transA=1";
        else if (!n.inputs.empty()) s.nchw_flatten = flattens_nchw(g, producer, initializers, n.inputs[0]);
      }
      out.push_back(std::move(s));
    }
  }
  return out;
}

inline std::string dims_text(const std::vector<std::int64_t>& d) { return ox::dims_string(d); }

/// The source's values as doubles (FLOAT, DOUBLE, FLOAT16, BFLOAT16).
inline std::vector<double> values_of(const ox::tensor_proto& t) {
  std::vector<double> v;
  const std::size_t width = ox::element_size(t.type);
  v.reserve(t.raw.size() / width);
  for (std::size_t at = 0; at + width <= t.raw.size(); at += width) {
    const char* p = t.raw.data() + at;
    if (t.type == ox::data_type::float32) {
      float f;
      std::memcpy(&f, p, 4);
      v.push_back(f);
    } else if (t.type == ox::data_type::float64) {
      double d;
      std::memcpy(&d, p, 8);
      v.push_back(d);
    } else {
      std::uint16_t h;
      std::memcpy(&h, p, 2);
      if (t.type == ox::data_type::bfloat16) {
        v.push_back(std::bit_cast<float>(std::uint32_t{h} << 16));
      } else {  // IEEE half
        const std::uint32_t sign = (h >> 15) & 1, exp = (h >> 10) & 0x1F, mant = h & 0x3FF;
        double m;
        if (exp == 0) m = std::ldexp(static_cast<double>(mant), -24);
        else if (exp == 31) m = mant ? std::numeric_limits<double>::quiet_NaN() : std::numeric_limits<double>::infinity();
        else m = std::ldexp(static_cast<double>(mant | 0x400), static_cast<int>(exp) - 25);
        v.push_back(sign ? -m : m);
      }
    }
  }
  return v;
}

/// A variable's name without its first scope ("net/layer_1/filter" -> "layer_1/filter"): what
/// two instances of one network type share.
inline std::string_view scoped_part(std::string_view name) {
  const auto slash = name.find('/');
  return slash == std::string_view::npos ? name : name.substr(slash + 1);
}

/// When every target's name, but for its first scope, names exactly one weight (a model
/// sf::onnx::save wrote, its initializers named as the variables), the weights are put in the
/// targets' order: the order the nodes read them need not be the order the variables were made
/// (a batch normalisation reads its mean before its scale).
inline void by_name_if_all_match(std::vector<weight_source>& sources, const std::vector<weight_target>& targets) {
  if (sources.size() != targets.size()) return;
  std::map<std::string_view, std::size_t> index;
  for (std::size_t i = 0; i < sources.size(); ++i)
    if (!index.emplace(scoped_part(sources[i].tensor->name), i).second) return;
  std::vector<weight_source> ordered;
  for (const auto& t : targets) {
    const auto it = index.find(scoped_part(t.name));
    if (it == index.end()) return;
    ordered.push_back(sources[it->second]);
    index.erase(it);  // each weight once
  }
  sources = std::move(ordered);
}

/// Each target's new value, as the bytes of its type; checks everything first.
inline std::vector<std::string> plan_weights(const ox::model_proto& m, const std::vector<weight_target>& targets,
                                             const load_options& o, std::string_view source = "the ONNX model") {
  std::vector<weight_source> sources = weight_sources(m.graph);
  by_name_if_all_match(sources, targets);
  const auto fail_here = [&](auto&&... parts) {
    staticflow::detail::fail<invalid_argument>({"sf::onnx::load_weights: ", parts...});
  };
  if (sources.size() != targets.size()) {
    std::string have, want;
    for (const auto& t : targets) want += "\n  " + t.layer + " '" + t.name + "' " + dims_text(t.dims);
    for (const auto& s : sources)
      have += "\n  '" + s.tensor->name + "' " + dims_text(s.tensor->dims) + " read by " + s.reader;
    fail_here("the network has ", targets.size(), " weight variables but ", source, " has ", sources.size(),
              " floating-point initializers read by its nodes (a different architecture?); the network's:", want,
              "\nthe model's:", have);
  }
  std::vector<std::string> out;
  for (std::size_t k = 0; k < targets.size(); ++k) {
    const weight_target& t = targets[k];
    const weight_source& s = sources[k];
    const auto& stored = s.tensor->dims;
    std::vector<std::int64_t> dims = stored;
    using layout = weight_source::layout;
    if (s.how == layout::oihw) dims = {stored[2], stored[3], stored[1], stored[0]};
    else if (s.how == layout::transposed) dims = {stored[1], stored[0]};
    if (dims != t.dims) {
      const std::string converted = dims == stored ? "" : " (" + dims_text(dims) + " in staticflow's layout)";
      fail_here(t.layer, ": variable '", t.name, "' has shape ", dims_text(t.dims), " but the ONNX initializer '",
                s.tensor->name, "' (weight ", k + 1, " of ", sources.size(), ", read by ", s.reader, ") has shape ",
                dims_text(stored), converted);
    }
    bool permute = false;
    if (t.flattened_from.size() == 3 && t.dims.size() == 2) {
      permute = o.flatten == flatten_order::nchw || (o.flatten == flatten_order::automatic && s.nchw_flatten);
    } else if (s.nchw_flatten && o.flatten == flatten_order::automatic && t.flattened_from.empty()) {
      fail_here(t.layer, ": the ONNX graph flattens NCHW feature maps before '", s.tensor->name,
                "' and nothing says the [H, W, C] of the maps this variable's layer reads; load through the "
                "network (load_weights(sess, net, ...)), or set load_options::flatten to nhwc to take the rows as stored");
    }
    const std::vector<double> v = values_of(*s.tensor);
    std::vector<double> r(v.size());
    if (v.empty()) {
      // nothing to move (and extents with a zero among them must not drive the loops below)
    } else if (s.how == layout::oihw) {
      const auto co = static_cast<std::size_t>(stored[0]), ci = static_cast<std::size_t>(stored[1]),
                 h = static_cast<std::size_t>(stored[2]), w = static_cast<std::size_t>(stored[3]);
      for (std::size_t a = 0; a < co; ++a)
        for (std::size_t b = 0; b < ci; ++b)
          for (std::size_t y = 0; y < h; ++y)
            for (std::size_t x = 0; x < w; ++x) r[((y * w + x) * ci + b) * co + a] = v[((a * ci + b) * h + y) * w + x];
    } else if (s.how == layout::transposed) {
      const auto rows = static_cast<std::size_t>(stored[0]), cols = static_cast<std::size_t>(stored[1]);
      for (std::size_t i = 0; i < rows; ++i)
        for (std::size_t j = 0; j < cols; ++j) r[j * rows + i] = v[i * cols + j];
    } else {
      r = v;
    }
    if (permute) {
      const auto h = static_cast<std::size_t>(t.flattened_from[0]), w = static_cast<std::size_t>(t.flattened_from[1]),
                 c = static_cast<std::size_t>(t.flattened_from[2]);
      const auto rows = static_cast<std::size_t>(t.dims[0]);
      if (h * w * c != rows)
        fail_here(t.layer, ": variable '", t.name, "' has ", rows, " rows but the maps flattened before it are ",
                  dims_text(t.flattened_from), " (", h * w * c, " values)");
    }
    if (permute && !r.empty()) {
      const auto h = static_cast<std::size_t>(t.flattened_from[0]), w = static_cast<std::size_t>(t.flattened_from[1]),
                 c = static_cast<std::size_t>(t.flattened_from[2]);
      const auto cols = static_cast<std::size_t>(t.dims[1]);
      std::vector<double> p(r.size());
      for (std::size_t ch = 0; ch < c; ++ch)
        for (std::size_t y = 0; y < h; ++y)
          for (std::size_t x = 0; x < w; ++x) {
            const std::size_t from = (ch * h + y) * w + x, to = (y * w + x) * c + ch;
            std::memcpy(&p[to * cols], &r[from * cols], cols * sizeof(double));
          }
      r = std::move(p);
    }
    std::string bytes(r.size() * (t.float64 ? 8 : 4), '\0');
    for (std::size_t i = 0; i < r.size(); ++i) {
      if (t.float64) std::memcpy(bytes.data() + 8 * i, &r[i], 8);
      else {
        const float f = static_cast<float>(r[i]);
        std::memcpy(bytes.data() + 4 * i, &f, 4);
      }
    }
    out.push_back(std::move(bytes));
  }
  return out;
}

}  // namespace detail
}  // namespace staticflow::onnx
#endif  // STATICFLOW_IO_ONNX_WEIGHTS_HPP
