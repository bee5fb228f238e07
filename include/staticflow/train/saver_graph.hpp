// SPDX-License-Identifier: MIT
/// \file
/// \brief The MetaGraphDef a saver writes beside a checkpoint (`PREFIX.meta`, the third file
/// of TF's Saver): the model's GraphDef, a VariableV2 for every tensor saved, and the nodes TF's
/// Saver adds to save and restore them, which its SaverDef names, so that TF's
/// `tf.train.import_meta_graph(PREFIX + ".meta")` gives a Saver that restores the checkpoint.
///
/// The save and restore nodes are those TF 1.x's Saver builds for a V2 checkpoint in one shard,
/// under the scope "save" ("save_1", ... when the model already uses it):
///
///     save/filename/input   Const "model"              save/SaveV2/tensor_names      Const [n] (the keys)
///     save/filename         PlaceholderWithDefault     save/SaveV2/shape_and_slices  Const [n] ("" each)
///     save/Const            PlaceholderWithDefault     save/SaveV2   SaveV2(save/Const, names, slices, tensors...)
///     save/control_dependency  Identity(save/Const, ^save/SaveV2): the save_tensor_name
///     save/RestoreV2(save/Const, names, slices); save/Assign, save/Assign_1, ...: Assign(tensor i,
///     save/RestoreV2:i); save/restore_all: NoOp after every Assign: the restore_op_name
#pragma once
#ifndef STATICFLOW_TRAIN_SAVER_GRAPH_HPP
#define STATICFLOW_TRAIN_SAVER_GRAPH_HPP

#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "staticflow/io/graph_def.hpp"

