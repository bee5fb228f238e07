// SPDX-License-Identifier: MIT
/// \file
/// \brief `sf::onnx::save(sess, net_or_expr, "lenet5.onnx")` and `sf::onnx::to_model`: an
/// expression, or a network of nn::sequential layers, as an ONNX model (opset 13), its weights
/// the session's values.
///
/// The export is the GraphDef export (graph/export.hpp: one fold over each node's `tf_op` and
/// `tf_attrs`, frozen so that every variable is a Const with its value) followed by one
/// translation from TensorFlow ops to ONNX nodes, kept in one table here (`translate`): an op
/// with a `tf_op` that the table does not know is an `unimplemented` error naming it, and
/// supporting it is one entry here (ops that are compositions of known ones need none).
///
/// What the model holds:
/// - placeholders are the graph's inputs, with their dtype and shape; a `dyn` extent is the
///   symbol "batch" on the first axis, unknown elsewhere;
/// - variables are initializers named as the variables, with the session's values; a filter
///   read only by convolutions is stored OIHW (ONNX's layout) instead of staticflow's HWIO;
///   other constants (scalars, shapes, axes) are Constant nodes;
/// - staticflow computes images NHWC, ONNX's Conv, MaxPool and AveragePool take NCHW: each is
///   wrapped in Transpose nodes (NHWC -> NCHW before, back after), so every other node sees
///   what staticflow computes (a Transpose right after the one it undoes is dropped, as between a
///   pooling and the next convolution); TF's SAME padding is auto_pad SAME_UPPER (the extra row or
///   column at the end, as TF puts it), VALID is VALID;
/// - `softmax` and `log_softmax`, which staticflow composes from max, sub, exp and sum, are
///   recognised and written as one Softmax / LogSoftmax node over their axis;
/// - the outputs, with dtype and static extents, named as the GraphDef names them or as
///   `named(expr, "probabilities")` says.
///
/// ONNX's checker (`onnx.checker.check_model(full_check=True)`) and strict shape inference
/// accept these models; tests/interop/check_onnx.sh runs them and a NumPy evaluation.
///
/// **Errors:** unimplemented naming the TF op and node (and the translated ops) for an op the
/// table has no entry for, or an attribute value it cannot express (NCHW BiasAdd, a computed
/// reshape target); what freeze raises (an uninitialised variable; a node without a TF op).
#pragma once
#ifndef STATICFLOW_GRAPH_ONNX_EXPORT_HPP
#define STATICFLOW_GRAPH_ONNX_EXPORT_HPP

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "staticflow/staticflow.hpp"  // sessions need the host executor: outside the umbrella, this header brings it
#include "staticflow/graph/export.hpp"
#include "staticflow/io/onnx.hpp"

