// SPDX-License-Identifier: MIT
/// \file
/// \brief `sf::export_graph(fetches...)` and `sf::freeze(sess, outputs...)`: an expression as
/// TensorFlow's GraphDef, the graph TensorBoard's graph tab shows and `tf.import_graph_def`
/// loads; written as `.pb` or `.pbtxt` by io/graph_def.hpp.
///
/// One fold over the node protocol (expr/node.hpp): each node kind states its TF op
/// (`tf_op`), default node name (`tf_name`) and attributes (`tf_attrs(b)`) in its own file;
/// the walk here emits the children first, then the node with their names as inputs. Leaves
/// the walk knows itself: tensors and scalars become `Const` nodes holding their values.
/// Node names follow TF: placeholders and variables by their names (scopes included), ops by
/// their default name made unique as TF does (`add`, `add_1`, ...), an op's constant inputs
/// under its name (`Mean/reduction_indices`). A node is emitted once however often the
/// expression reads it: placeholders and variables by name, tensors by their memory, scalars by
/// value, ops by op, inputs and attributes (an op's value depends on nothing else), so the
/// logits softmax reads twice are one node, as in TF's graph.
///
/// Freezing replaces each variable the outputs need by a `Const` with its value in the session.
///
/// **Errors:** a node with no TF op here (`sf::reverse`, random generators, dropout):
/// unimplemented naming the op and showing the node (`describe`); a tensor in device memory:
/// unimplemented; freezing an uninitialised variable: failed_precondition naming it.
#pragma once
#ifndef STATICFLOW_GRAPH_EXPORT_HPP
#define STATICFLOW_GRAPH_EXPORT_HPP

#include <bit>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "staticflow/expr/describe.hpp"
#include "staticflow/graph/session.hpp"
#include "staticflow/io/graph_def.hpp"

namespace staticflow {

/// An exported graph: the GraphDef (`serialize()`, `text()`, `write(path)`) and the names of
/// the nodes that compute the fetches, in the order given.
struct exported_graph : io::graphdef::graph_def {
  std::vector<std::string> outputs;
};

namespace detail {

template <class T>
io::graphdef::tf_dtype tf_dtype_of() {
  return io::bundle::to_tf(dtype_traits<T>::value);
}

/// A tensor's dtype, extents and little-endian bytes (hosts are little-endian: see below).
template <class T>
io::graphdef::tensor_proto make_tensor_proto(std::vector<std::int64_t> dims, const void* data, std::size_t bytes) {
  static_assert(std::endian::native == std::endian::little,
                "sf::export_graph: tensor_content is little-endian; a big-endian host would need a byte swap here");
  io::graphdef::tensor_proto t{tf_dtype_of<T>(), std::move(dims), std::string(bytes, '\0'), {}};
  if (bytes) std::memcpy(t.content.data(), data, bytes);
  return t;
}

/// What a node's `tf_attrs(b)` writes through: the attributes of the NodeDef being built, and
/// constant inputs (axes, shapes), which the walk adds under the node's name once it has one.
/// (This and the walk are templates, over the NodeDef and the session state, so that programs
/// that never export compile none of it.)
template <class Node>
class tf_node_builder {
 public:
  tf_node_builder(Node& node, const char* sf_op) : node_(node), sf_op_(sf_op) {}

  template <class T>
  void type(const std::string& key) {
    node_.attrs[key] = tf_dtype_of<T>();
  }
  void flag(const std::string& key, bool v) { node_.attrs[key] = v; }
  void integer(const std::string& key, std::int64_t v) { node_.attrs[key] = v; }
  void real(const std::string& key, float v) { node_.attrs[key] = v; }
  void string(const std::string& key, std::string v) { node_.attrs[key] = std::move(v); }
  void ints(const std::string& key, std::vector<std::int64_t> v) { node_.attrs[key] = io::graphdef::int_list{std::move(v)}; }
  /// A static shape, `dyn` extents as -1 (TF's unknown dimension).
  template <class S>
  void shape(const std::string& key) {
    io::graphdef::shape_proto s;
    for (std::size_t i = 0; i < S::rank; ++i) s.dims.push_back(S::extents[i] == dyn ? -1 : static_cast<std::int64_t>(S::extents[i]));
    node_.attrs[key] = std::move(s);
  }
  /// Another op than the node kind's `tf_op`, for these operands (integer division).
  void op(const char* name) { node_.op = name; }
  /// Puts the inputs in TF's order: input i becomes the one at `order[i]` (ops whose operands
  /// staticflow takes in another order than TF).
  void input_order(std::initializer_list<std::size_t> order) {
    std::vector<std::string> in;
    for (const std::size_t i : order) in.push_back(node_.inputs.at(i));
    node_.inputs = std::move(in);
  }
  /// A Const "<this node>/<suffix>" holding `values`, the input after the operands.
  template <class T>
  void const_input(std::string_view suffix, std::vector<std::int64_t> dims, const std::vector<T>& values) {
    consts_.emplace_back(std::string(suffix), make_tensor_proto<T>(std::move(dims), values.data(), values.size() * sizeof(T)));
  }
  /// The node cannot be exported: unimplemented saying why.
  [[noreturn]] void unsupported(std::string_view why) const {
    fail<unimplemented>({"sf::export_graph: ", sf_op_, ": ", why});
  }
  std::vector<std::pair<std::string, io::graphdef::tensor_proto>>& const_inputs() { return consts_; }

