// SPDX-License-Identifier: MIT
/// \file
/// \brief `sf::export_graph` and `sf::freeze`: the GraphDef's nodes, names, attributes and
/// constant values against hand-worked expectations, its binary and text encodings byte for
/// byte for a graph small enough to encode by hand, and the errors. (Independent readers of the
/// same files: tests/interop/check_graph_def.sh.)
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "staticflow/staticflow.hpp"

namespace sf = staticflow;
namespace gd = sf::io::graphdef;

namespace {

template <class E, class F>
std::string message_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  FAIL("expected an exception");
  return {};
}

const gd::node_def& node(const sf::exported_graph& g, const std::string& name) {
  const gd::node_def* n = g.find(name);
  INFO("node " << name);
  REQUIRE(n != nullptr);
  return *n;
}

std::vector<std::string> names(const sf::exported_graph& g) {
  std::vector<std::string> out;
  for (const auto& n : g.nodes) out.push_back(n.name);
  return out;
}

/// The little-endian bytes of `values` (what tensor_content holds).
template <class T>
std::string bytes_of(std::vector<T> values) {
  std::string s(values.size() * sizeof(T), '\0');
  std::memcpy(s.data(), values.data(), s.size());
  return s;
}

gd::tf_dtype type_attr(const gd::node_def& n, const char* key) {
  const auto* t = n.attr<gd::tf_dtype>(key);
  INFO("attr " << key << " of " << n.name);
  REQUIRE(t != nullptr);
  return *t;
}

}  // namespace

TEST_CASE("the seed's v1 + v2: nodes v1, v2, add; frozen, v1 and v2 are Consts 1 and 2", "[graph][export]") {
  sf::graph g;
  auto guard = g.as_default();
  auto v1 = sf::variable<float, sf::shape<1>>("v1", sf::init::constant(1.0));
  auto v2 = sf::variable<float, sf::shape<1>>("v2", sf::init::constant(2.0));
  auto sum = v1 + v2;

  const auto graph = sf::export_graph(sum);
  CHECK(names(graph) == std::vector<std::string>{"v1", "v2", "add"});
  CHECK(graph.outputs == std::vector<std::string>{"add"});
  CHECK(node(graph, "v1").op == "VariableV2");
  CHECK(type_attr(node(graph, "v1"), "dtype") == gd::tf_dtype::float32);
  CHECK(node(graph, "v1").attr<gd::shape_proto>("shape")->dims == std::vector<std::int64_t>{1});
  CHECK(*node(graph, "v1").attr<std::string>("container") == "");
  const auto& add = node(graph, "add");
  CHECK(add.op == "Add");
  CHECK(add.inputs == std::vector<std::string>{"v1", "v2"});
  CHECK(type_attr(add, "T") == gd::tf_dtype::float32);
  CHECK(add.attrs.size() == 1);

  sf::session sess(g);
  sess.run(sf::global_variables_initializer());
  const auto frozen = sf::freeze(sess, sum);
  CHECK(names(frozen) == std::vector<std::string>{"v1", "v2", "add"});
  for (const auto& [name, value] : {std::pair{"v1", 1.0f}, std::pair{"v2", 2.0f}}) {
    const auto& c = node(frozen, name);
    CHECK(c.op == "Const");
    CHECK(type_attr(c, "dtype") == gd::tf_dtype::float32);
    const auto* t = c.attr<gd::tensor_proto>("value");
    REQUIRE(t != nullptr);
    CHECK(t->dtype == gd::tf_dtype::float32);
    CHECK(t->dims == std::vector<std::int64_t>{1});
    CHECK(t->content == bytes_of<float>({value}));
  }
  // 1.0f is 0x3F800000, 2.0f 0x40000000, little-endian.
  CHECK(node(frozen, "v1").attr<gd::tensor_proto>("value")->content == std::string("\x00\x00\x80\x3f", 4));
  CHECK(node(frozen, "v2").attr<gd::tensor_proto>("value")->content == std::string("\x00\x00\x00\x40", 4));
  CHECK(node(frozen, "add").op == "Add");
}