namespace staticflow::onnx {

namespace ox = io::onnx;

/// The ONNX opset and IR version the export writes (opset 13 is ONNX 1.8's, IR version 7).
inline constexpr std::int64_t opset_version = 13;
inline constexpr std::int64_t ir_version = 7;

/// An output with the name the ONNX graph gives it: `sf::onnx::named(probabilities, "probs")`.
template <class E>
struct named_output {
  E expr;
  std::string name;
};
template <operand E>
named_output<E> named(const E& e, std::string name) {
  return {e, std::move(name)};
}

namespace detail {

template <class O>
inline constexpr bool is_named_v = false;
template <class E>
inline constexpr bool is_named_v<named_output<E>> = true;

template <class O>
const auto& expr_of(const O& o) {
  if constexpr (is_named_v<O>) return o.expr;
  else return o;
}

/// What the graph's output says: which GraphDef node computes it, its name, type and extents.
struct output_spec {
  std::string name;  ///< "" keeps the GraphDef's node name
  ox::data_type type;
  std::vector<std::int64_t> dims;  ///< -1 for dyn
};

template <class O>
output_spec spec_of(const O& o) {
  using E = std::remove_cvref_t<decltype(expr_of(o))>;
  using S = shape_of_t<E>;
  output_spec s{"", ox::data_type_of<value_t<E>>(), {}};
  if constexpr (is_named_v<O>) s.name = o.name;
  for (std::size_t i = 0; i < S::rank; ++i) s.dims.push_back(S::extents[i] == dyn ? -1 : static_cast<std::int64_t>(S::extents[i]));
  return s;
}

/// A network instance (nn::model<Net, T>): its layer list and input shape, applied by `net(x)`.
template <class M>
concept network_model = requires(const M& m) {
  typename M::network::input_shape;
  typename M::value_type;
  m.variables();
};

inline ox::data_type from_tf(io::graphdef::tf_dtype t) {
  using tf = io::graphdef::tf_dtype;
  switch (t) {
    case tf::float32: return ox::data_type::float32;
    case tf::float64: return ox::data_type::float64;
    case tf::int32: return ox::data_type::int32;
    case tf::uint8: return ox::data_type::uint8;
    case tf::int16: return ox::data_type::int16;
    case tf::int8: return ox::data_type::int8;
    case tf::string: return ox::data_type::string;
    case tf::int64: return ox::data_type::int64;
    case tf::boolean: return ox::data_type::boolean;
    case tf::bfloat16: return ox::data_type::bfloat16;
    case tf::uint16: return ox::data_type::uint16;
    case tf::float16: return ox::data_type::float16;
    case tf::uint32: return ox::data_type::uint32;
    case tf::uint64: return ox::data_type::uint64;
    case tf::invalid: break;
  }
  return ox::data_type::undefined;
}

/// The TF ops `translator::translate` knows, for the error message.
inline constexpr const char* translated_tf_ops =
    "Placeholder, Const, Identity, StopGradient, Add, AddV2, BiasAdd, Sub, Mul, RealDiv, Pow, Minimum, Maximum, "
    "Neg, Abs, Exp, Log, Sqrt, Square, Relu, Relu6, Elu, Sigmoid, Tanh, Softplus, Softsign, LeakyRelu, Greater, "
    "GreaterEqual, Less, LessEqual, Equal, NotEqual, LogicalAnd, LogicalOr, LogicalNot, Cast, SelectV2, MatMul, "
    "Conv2D, MaxPool, AvgPool, Reshape, Transpose, Sum, Max, Min, Mean, ArgMax, ArgMin";

/// Translates a frozen GraphDef into ONNX nodes, on demand from the outputs back (so nodes the
/// outputs do not need, such as the parts of a recognised softmax, are left out), each TF node
/// once; ONNX values are named as the GraphDef's nodes, helper values "<node>/<role>".
class translator {
 public:
  using node_def = io::graphdef::node_def;

  translator(const exported_graph& g, std::set<std::string> variables) : g_(g), variables_(std::move(variables)) {
    for (const auto& n : g_.nodes) {
      by_name_.emplace(n.name, &n);
      used_.insert(n.name);
      for (std::size_t i = 0; i < n.inputs.size(); ++i) consumers_[strip(n.inputs[i])].emplace_back(&n, i);
    }
  }

  ox::model_proto run(const std::vector<output_spec>& outputs, const std::vector<std::string>& nodes) {
    for (std::size_t i = 0; i < outputs.size(); ++i) {
      std::string v = value(nodes[i]);
      const std::string name = outputs[i].name.empty() ? v : outputs[i].name;
      if (name != v) {
        if (used_.count(name))
          staticflow::detail::fail<invalid_argument>(
              {"sf::onnx::to_model: the output name '", name, "' is taken by another value of the graph"});
        used_.insert(name);
        if (renamable(v)) rename(v, name), v = name;
        else v = emit("Identity", {v}, name);
      }
      ox::value_info_proto info{name, outputs[i].type, true, {}};
      for (std::size_t d = 0; d < outputs[i].dims.size(); ++d) info.dims.push_back(dim_of(outputs[i].dims[d], d));
      model_.graph.outputs.push_back(std::move(info));
    }
    cancel_transposes();
    model_.ir_version = ir_version;
    model_.opsets = {{"", opset_version}};
    model_.producer_name = "staticflow";
    model_.producer_version = std::to_string(SF_VERSION_MAJOR) + "." + std::to_string(SF_VERSION_MINOR) + "." +
                              std::to_string(SF_VERSION_PATCH);
    model_.graph.name = "staticflow";
    return std::move(model_);
  }

