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

namespace gd = io::graphdef;

inline gd::tensor_proto string_tensor(std::vector<std::string> values, bool scalar = false) {
  gd::tensor_proto t;
  t.dtype = gd::tf_dtype::string;
  if (!scalar) t.dims = {static_cast<std::int64_t>(values.size())};
  t.strings = std::move(values);
  return t;
}

inline gd::node_def make_node(std::string name, std::string op, std::vector<std::string> inputs = {}) {
  gd::node_def n;
  n.name = std::move(name);
  n.op = std::move(op);
  n.inputs = std::move(inputs);
  return n;
}

inline gd::node_def string_const(std::string name, gd::tensor_proto value) {
  gd::node_def n = make_node(std::move(name), "Const");
  n.attrs["dtype"] = gd::tf_dtype::string;
  n.attrs["value"] = std::move(value);
  return n;
}

/// "save", or "save_1", "save_2", ... when nodes of `g` already use the scope.
inline std::string free_scope(const gd::graph_def& g) {
  std::set<std::string> scopes;
  for (const auto& n : g.nodes) scopes.insert(n.name.substr(0, n.name.find('/')));
  std::string scope = "save";
  for (int k = 1; scopes.count(scope); ++k) scope = "save_" + std::to_string(k);
  return scope;
}

/// A VariableV2 for each saved tensor the graph has no node for (optimiser slots, power
/// accumulators, or a graph given without its variables).
inline void add_variables(gd::graph_def& g, const std::vector<saved_tensor>& saved) {
  std::set<std::string> have;
  for (const auto& n : g.nodes) have.insert(n.name);
  for (const auto& t : saved) {
    if (!have.insert(t.node).second) continue;
    gd::node_def v = make_node(t.node, "VariableV2");
    v.attrs["dtype"] = t.dtype;
    v.attrs["shape"] = gd::shape_proto{t.dims};
    v.attrs["container"] = std::string();
    v.attrs["shared_name"] = std::string();
    g.nodes.push_back(std::move(v));
  }
}

/// The save and restore nodes of the file comment, under `scope`.
inline void add_save_ops(gd::graph_def& g, const std::vector<saved_tensor>& saved, const std::string& scope) {
  std::vector<std::string> keys, slices(saved.size());
  gd::type_list dtypes;
  for (const auto& t : saved) keys.push_back(t.key), dtypes.values.push_back(t.dtype);
  const std::string s = scope + "/";

  g.nodes.push_back(string_const(s + "filename/input", string_tensor({"model"}, true)));
  for (const auto& [name, input] : {std::pair{s + "filename", s + "filename/input"}, std::pair{s + "Const", s + "filename"}}) {
    gd::node_def p = make_node(name, "PlaceholderWithDefault", {input});
    p.attrs["dtype"] = gd::tf_dtype::string;
    p.attrs["shape"] = gd::shape_proto{};
    g.nodes.push_back(std::move(p));
  }

  const auto add_names = [&](const char* op) {
    g.nodes.push_back(string_const(s + op + "/tensor_names", string_tensor(keys)));
    g.nodes.push_back(string_const(s + op + "/shape_and_slices", string_tensor(slices)));
  };
  add_names("SaveV2");
  gd::node_def save = make_node(s + "SaveV2", "SaveV2", {s + "Const", s + "SaveV2/tensor_names", s + "SaveV2/shape_and_slices"});
  for (const auto& t : saved) save.inputs.push_back(t.node);
  save.attrs["dtypes"] = dtypes;
  g.nodes.push_back(std::move(save));
  gd::node_def dep = make_node(s + "control_dependency", "Identity", {s + "Const", "^" + s + "SaveV2"});
  dep.attrs["T"] = gd::tf_dtype::string;
  dep.attrs["_class"] = gd::string_list{{"loc:@" + s + "Const"}};
  g.nodes.push_back(std::move(dep));

  add_names("RestoreV2");
  gd::node_def restore = make_node(s + "RestoreV2", "RestoreV2", {s + "Const", s + "RestoreV2/tensor_names", s + "RestoreV2/shape_and_slices"});
  restore.attrs["dtypes"] = dtypes;
  g.nodes.push_back(std::move(restore));
  gd::node_def all = make_node(s + "restore_all", "NoOp");
  for (std::size_t i = 0; i < saved.size(); ++i) {
    const std::string name = s + "Assign" + (i ? "_" + std::to_string(i) : "");
    gd::node_def a = make_node(name, "Assign", {saved[i].node, s + "RestoreV2" + (i ? ":" + std::to_string(i) : "")});
    a.attrs["T"] = saved[i].dtype;
    a.attrs["use_locking"] = true;
    a.attrs["validate_shape"] = true;
    a.attrs["_class"] = gd::string_list{{"loc:@" + saved[i].node}};
    g.nodes.push_back(std::move(a));
    all.inputs.push_back("^" + name);
  }
  g.nodes.push_back(std::move(all));
}

}  // namespace detail

/// `PREFIX.meta`'s message: `model` (a GraphDef of the model, e.g. `sf::export_graph(loss)`,
/// or none) with the saved tensors' variables and the save and restore ops added, and the
/// SaverDef naming them (`max_to_keep`, `keep_checkpoint_every_n_hours`: the saver's options).
inline io::graphdef::meta_graph_def saver_meta_graph(io::graphdef::graph_def model, const std::vector<saved_tensor>& saved,
                                                     std::int32_t max_to_keep, float keep_checkpoint_every_n_hours) {
  io::graphdef::meta_graph_def meta;
  meta.graph = std::move(model);
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
