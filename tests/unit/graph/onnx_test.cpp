// SPDX-License-Identifier: MIT
/// \file
/// \brief `sf::onnx::to_model` / `save` and `sf::onnx::load_weights`: the nodes, initializers,
/// inputs and outputs of exported models; weights round-tripping through a file; a model built
/// as PyTorch exports one (OIHW filters, Gemm with transB, flatten of NCHW maps) loaded with each
/// conversion checked value by value; and the errors. (ONNX's checker, shape inference and a
/// NumPy evaluation of the same exports, and a real PyTorch model: tests/interop/check_onnx.sh.)
#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "staticflow/graph/onnx_export.hpp"
#include "staticflow/graph/onnx_weights.hpp"
#include "staticflow/nn/conv.hpp"
#include "staticflow/staticflow.hpp"
#include "temp_dir.hpp"

namespace sf = staticflow;
namespace nn = staticflow::nn;
namespace ox = staticflow::io::onnx;
using Catch::Matchers::Contains;

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

using lenet5 = nn::sequential<nn::input<28, 28, 1>, nn::conv2d<6, 5, 5>, nn::relu, nn::max_pool2d<2, 2>,
                              nn::conv2d<16, 5, 5>, nn::relu, nn::max_pool2d<2, 2>, nn::flatten, nn::dense<120>,
                              nn::relu, nn::dense<84>, nn::relu, nn::dense<10>>;

std::vector<std::string> op_types(const ox::model_proto& m) {
  std::vector<std::string> out;
  for (const auto& n : m.graph.nodes) out.push_back(n.op_type);
  return out;
}

const ox::node_proto& producer(const ox::model_proto& m, const std::string& value) {
  for (const auto& n : m.graph.nodes)
    for (const auto& o : n.outputs)
      if (o == value) return n;
  FAIL("no node computes " << value);
  return m.graph.nodes.front();
}

template <class T>
sf::tensor<float, lenet5::input_shape> images(std::size_t n, T seed) {
  sf::tensor<float, lenet5::input_shape> x(n);
  for (std::size_t i = 0; i < x.size(); ++i) x.data()[i] = static_cast<float>((i * 7919 + seed) % 255) / 255.0f;
  return x;
}

/// Deterministic values in [-0.5, 0.5) for a hand-built model's weights.
std::vector<float> values(std::size_t n, std::size_t seed) {
  std::vector<float> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<float>((i * 2654435761u + seed * 40503u) % 1000) / 1000.0f - 0.5f;
  return v;
}

ox::node_proto onnx_node(std::string op, std::vector<std::string> in, std::string out,
                         std::vector<ox::attribute_proto> attrs = {}) {
  ox::node_proto n;
  n.op_type = std::move(op), n.inputs = std::move(in), n.outputs = {out}, n.name = out, n.attributes = std::move(attrs);
  return n;
}