 private:
  /// Removes each Transpose that undoes the one before it (a pooling's way back to NHWC right
  /// before the next convolution's way to NCHW): its readers read the first one's input instead,
  /// and the first goes too when nothing else reads it.
  void cancel_transposes() {
    auto& nodes = model_.graph.nodes;
    const auto perm_of = [](const ox::node_proto& n) {
      const auto* a = n.attribute("perm");
      return a ? a->ints : std::vector<std::int64_t>{};
    };
    for (bool changed = true; changed;) {
      changed = false;
      std::map<std::string, std::size_t> producer, uses;
      for (std::size_t i = 0; i < nodes.size(); ++i) {
        producer[nodes[i].outputs.at(0)] = i;
        for (const auto& in : nodes[i].inputs) ++uses[in];
      }
      for (const auto& o : model_.graph.outputs) ++uses[o.name];
      for (std::size_t i = 0; i < nodes.size() && !changed; ++i) {
        const ox::node_proto& second = nodes[i];
        if (second.op_type != "Transpose" || uses.count(second.outputs[0]) == 0) continue;
        bool is_output = false;
        for (const auto& o : model_.graph.outputs) is_output |= o.name == second.outputs[0];
        const auto p = producer.find(second.inputs.at(0));
        if (is_output || p == producer.end() || nodes[p->second].op_type != "Transpose") continue;
        const auto p1 = perm_of(nodes[p->second]), p2 = perm_of(second);
        bool identity = !p1.empty() && p1.size() == p2.size();
        for (std::size_t j = 0; identity && j < p2.size(); ++j)
          identity = p2[j] >= 0 && static_cast<std::size_t>(p2[j]) < p1.size() && p1[static_cast<std::size_t>(p2[j])] == static_cast<std::int64_t>(j);
        if (!identity) continue;
        const std::string from = second.outputs[0], to = nodes[p->second].inputs.at(0);
        const std::size_t first = p->second;
        const bool drop_first = uses[second.inputs[0]] == 1;
        for (auto& n : nodes)
          for (auto& in : n.inputs) in = in == from ? to : in;
        for (auto& [tf, v] : values_) v = v == from ? to : v;
        nodes.erase(nodes.begin() + static_cast<std::ptrdiff_t>(i));
        if (drop_first) nodes.erase(nodes.begin() + static_cast<std::ptrdiff_t>(first));
        changed = true;
      }
    }
  }

  /// Whether a node computes `v` and no output is named `v` yet (then `v` can take the output's name).
  bool renamable(const std::string& v) const {
    for (const auto& o : model_.graph.outputs)
      if (o.name == v) return false;
    for (const auto& n : model_.graph.nodes)
      for (const auto& out : n.outputs)
        if (out == v) return true;
    return false;
  }
  void rename(const std::string& from, const std::string& to) {
    for (auto& n : model_.graph.nodes) {
      for (auto& s : n.inputs) s = s == from ? to : s;
      for (auto& s : n.outputs) s = s == from ? to : s;
      if (n.name == from) n.name = to;
    }
    for (auto& [tf, v] : values_) v = v == from ? to : v;
  }

  static std::string strip(const std::string& input) {
    const auto colon = input.rfind(':');
    return colon == std::string::npos ? input : input.substr(0, colon);
  }
  static ox::dimension dim_of(std::int64_t d, std::size_t axis) {
    if (d >= 0) return {d, ""};
    return {-1, axis == 0 ? "batch" : ""};
  }

  const node_def& node(const std::string& input) const {
    const auto it = by_name_.find(strip(input));
    if (it == by_name_.end()) staticflow::detail::fail<invalid_argument>({"sf::onnx::to_model: the GraphDef has no node '", input, "'"});
    return *it->second;
  }
  const node_def* producer(const std::string& input, std::string_view op) const {
    const node_def& n = node(input);
    return n.op == op ? &n : nullptr;
  }