 private:
  Node& node_;
  const char* sf_op_;
  std::vector<std::pair<std::string, io::graphdef::tensor_proto>> consts_;
};

/// The walk: emits each node after its children. Ops compute a value from their inputs and
/// attributes alone, so a node with the op, inputs and attributes of one already emitted is
/// that node (a materialised node used twice, or an elementwise expression copied into two
/// places, as softmax copies its logits): it is emitted once.
template <class State>
class graph_exporter {
 public:
  /// `frozen`: the session state whose variable values become Consts (freeze); nullptr: export.
  explicit graph_exporter(State* frozen = nullptr) : frozen_(frozen) {}

  /// Placeholder and variable names are fixed: taken before any op gets a default name, so an
  /// op named "add" never takes a name a variable "add" needs.
  template <class N>
  void reserve_names(const N& n) {
    if constexpr (traits_v<N>.placeholder || traits_v<N>.variable) used_.insert(std::string(n.name()));
    else for_each_child(n, [&](const auto& c) { reserve_names(c); });
  }

  /// Emits `n` (and what it reads) and returns its node name.
  template <class N>
  std::string add(const N& n) {
    constexpr bool named_leaf = traits_v<N>.placeholder || traits_v<N>.variable;
    if constexpr (is_tensor_v<N>) {
      return add_tensor(as_node(n));
    } else if constexpr (requires { n.value; requires std::is_arithmetic_v<decltype(n.value)>; } && is_leaf_v<N>) {
      // Equal scalars are one Const, so the ops reading them can be recognised as equal too.
      auto t = make_tensor_proto<typename N::value_type>({}, &n.value, sizeof n.value);
      const std::string key = "scalar:" + std::to_string(static_cast<int>(t.dtype)) + ":" + t.content;
      if (const auto it = done_.find(key); it != done_.end()) return it->second;
      return remember(key, add_const(std::move(t)));
    } else if constexpr (tf_op_v<N> == nullptr) {
      fail<unimplemented>({"sf::export_graph: ", op_name_v<N> ? op_name_v<N> : "this node",
                           " has no TensorFlow op the export writes; the node: ", describe(n)});
    } else if constexpr (named_leaf) {
      const std::string key = "leaf:" + std::string(n.name());
      if (const auto it = done_.find(key); it != done_.end()) return it->second;
      if constexpr (traits_v<N>.variable) {
        if (frozen_) return remember(key, add_frozen(n));
      }
      io::graphdef::node_def node;
      node.name = std::string(n.name());
      node.op = tf_op_v<N>;
      tf_node_builder<io::graphdef::node_def> b(node, tf_op_v<N>);
      n.tf_attrs(b);
      graph_.nodes.push_back(std::move(node));
      return remember(key, std::string(n.name()));
    } else {
      io::graphdef::node_def node;
      node.op = tf_op_v<N>;
      for_each_child(n, [&](const auto& c) { node.inputs.push_back(add(c)); });
      tf_node_builder<io::graphdef::node_def> b(node, op_name_v<N> ? op_name_v<N> : tf_op_v<N>);
      if constexpr (requires { n.tf_attrs(b); }) n.tf_attrs(b);
      const std::string key = structural_key(node, b.const_inputs());
      if (const auto it = done_.find(key); it != done_.end()) return it->second;
      node.name = unique_name(tf_name_v<N>);
      for (auto& [suffix, t] : b.const_inputs()) node.inputs.push_back(add_const(std::move(t), node.name + "/" + suffix));
      std::string name = node.name;
      graph_.nodes.push_back(std::move(node));
      return remember(key, std::move(name));
    }
  }

  /// A Const node named `base` (made unique) holding `t`.
  std::string add_const(io::graphdef::tensor_proto t, std::string_view base = "Const") {
    io::graphdef::node_def node;
    node.name = unique_name(base);
    node.op = "Const";
    node.attrs["dtype"] = t.dtype;
    node.attrs["value"] = std::move(t);
    graph_.nodes.push_back(std::move(node));
    return graph_.nodes.back().name;
  }