/// LeNet-5 as torch.onnx.export writes it: NCHW, Conv with OIHW W and bias, Flatten of the
/// pooled maps, Gemm with transB=1 ([out, in] weights), and an int64 initializer nobody weighs.
ox::model_proto torch_like_lenet5() {
  ox::model_proto m;
  m.ir_version = 7, m.opsets = {{"", 13}};
  auto& g = m.graph;
  const auto add = [&](std::string name, std::vector<std::int64_t> dims, std::size_t seed) {
    std::size_t n = 1;
    for (auto d : dims) n *= static_cast<std::size_t>(d);
    g.initializers.push_back(ox::tensor_proto::of<float>(std::move(name), std::move(dims), values(n, seed)));
  };
  // Initializers listed out of order: the nodes' order is what counts.
  add("fc3.bias", {10}, 10), add("fc3.weight", {10, 84}, 9);
  add("conv1.weight", {6, 1, 5, 5}, 1), add("conv1.bias", {6}, 2), add("conv2.weight", {16, 6, 5, 5}, 3);
  add("conv2.bias", {16}, 4), add("fc1.weight", {120, 256}, 5), add("fc1.bias", {120}, 6);
  add("fc2.weight", {84, 120}, 7), add("fc2.bias", {84}, 8);
  g.initializers.push_back(ox::tensor_proto::of<std::int64_t>("unused_shape", {2}, std::vector<std::int64_t>{-1, 256}));
  const auto pool = ox::attribute_proto::integers("kernel_shape", {2, 2});
  const auto strides = ox::attribute_proto::integers("strides", {2, 2});
  g.nodes = {onnx_node("Conv", {"input", "conv1.weight", "conv1.bias"}, "c1"), onnx_node("Relu", {"c1"}, "r1"),
             onnx_node("MaxPool", {"r1"}, "p1", {pool, strides}),
             onnx_node("Conv", {"p1", "conv2.weight", "conv2.bias"}, "c2"), onnx_node("Relu", {"c2"}, "r2"),
             onnx_node("MaxPool", {"r2"}, "p2", {pool, strides}), onnx_node("Flatten", {"p2"}, "f"),
             onnx_node("Gemm", {"f", "fc1.weight", "fc1.bias"}, "d1", {ox::attribute_proto::integer("transB", 1)}),
             onnx_node("Relu", {"d1"}, "r3"),
             onnx_node("Gemm", {"r3", "fc2.weight", "fc2.bias"}, "d2", {ox::attribute_proto::integer("transB", 1)}),
             onnx_node("Relu", {"d2"}, "r4"),
             onnx_node("Gemm", {"r4", "fc3.weight", "fc3.bias"}, "logits", {ox::attribute_proto::integer("transB", 1)})};
  return m;
}

}  // namespace

TEST_CASE("a network exports as ONNX nodes with its weights as initializers", "[graph][onnx]") {
  sf::graph g;
  auto guard = g.as_default();
  nn::model<lenet5> net(g, 1);
  sf::session sess(g);
  sess.run(sf::global_variables_initializer());
  const ox::model_proto m = sf::onnx::to_model(sess, net);
  CHECK(m.ir_version == 7);
  CHECK(m.opset_version() == 13);
  CHECK(m.producer_name == "staticflow");
  CHECK(op_types(m) == std::vector<std::string>{
                           "Transpose", "Conv", "Transpose", "Add", "Relu", "Transpose", "MaxPool",  // back and forth:
                           "Conv", "Transpose", "Add", "Relu", "Transpose", "MaxPool", "Transpose",  // cancelled
                           "Constant", "Reshape", "MatMul", "Add", "Relu", "MatMul", "Add", "Relu", "MatMul", "Add"});
  // Input and output: named, typed, the batch a symbol.
  REQUIRE(m.graph.inputs.size() == 1);
  CHECK(m.graph.inputs[0].name == "input");
  CHECK(m.graph.inputs[0].type == ox::data_type::float32);
  REQUIRE(m.graph.inputs[0].dims.size() == 4);
  CHECK(m.graph.inputs[0].dims[0].param == "batch");
  CHECK(m.graph.inputs[0].dims[1].value == 28);
  REQUIRE(m.graph.outputs.size() == 1);
  CHECK(m.graph.outputs[0].name == "output");
  CHECK(m.graph.outputs[0].dims[1].value == 10);
  CHECK(producer(m, "output").op_type == "Add");  // the last node renamed, no Identity
  // Weights: the variables, filters OIHW with the session's values.
  REQUIRE(m.graph.initializers.size() == 10);
  const ox::tensor_proto& f = *m.graph.initializer("net/layer_1/filter");
  CHECK(f.dims == std::vector<std::int64_t>{6, 1, 5, 5});
  const auto hwio = sess.value(net.variable<float, sf::shape<5, 5, 1, 6>>("layer_1/filter"));
  const auto oihw = f.values<float>();
  for (std::size_t o = 0; o < 6; ++o)
    for (std::size_t y = 0; y < 5; ++y)
      for (std::size_t x = 0; x < 5; ++x) CHECK(oihw[(o * 5 + y) * 5 + x] == hwio.data()[(y * 5 + x) * 6 + o]);
  CHECK(m.graph.initializer("net/layer_8/weights")->dims == std::vector<std::int64_t>{256, 120});
  // NHWC around the windowed ops, SAME/VALID as auto_pad.
  const ox::node_proto& conv = producer(m, "Conv2D/conv");
  CHECK(conv.attribute("auto_pad")->s == "VALID");
  CHECK(conv.attribute("strides")->ints == std::vector<std::int64_t>{1, 1});
  CHECK(producer(m, conv.inputs[0]).attribute("perm")->ints == std::vector<std::int64_t>{0, 3, 1, 2});
  CHECK(producer(m, "Conv2D").attribute("perm")->ints == std::vector<std::int64_t>{0, 2, 3, 1});
  CHECK(producer(m, "MaxPool/pool").attribute("kernel_shape")->ints == std::vector<std::int64_t>{2, 2});
  CHECK(producer(m, "Conv2D_1/conv").inputs[0] == "MaxPool/pool");  // NCHW from pooling to convolution
}