  /// A fresh value name: "<base>/<role>", made unique.
  std::string fresh(const std::string& base, std::string_view role) {
    std::string name = base + "/" + std::string(role);
    for (int k = 1; used_.count(name); ++k) name = base + "/" + std::string(role) + "_" + std::to_string(k);
    used_.insert(name);
    return name;
  }

  std::string emit(std::string op, std::vector<std::string> inputs, std::string output,
                   std::vector<ox::attribute_proto> attrs = {}) {
    ox::node_proto n;
    n.inputs = std::move(inputs);
    n.outputs = {output};
    n.name = output;
    n.op_type = std::move(op);
    n.attributes = std::move(attrs);
    model_.graph.nodes.push_back(std::move(n));
    return output;
  }

  /// The ONNX value of a TF node's output, translating the node (and what it reads) first.
  std::string value(const std::string& input) {
    const std::string name = strip(input);
    if (const auto it = values_.find(name); it != values_.end()) return it->second;
    const node_def& n = node(name);
    std::string v = translate(n);
    values_[name] = v;
    return v;
  }

  // ---- constants

  const io::graphdef::tensor_proto* const_tensor(const std::string& input) const {
    const node_def& n = node(input);
    return n.op == "Const" ? n.attr<io::graphdef::tensor_proto>("value") : nullptr;
  }
  bool is_variable(const std::string& input) const {
    return variables_.count(strip(input)) && node(input).op == "Const";
  }
  /// The integers of a constant int32/int64 input (axes, shapes, permutations).
  std::vector<std::int64_t> ints_of(const node_def& n, std::size_t input) const {
    const auto* t = input < n.inputs.size() ? const_tensor(n.inputs[input]) : nullptr;
    if (!t) unsupported(n, "its input " + std::to_string(input) + " is not a constant");
    std::vector<std::int64_t> out;
    if (t->dtype == io::graphdef::tf_dtype::int32) {
      for (std::size_t i = 0; i + 4 <= t->content.size(); i += 4) {
        std::int32_t v;
        std::memcpy(&v, t->content.data() + i, 4);
        out.push_back(v);
      }
    } else if (t->dtype == io::graphdef::tf_dtype::int64) {
      for (std::size_t i = 0; i + 8 <= t->content.size(); i += 8) {
        std::int64_t v;
        std::memcpy(&v, t->content.data() + i, 8);
        out.push_back(v);
      }
    } else {
      unsupported(n, "its input " + std::to_string(input) + " is a constant of neither int32 nor int64");
    }
    return out;
  }
  static ox::tensor_proto onnx_tensor(const io::graphdef::tensor_proto& t, std::string name) {
    ox::tensor_proto o;
    o.name = std::move(name);
    o.type = from_tf(t.dtype);
    o.dims = t.dims;
    o.raw = t.content;
    o.strings = t.strings;
    return o;
  }
  std::string int64_constant(const std::string& base, std::string_view role, const std::vector<std::int64_t>& v) {
    const std::string name = fresh(base, role);
    return emit("Constant", {}, name,
                {ox::attribute_proto::tensor("value", ox::tensor_proto::of<std::int64_t>("", {static_cast<std::int64_t>(v.size())}, v))});
  }
  /// A scalar Constant of the TF dtype `type` holding `v` (Relu6's bounds).
  std::string scalar_constant(const std::string& base, std::string_view role, io::graphdef::tf_dtype type, double v) {
    ox::tensor_proto t;
    t.type = from_tf(type);
    if (t.type == ox::data_type::float32) {
      const float f = static_cast<float>(v);
      t.raw.assign(reinterpret_cast<const char*>(&f), sizeof f);
    } else if (t.type == ox::data_type::float64) {
      t.raw.assign(reinterpret_cast<const char*>(&v), sizeof v);
    } else {
      staticflow::detail::fail<unimplemented>({"sf::onnx::to_model: a bound of ", ox::to_string(t.type), " for '", base, "'"});
    }
    return emit("Constant", {}, fresh(base, role), {ox::attribute_proto::tensor("value", std::move(t))});
  }