TEST_CASE("freeze takes the session's current values, not the initial ones", "[graph][export]") {
  sf::graph g;
  auto guard = g.as_default();
  auto w = sf::variable<float, sf::shape<2, 2>>("layer/w", sf::init::zeros());
  auto x = sf::placeholder<float, sf::shape<sf::dyn, 2>, "x">();
  sf::session sess(g);
  sess.run(sf::global_variables_initializer());
  sf::tensor<float, sf::shape<2, 2>> value;
  const float values[] = {1.5f, -2.0f, 0.25f, 8.0f};
  std::memcpy(value.data(), values, sizeof values);
  sess.assign(w, value);
  const auto frozen = sf::freeze(sess, sf::matmul(x, w));
  CHECK(names(frozen) == std::vector<std::string>{"x", "layer/w", "MatMul"});
  const auto* t = node(frozen, "layer/w").attr<gd::tensor_proto>("value");
  REQUIRE(t != nullptr);
  CHECK(t->dims == std::vector<std::int64_t>{2, 2});
  CHECK(t->content == bytes_of<float>({1.5f, -2.0f, 0.25f, 8.0f}));
}

TEST_CASE("an MLP: placeholder shape, scoped variable names, TF's default op names", "[graph][export]") {
  sf::graph g;
  auto guard = g.as_default();
  auto x = sf::placeholder<float, sf::shape<sf::dyn, 784>, "x-input">();
  auto [w1, b1] = [] {
    sf::variable_scope scope("layer1");
    return std::pair{sf::variable<float, sf::shape<784, 500>>("weights", sf::init::zeros()),
                     sf::variable<float, sf::shape<500>>("biases", sf::init::zeros())};
  }();
  auto [w2, b2] = [] {
    sf::variable_scope scope("layer2");
    return std::pair{sf::variable<float, sf::shape<500, 10>>("weights", sf::init::zeros()),
                     sf::variable<float, sf::shape<10>>("biases", sf::init::zeros())};
  }();
  auto hidden = sf::relu(sf::matmul(x, w1) + b1);
  auto logits = sf::matmul(hidden, w2) + b2;
  const auto graph = sf::export_graph(logits);
  CHECK(names(graph) == std::vector<std::string>{"x-input", "layer1/weights", "MatMul", "layer1/biases", "add",
                                                 "Relu", "layer2/weights", "MatMul_1", "layer2/biases", "add_1"});
  const auto& x_node = node(graph, "x-input");
  CHECK(x_node.op == "Placeholder");
  CHECK(type_attr(x_node, "dtype") == gd::tf_dtype::float32);
  CHECK(x_node.attr<gd::shape_proto>("shape")->dims == std::vector<std::int64_t>{-1, 784});
  const auto& mm = node(graph, "MatMul_1");
  CHECK(mm.op == "MatMul");
  CHECK(mm.inputs == std::vector<std::string>{"Relu", "layer2/weights"});
  CHECK(*mm.attr<bool>("transpose_a") == false);
  CHECK(*mm.attr<bool>("transpose_b") == false);
  CHECK(node(graph, "Relu").inputs == std::vector<std::string>{"add"});
  CHECK(node(graph, "add_1").inputs == std::vector<std::string>{"MatMul_1", "layer2/biases"});
  CHECK(node(graph, "layer1/weights").attr<gd::shape_proto>("shape")->dims == std::vector<std::int64_t>{784, 500});
  CHECK(graph.outputs == std::vector<std::string>{"add_1"});
}