TEST_CASE("softmax, log_softmax and transposed products export as ONNX's own ops", "[graph][onnx]") {
  sf::graph g;
  auto guard = g.as_default();
  auto x = sf::placeholder<float, sf::shape<sf::dyn, 6>, "x">();
  auto w = sf::variable<float, sf::shape<4, 6>>("w", sf::init::random_normal(0.5, 1));
  auto k = sf::variable<float, sf::shape<3, 3, 2, 2>>("k", sf::init::random_normal(0.5, 2));
  auto logits = sf::matmul<false, true>(x, w);
  sf::session sess(g);
  sess.run(sf::global_variables_initializer());
  const ox::model_proto m =
      sf::onnx::to_model(sess, sf::onnx::named(sf::softmax(logits), "p"), sf::onnx::named(sf::log_softmax(logits), "lp"),
                         sf::relu6(logits), sf::onnx::named(sf::reduce_sum(k), "k_sum"));
  CHECK(op_types(m) == std::vector<std::string>{"Gemm", "Softmax", "LogSoftmax", "Constant", "Constant", "Clip",
                                                "Constant", "ReduceSum"});
  CHECK(producer(m, "p").attribute("axis")->i == 1);
  CHECK(producer(m, "MatMul").int_attribute("transB", 0) == 1);
  CHECK(m.graph.outputs[2].name == "Relu6");  // unnamed: the GraphDef's node name
  CHECK(m.graph.initializer("k")->dims == std::vector<std::int64_t>{3, 3, 2, 2});  // not read by a conv: HWIO
}

TEST_CASE("export errors name the op and node", "[graph][onnx]") {
  sf::graph g;
  auto guard = g.as_default();
  auto x = sf::placeholder<float, sf::shape<sf::dyn, 4>, "x">();
  auto y = sf::placeholder<float, sf::shape<sf::dyn, 4>, "y">();
  auto v = sf::variable<float, sf::shape<4>>("v", sf::init::zeros());
  sf::session sess(g);
  CHECK_THAT(message_of<sf::unimplemented>([&] { (void)sf::onnx::to_model(sess, sf::softmax_cross_entropy_with_logits(y, x)); }),
             Contains("node 'SoftmaxCrossEntropyWithLogits' computes TensorFlow's SoftmaxCrossEntropyWithLogits, which "
                      "has no ONNX translation here (translated: Placeholder, Const,"));
  CHECK_THAT(message_of<sf::unimplemented>([&] { (void)sf::onnx::to_model(sess, sf::reverse<1>(x)); }),
             Contains("sf::onnx::to_model: sf::export_graph: sf::reverse has no TensorFlow op"));
  CHECK_THAT(message_of<sf::failed_precondition>([&] { (void)sf::onnx::to_model(sess, x + v); }),
             Contains("variable 'v' has no value in the session"));
  sess.run(sf::global_variables_initializer());
  CHECK_THAT(message_of<sf::invalid_argument>([&] { (void)sf::onnx::to_model(sess, sf::onnx::named(x + v, "v")); }),
             Contains("the output name 'v' is taken"));
}