  /// Whether every reader of `input` reads it as a Conv2D filter (then it is stored OIHW).
  bool only_conv_filter(const std::string& input) const {
    const auto it = consumers_.find(strip(input));
    if (it == consumers_.end()) return false;
    for (const auto& [n, i] : it->second)
      if (n->op != "Conv2D" || i != 1) return false;
    return true;
  }
  /// A Conv2D filter as ONNX wants it: the variable's initializer stored OIHW, or a Transpose.
  std::string filter_oihw(const std::string& input) {
    const std::string name = strip(input);
    if (is_variable(name) && only_conv_filter(name)) {
      if (const auto it = values_.find(name); it != values_.end()) return it->second;
      const auto& t = *const_tensor(name);
      if (t.dims.size() != 4) unsupported(node(name), "a convolution filter that is not 4-D");
      ox::tensor_proto o = onnx_tensor(t, name);
      const auto h = static_cast<std::size_t>(t.dims[0]), w = static_cast<std::size_t>(t.dims[1]),
                 ci = static_cast<std::size_t>(t.dims[2]), co = static_cast<std::size_t>(t.dims[3]);
      const std::size_t width = ox::element_size(o.type);
      o.dims = {t.dims[3], t.dims[2], t.dims[0], t.dims[1]};
      // out[o][i][y][x] = in[y][x][i][o]
      for (std::size_t a = 0; a < co; ++a)
        for (std::size_t b = 0; b < ci; ++b)
          for (std::size_t y = 0; y < h; ++y)
            for (std::size_t x = 0; x < w; ++x)
              std::memcpy(o.raw.data() + (((a * ci + b) * h + y) * w + x) * width,
                          t.content.data() + (((y * w + x) * ci + b) * co + a) * width, width);
      model_.graph.initializers.push_back(std::move(o));
      values_[name] = name;
      return name;
    }
    return emit("Transpose", {value(input)}, fresh(name, "oihw"), {ox::attribute_proto::integers("perm", {3, 2, 0, 1})});
  }

  [[noreturn]] static void unsupported(const node_def& n, const std::string& why) {
    staticflow::detail::fail<unimplemented>({"sf::onnx::to_model: node '", n.name, "' (TensorFlow op ", n.op, "): ", why});
  }

  // ---- the table