TEST_CASE("transpose flags, reductions with their axes, reshape with its shape", "[graph][export]") {
  sf::graph g;
  auto guard = g.as_default();
  auto a = sf::placeholder<float, sf::shape<sf::dyn, 3>, "a">();
  auto b = sf::placeholder<float, sf::shape<4, 3>, "b">();
  auto prod = sf::matmul<false, true>(a, b);  // [?, 4]
  auto mean = sf::reduce_mean<1>(prod);
  auto total = sf::reduce_sum(sf::reshape<sf::shape<sf::dyn, 2, 2>>(prod), sf::keepdims);
  const auto graph = sf::export_graph(mean, total);
  CHECK(graph.outputs == std::vector<std::string>{"Mean", "Sum"});
  CHECK(*node(graph, "MatMul").attr<bool>("transpose_b") == true);
  CHECK(*node(graph, "MatMul").attr<bool>("transpose_a") == false);

  const auto& m = node(graph, "Mean");
  CHECK(m.op == "Mean");
  CHECK(m.inputs == std::vector<std::string>{"MatMul", "Mean/reduction_indices"});
  CHECK(*m.attr<bool>("keep_dims") == false);
  CHECK(type_attr(m, "Tidx") == gd::tf_dtype::int32);
  const auto* axes = node(graph, "Mean/reduction_indices").attr<gd::tensor_proto>("value");
  REQUIRE(axes != nullptr);
  CHECK(axes->dtype == gd::tf_dtype::int32);
  CHECK(axes->dims == std::vector<std::int64_t>{1});
  CHECK(axes->content == bytes_of<std::int32_t>({1}));

  const auto& r = node(graph, "Reshape");
  CHECK(r.inputs == std::vector<std::string>{"MatMul", "Reshape/shape"});
  CHECK(type_attr(r, "Tshape") == gd::tf_dtype::int32);
  CHECK(node(graph, "Reshape/shape").attr<gd::tensor_proto>("value")->content == bytes_of<std::int32_t>({-1, 2, 2}));
  const auto& s = node(graph, "Sum");
  CHECK(s.inputs == std::vector<std::string>{"Reshape", "Sum/reduction_indices"});
  CHECK(*s.attr<bool>("keep_dims") == true);
  CHECK(node(graph, "Sum/reduction_indices").attr<gd::tensor_proto>("value")->content ==
        bytes_of<std::int32_t>({0, 1, 2}));
  // The product feeds both fetches: one MatMul node (a materialised node has an identity).
  int matmuls = 0;
  for (const auto& n : graph.nodes) matmuls += n.op == "MatMul";
  CHECK(matmuls == 1);
}

TEST_CASE("conv2d and pooling: NHWC, strides, padding, window", "[graph][export]") {
  sf::graph g;
  auto guard = g.as_default();
  auto x = sf::placeholder<float, sf::shape<sf::dyn, 28, 28, 1>, "image">();
  auto k = sf::variable<float, sf::shape<5, 5, 1, 32>>("conv1/kernel", sf::init::zeros());
  auto c = sf::conv2d<2, 2, sf::padding::same>(x, k);
  auto p = sf::max_pool2d<2, 2, 2, 2, sf::padding::valid>(c);
  auto q = sf::avg_pool2d<3, 3, 1, 1, sf::padding::same>(p);
  const auto graph = sf::export_graph(q);
  CHECK(names(graph) == std::vector<std::string>{"image", "conv1/kernel", "Conv2D", "MaxPool", "AvgPool"});
  const auto& conv = node(graph, "Conv2D");
  CHECK(conv.inputs == std::vector<std::string>{"image", "conv1/kernel"});
  CHECK(conv.attr<gd::int_list>("strides")->values == std::vector<std::int64_t>{1, 2, 2, 1});
  CHECK(*conv.attr<std::string>("padding") == "SAME");
  CHECK(*conv.attr<std::string>("data_format") == "NHWC");
  CHECK(type_attr(conv, "T") == gd::tf_dtype::float32);
  const auto& mp = node(graph, "MaxPool");
  CHECK(mp.attr<gd::int_list>("ksize")->values == std::vector<std::int64_t>{1, 2, 2, 1});
  CHECK(*mp.attr<std::string>("padding") == "VALID");
  const auto& ap = node(graph, "AvgPool");
  CHECK(ap.attr<gd::int_list>("ksize")->values == std::vector<std::int64_t>{1, 3, 3, 1});
  CHECK(ap.attr<gd::int_list>("strides")->values == std::vector<std::int64_t>{1, 1, 1, 1});
}