TEST_CASE("weights saved as ONNX load into another instance of the network", "[graph][onnx]") {
  sf_test::temp_dir dir;
  sf::graph g;
  auto guard = g.as_default();
  nn::model<lenet5> a(g, 1, "a"), b(g, 2, "b");
  sf::session sess(g);
  sess.run(sf::global_variables_initializer());
  sf::onnx::save(sess, a, dir / "a.onnx");
  const auto x = images(3, 5);
  const auto ya = sess.run(a(x));
  CHECK(sess.run(b(x)).data()[0] != ya.data()[0]);
  sf::onnx::load_weights(sess, b, dir / "a.onnx");
  const auto yb = sess.run(b(x));
  for (std::size_t i = 0; i < ya.size(); ++i) CHECK(yb.data()[i] == ya.data()[i]);
}

TEST_CASE("weights of a batch-normalised network, read in another order than made, load by name", "[graph][onnx]") {
  sf::graph g;
  auto guard = g.as_default();
  using bn = nn::sequential<nn::input<4>, nn::dense<3>, nn::batch_norm<>, nn::relu, nn::dropout<0.5>, nn::dense<2>>;
  nn::model<bn> a(g, 1, "a"), b(g, 2, "b");
  sf::session sess(g);
  sess.run(sf::global_variables_initializer());
  const char* stats[] = {"layer_2/gamma", "layer_2/beta", "layer_2/moving_mean", "layer_2/moving_variance"};
  for (int k = 0; k < 4; ++k) {
    sf::tensor<float, sf::shape<3>> v;
    for (std::size_t i = 0; i < 3; ++i) v.data()[i] = 0.5f + static_cast<float>(k) + 0.1f * static_cast<float>(i);
    sess.assign(a.variable<float, sf::shape<3>>(stats[k]), v);
  }
  const ox::model_proto m = sf::onnx::to_model(sess, a);
  // The graph reads the moving mean first: by order, it would fill gamma.
  CHECK(sf::onnx::detail::weight_sources(m.graph)[2].tensor->name == "a/layer_2/moving_mean");
  sf::onnx::load_weights(sess, b, m);  // the dropout's counter (int64) is no weight
  sf::tensor<float, bn::input_shape> x(2);
  for (std::size_t i = 0; i < x.size(); ++i) x.data()[i] = static_cast<float>(i) - 3.5f;
  const auto ya = sess.run(a(x)), yb = sess.run(b(x));
  for (std::size_t i = 0; i < ya.size(); ++i) CHECK(yb.data()[i] == ya.data()[i]);
  for (int k = 0; k < 4; ++k)
    CHECK(sess.value(b.variable<float, sf::shape<3>>(stats[k])).data()[1] ==
          sess.value(a.variable<float, sf::shape<3>>(stats[k])).data()[1]);
}