  /// Emits the ONNX nodes computing `n` and returns the value holding its result.
  std::string translate(const node_def& n) {
    const std::string& op = n.op;
    const auto in = [&](std::size_t i) { return value(n.inputs.at(i)); };
    const auto same = [&](const char* onnx_op) {
      std::vector<std::string> inputs;
      for (const auto& i : n.inputs) inputs.push_back(value(i));
      return emit(onnx_op, std::move(inputs), n.name);
    };

    if (op == "Placeholder") {
      const auto* type = n.attr<io::graphdef::tf_dtype>("dtype");
      const auto* shape = n.attr<io::graphdef::shape_proto>("shape");
      ox::value_info_proto info{n.name, type ? from_tf(*type) : ox::data_type::undefined, shape != nullptr, {}};
      if (shape)
        for (std::size_t d = 0; d < shape->dims.size(); ++d) info.dims.push_back(dim_of(shape->dims[d], d));
      model_.graph.inputs.push_back(std::move(info));
      return n.name;
    }
    if (op == "Const") {
      const auto* t = n.attr<io::graphdef::tensor_proto>("value");
      if (!t) unsupported(n, "a Const without a value");
      if (variables_.count(n.name)) {
        model_.graph.initializers.push_back(onnx_tensor(*t, n.name));
        return n.name;
      }
      return emit("Constant", {}, n.name, {ox::attribute_proto::tensor("value", onnx_tensor(*t, ""))});
    }
    if (op == "Identity" || op == "StopGradient") return same("Identity");
    if (op == "Add" || op == "AddV2") return same("Add");
    if (op == "BiasAdd") {
      const auto* format = n.attr<std::string>("data_format");
      if (format && *format != "NHWC") unsupported(n, "data_format " + *format);
      return emit("Add", {in(0), in(1)}, n.name);
    }
    if (op == "Sub") {
      if (auto s = log_softmax(n)) return *s;
      return same("Sub");
    }
    if (op == "Mul") return same("Mul");
    if (op == "RealDiv") {
      if (auto s = softmax(n)) return *s;
      return same("Div");
    }
    if (op == "Pow") return same("Pow");
    if (op == "Minimum") return same("Min");
    if (op == "Maximum") return same("Max");
    if (op == "Neg" || op == "Abs" || op == "Exp" || op == "Log" || op == "Sqrt" || op == "Relu" || op == "Sigmoid" ||
        op == "Tanh" || op == "Softplus" || op == "Softsign")
      return same(op.c_str());
    if (op == "Square") {
      const std::string x = in(0);
      return emit("Mul", {x, x}, n.name);
    }
    if (op == "Relu6") {
      const auto* type = n.attr<io::graphdef::tf_dtype>("T");
      const std::string x = in(0);
      const auto t = type ? *type : io::graphdef::tf_dtype::float32;
      return emit("Clip", {x, scalar_constant(n.name, "min", t, 0.0), scalar_constant(n.name, "max", t, 6.0)}, n.name);
    }
    if (op == "Elu") return emit("Elu", {in(0)}, n.name, {ox::attribute_proto::real("alpha", 1.0f)});
    if (op == "LeakyRelu") {
      const auto* alpha = n.attr<float>("alpha");
      return emit("LeakyRelu", {in(0)}, n.name, {ox::attribute_proto::real("alpha", alpha ? *alpha : 0.2f)});
    }
    if (op == "Greater" || op == "Less" || op == "Equal") return same(op.c_str());
    if (op == "GreaterEqual") return same("GreaterOrEqual");
    if (op == "LessEqual") return same("LessOrEqual");
    if (op == "NotEqual") {
      const std::string a = in(0), b = in(1);
      return emit("Not", {emit("Equal", {a, b}, fresh(n.name, "equal"))}, n.name);
    }
    if (op == "LogicalAnd") return same("And");
    if (op == "LogicalOr") return same("Or");
    if (op == "LogicalNot") return same("Not");
    if (op == "Cast") {
      const auto* to = n.attr<io::graphdef::tf_dtype>("DstT");
      if (!to) unsupported(n, "a Cast without DstT");
      return emit("Cast", {in(0)}, n.name, {ox::attribute_proto::integer("to", static_cast<std::int64_t>(from_tf(*to)))});
    }
    if (op == "SelectV2" || op == "Select") return same("Where");
    if (op == "MatMul") {
      const auto* ta = n.attr<bool>("transpose_a");
      const auto* tb = n.attr<bool>("transpose_b");
      const bool a = ta && *ta, b = tb && *tb;
      if (!a && !b) return emit("MatMul", {in(0), in(1)}, n.name);
      const std::string x = in(0), y = in(1);
      return emit("Gemm", {x, y}, n.name,
                  {ox::attribute_proto::integer("transA", a), ox::attribute_proto::integer("transB", b)});
    }
    if (op == "Conv2D" || op == "MaxPool" || op == "AvgPool") return windowed(n);
    if (op == "Reshape") {
      const std::string x = in(0);
      return emit("Reshape", {x, int64_constant(n.name, "shape", ints_of(n, 1))}, n.name);
    }
    if (op == "Transpose") {
      const std::string x = in(0);
      return emit("Transpose", {x}, n.name, {ox::attribute_proto::integers("perm", ints_of(n, 1))});
    }
    if (op == "Sum" || op == "Max" || op == "Min" || op == "Mean") {
      const std::vector<std::int64_t> axes = ints_of(n, 1);
      const auto* keep = n.attr<bool>("keep_dims");
      const std::int64_t keepdims = keep && *keep;
      const std::string x = in(0);
      if (axes.empty()) return emit("Identity", {x}, n.name);  // TF reduces over no axis: the input
      if (op == "Sum")
        return emit("ReduceSum", {x, int64_constant(n.name, "axes", axes)}, n.name,
                    {ox::attribute_proto::integer("keepdims", keepdims)});
      const char* onnx_op = op == "Max" ? "ReduceMax" : op == "Min" ? "ReduceMin" : "ReduceMean";
      return emit(onnx_op, {x}, n.name,
                  {ox::attribute_proto::integers("axes", axes), ox::attribute_proto::integer("keepdims", keepdims)});
    }
    if (op == "ArgMax" || op == "ArgMin") {
      const std::vector<std::int64_t> axis = ints_of(n, 1);
      if (axis.size() != 1) unsupported(n, "an axis that is not one number");
      if (const auto* out = n.attr<io::graphdef::tf_dtype>("output_type"); out && *out != io::graphdef::tf_dtype::int64)
        unsupported(n, "an output type other than int64 (ONNX's ArgMax gives int64)");
      return emit(op, {in(0)}, n.name,
                  {ox::attribute_proto::integer("axis", axis[0]), ox::attribute_proto::integer("keepdims", 0)});
    }
    staticflow::detail::fail<unimplemented>({"sf::onnx::to_model: node '", n.name, "' computes TensorFlow's ", op,
                         ", which has no ONNX translation here (translated: ", translated_tf_ops, ")"});
  }