TEST_CASE("constants: tensors and scalars become Consts with their values", "[graph][export]") {
  sf::graph g;
  auto guard = g.as_default();
  auto x = sf::placeholder<float, sf::shape<sf::dyn, 2>, "x">();
  sf::tensor<float, sf::shape<2>> bias;
  bias.data()[0] = 0.5f, bias.data()[1] = -3.0f;
  auto y = sf::sigmoid(x * 2.0f - bias) / 4.0f;
  const auto graph = sf::export_graph(y);
  CHECK(names(graph) == std::vector<std::string>{"x", "Const", "mul", "Const_1", "sub", "Sigmoid", "Const_2", "truediv"});
  CHECK(node(graph, "Const").attr<gd::tensor_proto>("value")->content == bytes_of<float>({2.0f}));
  CHECK(node(graph, "Const").attr<gd::tensor_proto>("value")->dims.empty());
  CHECK(node(graph, "Const_1").attr<gd::tensor_proto>("value")->content == bytes_of<float>({0.5f, -3.0f}));
  CHECK(node(graph, "Const_1").attr<gd::tensor_proto>("value")->dims == std::vector<std::int64_t>{2});
  CHECK(node(graph, "truediv").op == "RealDiv");
  auto n = sf::placeholder<std::int32_t, sf::shape<2>, "n">();
  CHECK(sf::export_graph(n / 3).find("truediv")->op == "TruncateDiv");  // C++'s integer division
  CHECK(node(graph, "sub").op == "Sub");
  CHECK(node(graph, "sub").inputs == std::vector<std::string>{"mul", "Const_1"});
}

TEST_CASE("softmax cross-entropy: TF's fused op, logits first", "[graph][export]") {
  sf::graph g;
  auto guard = g.as_default();
  auto labels = sf::placeholder<float, sf::shape<sf::dyn, 10>, "labels">();
  auto logits = sf::placeholder<float, sf::shape<sf::dyn, 10>, "logits">();
  const auto graph = sf::export_graph(sf::reduce_mean(sf::softmax_cross_entropy_with_logits(labels, logits)));
  CHECK(names(graph) == std::vector<std::string>{"labels", "logits", "SoftmaxCrossEntropyWithLogits", "Mean/reduction_indices", "Mean"});
  const auto& x = node(graph, "SoftmaxCrossEntropyWithLogits");
  CHECK(x.inputs == std::vector<std::string>{"logits", "labels"});
  CHECK(type_attr(x, "T") == gd::tf_dtype::float32);
  CHECK(node(graph, "Mean").inputs == std::vector<std::string>{"SoftmaxCrossEntropyWithLogits", "Mean/reduction_indices"});
  CHECK(node(graph, "Mean/reduction_indices").attr<gd::tensor_proto>("value")->content == bytes_of<std::int32_t>({0}));
}

TEST_CASE("accuracy: ArgMax with its dimension, Equal, Cast's SrcT/DstT; logical ops have no T", "[graph][export]") {
  sf::graph g;
  auto guard = g.as_default();
  auto y = sf::placeholder<float, sf::shape<sf::dyn, 10>, "y">();
  auto y_ = sf::placeholder<float, sf::shape<sf::dyn, 10>, "y_">();
  auto accuracy = sf::reduce_mean(sf::cast<float>(sf::equal(sf::argmax<1>(y), sf::argmax<1>(y_))));
  auto graph = sf::export_graph(accuracy);
  CHECK(names(graph) == std::vector<std::string>{"y", "ArgMax/dimension", "ArgMax", "y_", "ArgMax_1/dimension", "ArgMax_1",
                                                 "Equal", "Cast", "Mean/reduction_indices", "Mean"});
  const auto& am = node(graph, "ArgMax");
  CHECK(am.inputs == std::vector<std::string>{"y", "ArgMax/dimension"});
  CHECK(type_attr(am, "T") == gd::tf_dtype::float32);
  CHECK(type_attr(am, "output_type") == gd::tf_dtype::int64);
  const auto* dim = node(graph, "ArgMax/dimension").attr<gd::tensor_proto>("value");
  CHECK(dim->dims.empty());
  CHECK(dim->content == bytes_of<std::int32_t>({1}));
  CHECK(type_attr(node(graph, "Equal"), "T") == gd::tf_dtype::int64);
  const auto& cast = node(graph, "Cast");
  CHECK(cast.attrs.size() == 3);
  CHECK(type_attr(cast, "SrcT") == gd::tf_dtype::boolean);
  CHECK(type_attr(cast, "DstT") == gd::tf_dtype::float32);
  CHECK(*cast.attr<bool>("Truncate") == false);

  auto a = sf::placeholder<bool, sf::shape<3>, "a">();
  auto b = sf::placeholder<bool, sf::shape<3>, "b">();
  auto x = sf::placeholder<float, sf::shape<3>, "x">();
  graph = sf::export_graph(sf::where(sf::logical_not(sf::logical_and(a, b)), x, 0.0f));
  CHECK(names(graph) == std::vector<std::string>{"a", "b", "LogicalAnd", "LogicalNot", "x", "Const", "SelectV2"});
  CHECK(node(graph, "LogicalAnd").attrs.empty());
  CHECK(node(graph, "LogicalNot").attrs.empty());
  CHECK(node(graph, "SelectV2").inputs == std::vector<std::string>{"LogicalNot", "x", "Const"});
  CHECK(type_attr(node(graph, "SelectV2"), "T") == gd::tf_dtype::float32);
}