TEST_CASE("PyTorch's layouts convert: OIHW filters, [out, in] weights, (c, h, w) flatten order", "[graph][onnx]") {
  sf::graph g;
  auto guard = g.as_default();
  nn::model<lenet5> net(g, 1);
  sf::session sess(g);
  const ox::model_proto m = torch_like_lenet5();
  sf::onnx::load_weights(sess, net, m);
  const auto w1 = m.graph.initializer("conv1.weight")->values<float>();  // [6, 1, 5, 5]
  const auto f1 = sess.value(net.variable<float, sf::shape<5, 5, 1, 6>>("layer_1/filter"));
  for (std::size_t o = 0; o < 6; ++o)
    for (std::size_t y = 0; y < 5; ++y)
      for (std::size_t x = 0; x < 5; ++x) REQUIRE(f1.data()[(y * 5 + x) * 6 + o] == w1[(o * 5 + y) * 5 + x]);
  const auto w2 = m.graph.initializer("conv2.weight")->values<float>();  // [16, 6, 5, 5]
  const auto f2 = sess.value(net.variable<float, sf::shape<5, 5, 6, 16>>("layer_4/filter"));
  CHECK(f2.data()[((2 * 5 + 3) * 6 + 4) * 16 + 7] == w2[((7 * 6 + 4) * 5 + 2) * 5 + 3]);
  // fc1: [120, 256] with inputs in (c, h, w) order -> [256, 120] with inputs in (h, w, c) order.
  const auto fc1 = m.graph.initializer("fc1.weight")->values<float>();
  const auto d1 = sess.value(net.variable<float, sf::shape<256, 120>>("layer_8/weights"));
  for (std::size_t c = 0; c < 16; ++c)
    for (std::size_t h = 0; h < 4; ++h)
      for (std::size_t w = 0; w < 4; ++w)
        for (std::size_t out : {0u, 57u, 119u})
          REQUIRE(d1.data()[((h * 4 + w) * 16 + c) * 120 + out] == fc1[out * 256 + (c * 4 + h) * 4 + w]);
  const auto fc2 = m.graph.initializer("fc2.weight")->values<float>();  // [84, 120]: transposed only
  const auto d2 = sess.value(net.variable<float, sf::shape<120, 84>>("layer_10/weights"));
  CHECK(d2.data()[37 * 84 + 5] == fc2[5 * 120 + 37]);
  CHECK(sess.value(net.variable<float, sf::shape<10>>("layer_12/biases")).data()[9] ==
        m.graph.initializer("fc3.bias")->values<float>()[9]);
  // flatten_order::nhwc takes the rows as they are stored.
  sf::onnx::load_weights(sess, net, m, {.flatten = sf::onnx::flatten_order::nhwc});
  const auto d1_nhwc = sess.value(net.variable<float, sf::shape<256, 120>>("layer_8/weights"));
  CHECK(d1_nhwc.data()[17 * 120 + 3] == fc1[3 * 256 + 17]);
  // A plain variable list has no [H, W, C] to permute with: refused unless the order is said.
  CHECK_THAT(message_of<sf::invalid_argument>([&] { sf::onnx::load_weights(sess, net.variables(), m); }),
             Contains("the ONNX graph flattens NCHW feature maps before 'fc1.weight'"));
  sf::onnx::load_weights(sess, net.variables(), m, {.flatten = sf::onnx::flatten_order::nhwc});
}

TEST_CASE("load_weights errors name the layer and both shapes, and change nothing", "[graph][onnx]") {
  sf::graph g;
  auto guard = g.as_default();
  using other = nn::sequential<nn::input<28, 28, 1>, nn::conv2d<6, 5, 5>, nn::relu, nn::max_pool2d<2, 2>,
                               nn::conv2d<16, 3, 3>, nn::relu, nn::max_pool2d<2, 2>, nn::flatten, nn::dense<120>,
                               nn::relu, nn::dense<84>, nn::relu, nn::dense<10>>;
  using mlp = nn::sequential<nn::input<784>, nn::dense<10>>;
  nn::model<other> net(g, 1, "other");
  nn::model<mlp> small(g, 1, "mlp");
  sf::session sess(g);
  sess.run(sf::global_variables_initializer());
  const auto before = sess.value(net.variable<float, sf::shape<5, 5, 1, 6>>("layer_1/filter"));
  CHECK(message_of<sf::invalid_argument>([&] { sf::onnx::load_weights(sess, net, torch_like_lenet5()); }) ==
        "sf::onnx::load_weights: layer_4 (Conv2D): variable 'other/layer_4/filter' has shape [3, 3, 6, 16] but the "
        "ONNX initializer 'conv2.weight' (weight 3 of 10, read by Conv 'c2' input 1 (W, OIHW)) has shape "
        "[16, 6, 5, 5] ([5, 5, 6, 16] in staticflow's layout)");
  // The first layer matched, but nothing was written.
  const auto after = sess.value(net.variable<float, sf::shape<5, 5, 1, 6>>("layer_1/filter"));
  for (std::size_t i = 0; i < before.size(); ++i) REQUIRE(after.data()[i] == before.data()[i]);
  const std::string count = message_of<sf::invalid_argument>([&] { sf::onnx::load_weights(sess, small, torch_like_lenet5()); });
  CHECK_THAT(count, Contains("the network has 2 weight variables but the ONNX model has 10 floating-point initializers"));
  CHECK_THAT(count, Contains("layer_1 (Dense) 'mlp/layer_1/weights' [784, 10]"));
  CHECK_THAT(count, Contains("'fc1.weight' [120, 256] read by Gemm 'd1' input 1 (B, transB=1)"));
}