  /// Conv2D, MaxPool, AvgPool (NHWC): Transpose to NCHW, the ONNX op, Transpose back.
  std::string windowed(const node_def& n) {
    const auto* format = n.attr<std::string>("data_format");
    if (format && *format != "NHWC") unsupported(n, "data_format " + *format);
    const auto* padding = n.attr<std::string>("padding");
    const auto* strides = n.attr<io::graphdef::int_list>("strides");
    if (!padding || (*padding != "SAME" && *padding != "VALID")) unsupported(n, "padding other than SAME or VALID");
    if (!strides || strides->values.size() != 4) unsupported(n, "strides that are not [1, h, w, 1]");
    std::vector<ox::attribute_proto> attrs{
        ox::attribute_proto::string("auto_pad", *padding == "SAME" ? "SAME_UPPER" : "VALID"),
        ox::attribute_proto::integers("strides", {strides->values[1], strides->values[2]})};
    const std::string x = value(n.inputs.at(0));
    const std::string nchw = emit("Transpose", {x}, fresh(n.name, "nchw"), {ox::attribute_proto::integers("perm", {0, 3, 1, 2})});
    std::string out;
    if (n.op == "Conv2D") {
      if (const auto* d = n.attr<io::graphdef::int_list>("dilations"); d && d->values.size() == 4)
        attrs.push_back(ox::attribute_proto::integers("dilations", {d->values[1], d->values[2]}));
      out = emit("Conv", {nchw, filter_oihw(n.inputs.at(1))}, fresh(n.name, "conv"), std::move(attrs));
    } else {
      const auto* ksize = n.attr<io::graphdef::int_list>("ksize");
      if (!ksize || ksize->values.size() != 4) unsupported(n, "ksize that is not [1, h, w, 1]");
      attrs.push_back(ox::attribute_proto::integers("kernel_shape", {ksize->values[1], ksize->values[2]}));
      out = emit(n.op == "MaxPool" ? "MaxPool" : "AveragePool", {nchw}, fresh(n.name, "pool"), std::move(attrs));
    }
    return emit("Transpose", {out}, n.name, {ox::attribute_proto::integers("perm", {0, 2, 3, 1})});
  }

  // ---- recognised compositions