TEST_CASE("transpose: its permutation as an int32 Const", "[graph][export]") {
  sf::graph g;
  auto guard = g.as_default();
  auto x = sf::placeholder<float, sf::shape<sf::dyn, 3, 4>, "x">();
  const auto graph = sf::export_graph(sf::transpose<0, 2, 1>(x), sf::transpose(x));
  CHECK(names(graph) == std::vector<std::string>{"x", "Transpose/perm", "Transpose", "Transpose_1/perm", "Transpose_1"});
  CHECK(node(graph, "Transpose").inputs == std::vector<std::string>{"x", "Transpose/perm"});
  CHECK(type_attr(node(graph, "Transpose"), "Tperm") == gd::tf_dtype::int32);
  CHECK(node(graph, "Transpose/perm").attr<gd::tensor_proto>("value")->content == bytes_of<std::int32_t>({0, 2, 1}));
  CHECK(node(graph, "Transpose_1/perm").attr<gd::tensor_proto>("value")->content == bytes_of<std::int32_t>({2, 1, 0}));
}

TEST_CASE("names: ops never take a variable's name; a copied expression is one node", "[graph][export]") {
  sf::graph g;
  auto guard = g.as_default();
  auto v = sf::variable<float, sf::shape<3>>("add", sf::init::zeros());
  auto x = sf::placeholder<float, sf::shape<3>, "x">();
  auto r = sf::relu(x + v);
  auto graph = sf::export_graph(r * r + sf::relu(v + x) * 2.0f + r * 2.0f);
  // r is copied into the product twice: one Relu. v + x is another node (other inputs order).
  CHECK(names(graph) == std::vector<std::string>{"x", "add", "add_1", "Relu", "mul", "add_2", "Relu_1", "Const",
                                                 "mul_1", "add_3", "mul_2", "add_4"});
  CHECK(node(graph, "add_1").inputs == std::vector<std::string>{"x", "add"});
  CHECK(node(graph, "mul").inputs == std::vector<std::string>{"Relu", "Relu"});
  CHECK(node(graph, "add_2").inputs == std::vector<std::string>{"add", "x"});
  CHECK(node(graph, "mul_1").inputs == std::vector<std::string>{"Relu_1", "Const"});
  CHECK(node(graph, "mul_2").inputs == std::vector<std::string>{"Relu", "Const"});  // the same 2.0: one Const
  CHECK(graph.outputs == std::vector<std::string>{"add_4"});

  // Two leaky relus of one input differ by their attribute: two nodes.
  graph = sf::export_graph(sf::leaky_relu(x, 0.1) + sf::leaky_relu(x, 0.2));
  CHECK(names(graph) == std::vector<std::string>{"x", "LeakyRelu", "LeakyRelu_1", "add"});
  CHECK(*node(graph, "LeakyRelu_1").attr<float>("alpha") == 0.2f);
}

