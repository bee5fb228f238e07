// SPDX-License-Identifier: MIT
/// \file
/// \brief `PREFIX.meta`: the MetaGraphDef a saver writes beside each checkpoint (the model, a
/// VariableV2 per saved tensor, TF's save and restore ops, the SaverDef naming them), checked
/// node by node against TF 1.x's Saver's graph for the seed's v1 + v2. (Python's protobuf reads
/// the same file in tests/interop/check_graph_def.sh.)
#include <catch2/catch.hpp>
#include "temp_dir.hpp"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <staticflow/staticflow.hpp>

namespace sf = staticflow;
namespace gd = sf::io::graphdef;

namespace {

std::vector<std::string> names(const gd::graph_def& g) {
  std::vector<std::string> out;
  for (const auto& n : g.nodes) out.push_back(n.name);
  return out;
}

const gd::node_def& node(const gd::graph_def& g, const std::string& name) {
  const gd::node_def* n = g.find(name);
  INFO("node " << name);
  REQUIRE(n != nullptr);
  return *n;
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), {}};
}

}  // namespace

TEST_CASE("the seed's v1 + v2 saved: PREFIX.meta holds the graph, TF's save/restore ops and the SaverDef",
          "[train][saver]") {
  sf_test::temp_dir dir;
  sf::graph g;
  auto guard = g.as_default();
  auto v1 = sf::variable<float, sf::shape<1>>("v1", sf::init::constant(1.0));
  auto v2 = sf::variable<float, sf::shape<1>>("v2", sf::init::constant(2.0));
  auto result = v1 + v2;
  sf::session sess(g);
  sess.run(sf::global_variables_initializer());
  sf::train::saver saver;
  saver.set_meta_graph(sf::export_graph(result));
  const std::string prefix = saver.save(sess, (dir / "model.ckpt").string());
  REQUIRE(std::filesystem::exists(prefix + ".meta"));

  const std::vector<sf::train::saved_tensor> saved{{"v1", "v1", gd::tf_dtype::float32, {1}},
                                                   {"v2", "v2", gd::tf_dtype::float32, {1}}};
  const gd::meta_graph_def meta = sf::train::saver_meta_graph(sf::export_graph(result), saved, 5, 10000.0f);
  CHECK(read_file(prefix + ".meta") == meta.serialize());

  // TF 1.x's Saver() over v1 and v2 adds these nodes, in this order.
  CHECK(names(meta.graph) == std::vector<std::string>{"v1", "v2", "add", "save/filename/input", "save/filename",
                                                      "save/Const", "save/SaveV2/tensor_names",
                                                      "save/SaveV2/shape_and_slices", "save/SaveV2",
                                                      "save/control_dependency", "save/RestoreV2/tensor_names",
                                                      "save/RestoreV2/shape_and_slices", "save/RestoreV2", "save/Assign",
                                                      "save/Assign_1", "save/restore_all"});
  const auto& save = node(meta.graph, "save/SaveV2");
  CHECK(save.inputs == std::vector<std::string>{"save/Const", "save/SaveV2/tensor_names", "save/SaveV2/shape_and_slices",
                                                "v1", "v2"});
  CHECK(save.attr<gd::type_list>("dtypes")->values == std::vector<gd::tf_dtype>{gd::tf_dtype::float32, gd::tf_dtype::float32});
  const auto* keys = node(meta.graph, "save/SaveV2/tensor_names").attr<gd::tensor_proto>("value");
  REQUIRE(keys != nullptr);
  CHECK(keys->dtype == gd::tf_dtype::string);
  CHECK(keys->dims == std::vector<std::int64_t>{2});
  CHECK(keys->strings == std::vector<std::string>{"v1", "v2"});
  CHECK(node(meta.graph, "save/SaveV2/shape_and_slices").attr<gd::tensor_proto>("value")->strings ==
        std::vector<std::string>{"", ""});
  CHECK(node(meta.graph, "save/filename/input").attr<gd::tensor_proto>("value")->strings == std::vector<std::string>{"model"});
  CHECK(node(meta.graph, "save/filename/input").attr<gd::tensor_proto>("value")->dims.empty());
  CHECK(node(meta.graph, "save/control_dependency").inputs == std::vector<std::string>{"save/Const", "^save/SaveV2"});
  CHECK(node(meta.graph, "save/Assign_1").inputs == std::vector<std::string>{"v2", "save/RestoreV2:1"});
  CHECK(node(meta.graph, "save/Assign").inputs == std::vector<std::string>{"v1", "save/RestoreV2"});
  CHECK(*node(meta.graph, "save/Assign").attr<bool>("validate_shape"));
  CHECK(node(meta.graph, "save/restore_all").inputs == std::vector<std::string>{"^save/Assign", "^save/Assign_1"});
  CHECK(meta.saver.filename_tensor_name == "save/Const:0");
  CHECK(meta.saver.save_tensor_name == "save/control_dependency:0");
  CHECK(meta.saver.restore_op_name == "save/restore_all");
  CHECK(meta.saver.version == 2);
}

TEST_CASE("PREFIX.meta: slots become variables, renamed tensors keep their variable, 'save' taken", "[train][saver]") {
  gd::graph_def model;
  model.nodes.push_back({"save/x", "Placeholder", {}, {}, {}});
  const std::vector<sf::train::saved_tensor> saved{
      {"w/ExponentialMovingAverage", "w", gd::tf_dtype::float32, {2, 3}},
      {"w/Adam", "w/Adam", gd::tf_dtype::float32, {2, 3}},
      {"beta1_power", "beta1_power", gd::tf_dtype::float32, {}},
  };
  const auto meta = sf::train::saver_meta_graph(model, saved, 3, 1.5f);
  CHECK(names(meta.graph).size() == 1 + 3 + 14);  // the model, 3 variables, 11 + 3 save/restore nodes
  CHECK(node(meta.graph, "w").op == "VariableV2");
  CHECK(node(meta.graph, "w").attr<gd::shape_proto>("shape")->dims == std::vector<std::int64_t>{2, 3});
  CHECK(node(meta.graph, "beta1_power").attr<gd::shape_proto>("shape")->dims.empty());
  CHECK(node(meta.graph, "save_1/SaveV2").inputs ==
        std::vector<std::string>{"save_1/Const", "save_1/SaveV2/tensor_names", "save_1/SaveV2/shape_and_slices", "w",
                                 "w/Adam", "beta1_power"});
  CHECK(node(meta.graph, "save_1/RestoreV2/tensor_names").attr<gd::tensor_proto>("value")->strings ==
        std::vector<std::string>{"w/ExponentialMovingAverage", "w/Adam", "beta1_power"});
  CHECK(meta.saver.restore_op_name == "save_1/restore_all");
  CHECK(meta.saver.max_to_keep == 3);
  CHECK(meta.saver.keep_checkpoint_every_n_hours == 1.5f);
}

TEST_CASE("write_meta_graph = false writes no PREFIX.meta", "[train][saver]") {
  sf_test::temp_dir dir;
  sf::graph g;
  auto guard = g.as_default();
  auto v = sf::variable<float, sf::shape<2>>("v", sf::init::zeros());
  (void)v;
  sf::session sess(g);
  sess.run(sf::global_variables_initializer());
  sf::train::saver saver({.write_meta_graph = false});
  const std::string prefix = saver.save(sess, (dir / "model.ckpt").string());
  CHECK(std::filesystem::exists(prefix + ".index"));
  CHECK_FALSE(std::filesystem::exists(prefix + ".meta"));
}