namespace staticflow::train {

/// One tensor of a checkpoint: its key, the graph node holding it (the variable; the key too
/// unless a var_list renamed it), dtype and shape.
struct saved_tensor {
  std::string key;
  std::string node;
  io::graphdef::tf_dtype dtype;
  std::vector<std::int64_t> dims;
};

namespace detail {

// Templates over the GraphDef type, so that a program including the saver compiles them only
// when it saves (saver::save instantiates them).

template <class Graph>
typename Graph::value_type make_node(const Graph&, std::string name, std::string op, std::vector<std::string> inputs = {}) {
  typename Graph::value_type n;
  n.name = std::move(name);
  n.op = std::move(op);
  n.inputs = std::move(inputs);
  return n;
}

/// A DT_STRING Const: a vector of `values`, or the one value as a scalar.
template <class Graph>
void add_string_const(Graph& nodes, std::string name, std::vector<std::string> values, bool scalar = false) {
  io::graphdef::tensor_proto t;
  t.dtype = io::graphdef::tf_dtype::string;
  if (!scalar) t.dims = {static_cast<std::int64_t>(values.size())};
  t.strings = std::move(values);
  auto n = make_node(nodes, std::move(name), "Const");
  n.attrs["dtype"] = io::graphdef::tf_dtype::string;
  n.attrs["value"] = std::move(t);
  nodes.push_back(std::move(n));
}

/// "save", or "save_1", "save_2", ... when nodes of `g` already use the scope.
template <class Graph>
std::string free_scope(const Graph& g) {
  std::set<std::string> scopes;
  for (const auto& n : g.nodes) scopes.insert(n.name.substr(0, n.name.find('/')));
  std::string scope = "save";
  for (int k = 1; scopes.count(scope); ++k) scope = "save_" + std::to_string(k);
  return scope;
}

/// A VariableV2 for each saved tensor the graph has no node for (optimiser slots, power
/// accumulators, or a graph given without its variables).
template <class Graph>
void add_variables(Graph& g, const std::vector<saved_tensor>& saved) {
  std::set<std::string> have;
  for (const auto& n : g.nodes) have.insert(n.name);
  for (const auto& t : saved) {
    if (!have.insert(t.node).second) continue;
    auto v = make_node(g.nodes, t.node, "VariableV2");
    v.attrs["dtype"] = t.dtype;
    v.attrs["shape"] = io::graphdef::shape_proto{t.dims};
    v.attrs["container"] = std::string();
    v.attrs["shared_name"] = std::string();
    g.nodes.push_back(std::move(v));
  }
}

/// The save and restore nodes of the file comment, under `scope`.
template <class Graph>
void add_save_ops(Graph& g, const std::vector<saved_tensor>& saved, const std::string& scope) {
  std::vector<std::string> keys, slices(saved.size());
  io::graphdef::type_list dtypes;
  for (const auto& t : saved) keys.push_back(t.key), dtypes.values.push_back(t.dtype);
  const std::string s = scope + "/";
  auto& nodes = g.nodes;

  add_string_const(nodes, s + "filename/input", {"model"}, true);
  for (const auto& [name, input] : {std::pair{s + "filename", s + "filename/input"}, std::pair{s + "Const", s + "filename"}}) {
    auto p = make_node(nodes, name, "PlaceholderWithDefault", {input});
    p.attrs["dtype"] = io::graphdef::tf_dtype::string;
    p.attrs["shape"] = io::graphdef::shape_proto{};
    nodes.push_back(std::move(p));
  }

  const auto add_names = [&](const char* op) {
    add_string_const(nodes, s + op + "/tensor_names", keys);
    add_string_const(nodes, s + op + "/shape_and_slices", slices);
  };
  add_names("SaveV2");
  auto save = make_node(nodes, s + "SaveV2", "SaveV2", {s + "Const", s + "SaveV2/tensor_names", s + "SaveV2/shape_and_slices"});
  for (const auto& t : saved) save.inputs.push_back(t.node);
  save.attrs["dtypes"] = dtypes;
  nodes.push_back(std::move(save));
  auto dep = make_node(nodes, s + "control_dependency", "Identity", {s + "Const", "^" + s + "SaveV2"});
  dep.attrs["T"] = io::graphdef::tf_dtype::string;
  dep.attrs["_class"] = io::graphdef::string_list{{"loc:@" + s + "Const"}};
  nodes.push_back(std::move(dep));

  add_names("RestoreV2");
  auto restore = make_node(nodes, s + "RestoreV2", "RestoreV2", {s + "Const", s + "RestoreV2/tensor_names", s + "RestoreV2/shape_and_slices"});
  restore.attrs["dtypes"] = dtypes;
  nodes.push_back(std::move(restore));
  auto all = make_node(nodes, s + "restore_all", "NoOp");
  for (std::size_t i = 0; i < saved.size(); ++i) {
    const std::string name = s + "Assign" + (i ? "_" + std::to_string(i) : "");
    auto a = make_node(nodes, name, "Assign", {saved[i].node, s + "RestoreV2" + (i ? ":" + std::to_string(i) : "")});
    a.attrs["T"] = saved[i].dtype;
    a.attrs["use_locking"] = true;
    a.attrs["validate_shape"] = true;
    a.attrs["_class"] = io::graphdef::string_list{{"loc:@" + saved[i].node}};
    nodes.push_back(std::move(a));
    all.inputs.push_back("^" + name);
  }
  nodes.push_back(std::move(all));
}

}  // namespace detail

/// `PREFIX.meta`'s message: `model` (a GraphDef of the model, e.g. `sf::export_graph(loss)`,
/// or none) with the saved tensors' variables and the save and restore ops added, and the
/// SaverDef naming them (`max_to_keep`, `keep_checkpoint_every_n_hours`: the saver's options).
template <class Graph>
io::graphdef::meta_graph_def saver_meta_graph(const Graph& model, const std::vector<saved_tensor>& saved,
                                              std::int32_t max_to_keep, float keep_checkpoint_every_n_hours) {
  io::graphdef::meta_graph_def meta;
  meta.graph = model;
  detail::add_variables(meta.graph, saved);
  const std::string scope = detail::free_scope(meta.graph);
  detail::add_save_ops(meta.graph, saved, scope);
  meta.saver.filename_tensor_name = scope + "/Const:0";
  meta.saver.save_tensor_name = scope + "/control_dependency:0";
  meta.saver.restore_op_name = scope + "/restore_all";
  meta.saver.max_to_keep = max_to_keep;
  meta.saver.keep_checkpoint_every_n_hours = keep_checkpoint_every_n_hours;
  return meta;
}

}  // namespace staticflow::train
#endif  // STATICFLOW_TRAIN_SAVER_GRAPH_HPP