  /// `base`, or `base_1`, `base_2`, ... (the first not taken), as TF's unique_name.
  std::string unique_name(std::string_view base) {
    std::string name(base);
    for (int& k = counters_[name]; used_.count(name); ++k) name = std::string(base) + "_" + std::to_string(k + 1);
    used_.insert(name);
    return name;
  }

  exported_graph take() { return std::move(graph_); }

 private:
  std::string remember(const std::string& key, std::string name) {
    done_[key] = name;
    return name;
  }

  /// What makes two op nodes the same node: op, inputs, attributes and constant inputs.
  template <class W = io::proto::writer>
  static std::string structural_key(const io::graphdef::node_def& node,
                                    const std::vector<std::pair<std::string, io::graphdef::tensor_proto>>& consts) {
    W w;
    w.bytes(1, node.op);
    for (const auto& in : node.inputs) w.bytes(2, in);
    for (const auto& [key, value] : node.attrs) {
      w.bytes(3, key);
      w.message(4, [&](auto& m) { io::graphdef::detail::write_attr(m, value); });
    }
    for (const auto& [suffix, t] : consts) {
      w.bytes(5, suffix);
      w.message(6, [&](auto& m) { io::graphdef::detail::write_tensor(m, t); });
    }
    return "op:" + w.take();
  }

  template <class V>
  std::string add_tensor(const V& v) {
    if constexpr (!std::is_same_v<typename V::policy_type, host>) {
      fail<unimplemented>({"sf::export_graph: a tensor ", to_string(typename V::shape_type{}),
                           " in device memory: copy it to the host first"});
    } else {
      const auto d = v.dims();
      const std::string key = "tensor:" + std::to_string(reinterpret_cast<std::uintptr_t>(v.data())) + to_string(d);
      if (const auto it = done_.find(key); it != done_.end()) return it->second;
      std::vector<std::int64_t> dims;
      for (std::size_t i = 0; i < d.size(); ++i) dims.push_back(static_cast<std::int64_t>(d[i]));
      using T = typename V::value_type;
      return remember(key, add_const(make_tensor_proto<T>(std::move(dims), v.data(), v.size() * sizeof(T))));
    }
  }

  /// A variable as a Const with its value in the session (freeze).
  template <class N>
  std::string add_frozen(const N& n) {
    const auto& def = *n.def;
    State& state = *frozen_;
    if (!state.is_initialized(def))
      fail<failed_precondition>({"sf::freeze: variable '", def.name(),
                                 "' has no value in the session (run its initialiser or restore a checkpoint first)"});
    std::string bytes(def.bytes(), '\0');
    state.download(bytes.data(), state.value_slot(def).data, def.bytes());
    io::graphdef::node_def node;
    node.name = def.name();
    node.op = "Const";
    node.attrs["dtype"] = tf_dtype_of<typename N::value_type>();
    node.attrs["value"] = make_tensor_proto<typename N::value_type>(def.dims(), bytes.data(), bytes.size());
    graph_.nodes.push_back(std::move(node));
    return def.name();
  }

  State* frozen_;
  exported_graph graph_;
  std::set<std::string, std::less<>> used_;
  std::map<std::string, int, std::less<>> counters_;
  std::map<std::string, std::string> done_;
};

template <class... E>
exported_graph export_with(session_state* frozen, const E&... fetches) {
  graph_exporter<session_state> g(frozen);
  (g.reserve_names(as_node(fetches)), ...);
  std::vector<std::string> outputs;
  (outputs.push_back(g.add(as_node(fetches))), ...);
  exported_graph out = g.take();
  out.outputs = std::move(outputs);
  return out;
}

}  // namespace detail

/// The GraphDef of everything `fetches` compute (TF's `sess.graph.as_graph_def()`, restricted to
/// what the fetches read): placeholders, variables as VariableV2, constants, ops.
/// `sf::export_graph(loss).write("graph.pbtxt")`.
template <operand... E>
exported_graph export_graph(const E&... fetches) {
  static_assert(sizeof...(E) > 0, "sf::export_graph: name at least one expression to export");
  return detail::export_with(nullptr, fetches...);
}

/// The GraphDef of `outputs` with every variable they read a Const holding its value in `sess`
/// (TF's graph_util.convert_variables_to_constants): a model file needing no checkpoint.
template <class P, operand... E>
exported_graph freeze(session<P>& sess, const E&... outputs) {
  static_assert(sizeof...(E) > 0, "sf::freeze: name at least one output");
  return detail::export_with(&sess.effective_state(), outputs...);
}

}  // namespace staticflow
#endif  // STATICFLOW_GRAPH_EXPORT_HPP