  /// A reduction `op` of `input` over one axis with keep_dims: that axis.
  std::optional<std::int64_t> single_axis_kept(const node_def& r, std::string_view op) const {
    if (r.op != op || r.inputs.size() != 2) return std::nullopt;
    const auto* keep = r.attr<bool>("keep_dims");
    if (!keep || !*keep || !const_tensor(r.inputs[1])) return std::nullopt;
    const auto axes = ints_of(r, 1);
    if (axes.size() != 1) return std::nullopt;
    return axes[0];
  }
  /// The logits x of `x - max(x, axis d, keep)` (the max under a StopGradient or not), and d.
  std::optional<std::pair<std::string, std::int64_t>> shifted(const std::string& input) const {
    const node_def* sub = producer(input, "Sub");
    if (!sub || sub->inputs.size() != 2) return std::nullopt;
    const node_def* m = &node(sub->inputs[1]);
    if (m->op == "StopGradient" && m->inputs.size() == 1) m = &node(m->inputs[0]);
    const auto axis = single_axis_kept(*m, "Max");
    if (!axis || strip(m->inputs[0]) != strip(sub->inputs[0])) return std::nullopt;
    return std::pair{strip(sub->inputs[0]), *axis};
  }
  /// softmax: exp(x - max(x)) / sum(exp(x - max(x))) over one axis.
  std::optional<std::string> softmax(const node_def& div) {
    if (div.inputs.size() != 2) return std::nullopt;
    const node_def* e = producer(div.inputs[0], "Exp");
    const node_def& sum = node(div.inputs[1]);
    const auto axis = single_axis_kept(sum, "Sum");
    if (!e || !axis || strip(sum.inputs[0]) != e->name) return std::nullopt;
    const auto s = shifted(e->inputs.at(0));
    if (!s || s->second != *axis) return std::nullopt;
    return emit("Softmax", {value(s->first)}, div.name, {ox::attribute_proto::integer("axis", *axis)});
  }
  /// log_softmax: z - log(sum(exp(z))) with z = x - max(x), over one axis.
  std::optional<std::string> log_softmax(const node_def& sub) {
    if (sub.inputs.size() != 2) return std::nullopt;
    const node_def* log = producer(sub.inputs[1], "Log");
    if (!log) return std::nullopt;
    const node_def& sum = node(log->inputs.at(0));
    const auto axis = single_axis_kept(sum, "Sum");
    if (!axis) return std::nullopt;
    const node_def* e = producer(sum.inputs[0], "Exp");
    if (!e || strip(e->inputs.at(0)) != strip(sub.inputs[0])) return std::nullopt;
    const auto s = shifted(sub.inputs[0]);
    if (!s || s->second != *axis) return std::nullopt;
    return emit("LogSoftmax", {value(s->first)}, sub.name, {ox::attribute_proto::integer("axis", *axis)});
  }

  const exported_graph& g_;
  std::set<std::string> variables_;
  std::map<std::string, const node_def*, std::less<>> by_name_;
  std::map<std::string, std::vector<std::pair<const node_def*, std::size_t>>> consumers_;
  std::map<std::string, std::string> values_;
  std::set<std::string> used_;
  ox::model_proto model_;
};

}  // namespace detail

/// The ONNX model of `outputs` (expressions, or `named(expr, "name")`), every variable they read
/// an initializer holding its value in `sess`. `to_model(sess, probabilities).serialize()` is
/// the file's bytes.
template <class P, class... O>
  requires(sizeof...(O) > 0 && ((operand<O> || detail::is_named_v<O>) && ...))
ox::model_proto to_model(session<P>& sess, const O&... outputs) {
  const exported_graph frozen = [&] {
    try {
      return freeze(sess, detail::expr_of(outputs)...);
    } catch (const unimplemented& e) {  // a node without a TF op: say who asked
      staticflow::detail::fail<unimplemented>({"sf::onnx::to_model: ", e.what()});
    }
  }();
  std::set<std::string> variables;
  for (const auto& n : export_graph(detail::expr_of(outputs)...).nodes)
    if (n.op == "VariableV2") variables.insert(n.name);
  return detail::translator(frozen, std::move(variables)).run({detail::spec_of(outputs)...}, frozen.outputs);
}

/// The ONNX model of a network (`nn::model<Net>`): its input the graph's input "input" (shape
/// `Net::input_shape`, the batch "batch"), its inference output (logits) the output "output".
template <class P, detail::network_model M>
ox::model_proto to_model(session<P>& sess, const M& net) {
  const auto x = placeholder<typename M::value_type, typename M::network::input_shape, "input">();
  return to_model(sess, named(net(x), "output"));
}

/// Writes `to_model(sess, what)` to `path` (whole or not at all). `what`: an expression, a
/// `named` one, or a network.
template <class P, class W>
void save(session<P>& sess, const W& what, const std::filesystem::path& path) {
  to_model(sess, what).write(path);
}

}  // namespace staticflow::onnx
#endif  // STATICFLOW_GRAPH_ONNX_EXPORT_HPP