TEST_CASE("a placeholder's GraphDef, encoded by hand: binary and text", "[graph][export]") {
  const auto graph = sf::export_graph(sf::placeholder<float, sf::shape<sf::dyn>, "x">());
  // GraphDef { node (1) { name (1) "x", op (2) "Placeholder", attr (5) {key "dtype" value {type (6): 1}},
  // attr {key "shape" value {shape (7) {dim (2) {size (1): -1}}}} }, versions (4) {producer (1): 134} }.
  // -1 as an int64 varint is ten bytes: ff x 9, 01.
  const std::string dtype_entry = std::string("\x2a\x0b\x0a\x05" "dtype" "\x12\x02\x30\x01", 13);
  const std::string dim = std::string("\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 11);
  const std::string shape_entry = std::string("\x2a\x18\x0a\x05" "shape" "\x12\x0f\x3a\x0d\x12\x0b", 15) + dim;
  const std::string node_body = std::string("\x0a\x01x\x12\x0bPlaceholder", 16) + dtype_entry + shape_entry;
  REQUIRE(node_body.size() == 0x37);
  const std::string expected = std::string("\x0a\x37", 2) + node_body + std::string("\x22\x03\x08\x86\x01", 5);
  CHECK(graph.serialize() == expected);
  CHECK(graph.text() ==
        "node {\n"
        "  name: \"x\"\n"
        "  op: \"Placeholder\"\n"
        "  attr {\n"
        "    key: \"dtype\"\n"
        "    value {\n"
        "      type: DT_FLOAT\n"
        "    }\n"
        "  }\n"
        "  attr {\n"
        "    key: \"shape\"\n"
        "    value {\n"
        "      shape {\n"
        "        dim {\n"
        "          size: -1\n"
        "        }\n"
        "      }\n"
        "    }\n"
        "  }\n"
        "}\n"
        "versions {\n"
        "  producer: 134\n"
        "}\n");
}

TEST_CASE("text format escapes tensor bytes as protobuf does", "[graph][export]") {
  CHECK(gd::text_printer::escape(std::string("\x00\x00\x80?a\"'\\\n", 9)) == "\\000\\000\\200?a\\\"\\'\\\\\\n");
}

TEST_CASE("bad input: an op without a TF op, an uninitialised variable", "[graph][export]") {
  sf::graph g;
  auto guard = g.as_default();
  auto x = sf::placeholder<float, sf::shape<2>, "x">();
  // Reverse has no TensorFlow op here (a remap without tf_op): the error names it and shows where.
  const std::string m = message_of<sf::unimplemented>([&] { (void)sf::export_graph(sf::relu(sf::reverse<0>(x)) * 2.0f); });
  CHECK_THAT(m, Catch::Contains("sf::export_graph") && Catch::Contains("sf::reverse has no TensorFlow op") &&
                    Catch::Contains("the node: sf::reverse(x)"));

  auto w = sf::variable<float, sf::shape<2>>("scope/w", sf::init::zeros());
  sf::session sess(g);
  const std::string f = message_of<sf::failed_precondition>([&] { (void)sf::freeze(sess, x * w); });
  CHECK_THAT(f, Catch::Contains("sf::freeze") && Catch::Contains("'scope/w'"));
}

TEST_CASE("layers add their biases as TF's layers do: BiasAdd with data_format NHWC", "[graph][export]") {
  using net_t = sf::nn::sequential<sf::nn::input<8, 8, 1>, sf::nn::conv2d<2, 3, 3>, sf::nn::flatten, sf::nn::dense<3>>;
  sf::graph g;
  const sf::nn::model<net_t> net(g, 1);
  const auto graph = sf::export_graph(net(sf::placeholder<float, sf::shape<sf::dyn, 8, 8, 1>, "x">()));
  std::vector<std::string> ops;
  for (const auto& n : graph.nodes) ops.push_back(n.op);
  CHECK(std::count(ops.begin(), ops.end(), "BiasAdd") == 2);
  CHECK(std::count(ops.begin(), ops.end(), "Add") + std::count(ops.begin(), ops.end(), "AddV2") == 0);
  const auto& conv_bias = node(graph, "BiasAdd");
  REQUIRE(conv_bias.attr<std::string>("data_format") != nullptr);
  CHECK(*conv_bias.attr<std::string>("data_format") == "NHWC");
  CHECK(conv_bias.inputs == std::vector<std::string>{"Conv2D", "net/layer_1/biases"});
  CHECK(node(graph, "BiasAdd_1").inputs == std::vector<std::string>{"MatMul", "net/layer_3/biases"});
}
