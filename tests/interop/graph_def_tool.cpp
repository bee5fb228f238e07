// SPDX-License-Identifier: MIT
/// \file
/// \brief staticflow's side of tests/interop/check_graph_def.sh: writes GraphDefs (binary and
/// text) for Python's protobuf, protoc and a NumPy evaluator to read, and, beside them, what
/// those readers must find, computed by staticflow's session (variable values, outputs).
///
///   graph_def_tool DIR
///     seed.pb/.pbtxt        the seed's v1 + v2, frozen (v1 = 1, v2 = 2)
///     seed_vars.pb/.pbtxt   the same graph exported unfrozen (VariableV2 nodes)
///     model.ckpt.meta       the MetaGraphDef the saver writes with the seed's checkpoint, and
///     model.ckpt.meta.pbtxt the same message as text (train::saver_meta_graph)
///     mlp.pb/.pbtxt         a small MLP frozen: softmax(relu(x w1 + b1) w2^T + b2),
///                           mean(tanh(logits), axis 1) and the accuracy against labels y
///     mlp_graph.pb/.pbtxt   the MLP's training graph unfrozen, with its loss
///     conv.pb/.pbtxt        conv2d, pooling, reshape, leaky relu (a float attribute)
///     mlp_vars.txt          `NAME DIM... : VALUE...` per variable, as the session holds them
///     mlp_io.txt            `input x-input ROWS COLS : VALUES`, `input y-input ...`, then
///                           `output NODE DIMS... : VALUES` per output, as the session computes them
#include <staticflow/staticflow.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

namespace sf = staticflow;

namespace {

void write_both(const sf::exported_graph& g, const std::filesystem::path& dir, const std::string& stem) {
  g.write(dir / (stem + ".pb"));
  g.write(dir / (stem + ".pbtxt"));
}

/// `%.9g` values: enough digits that a float32 reads back to the same bits.
void write_values(std::ostream& out, const float* v, std::size_t n) {
  char buf[32];
  out << ":";
  for (std::size_t i = 0; i < n; ++i) std::snprintf(buf, sizeof buf, " %.9g", static_cast<double>(v[i])), out << buf;
  out << "\n";
}

template <class T, class S>
void write_variable(std::ostream& out, sf::session<>& sess, const sf::variable_node<T, S>& v) {
  const auto value = sess.value(v);
  out << v.name();
  for (const std::size_t d : S::extents) out << " " << d;
  write_values(out, value.data(), value.size());
}

void seed(const std::filesystem::path& dir) {
  sf::graph g;
  auto guard = g.as_default();
  auto v1 = sf::variable<float, sf::shape<1>>("v1", sf::init::constant(1.0));
  auto v2 = sf::variable<float, sf::shape<1>>("v2", sf::init::constant(2.0));
  auto result = v1 + v2;
  sf::session sess(g);
  sess.run(sf::global_variables_initializer());
  write_both(sf::freeze(sess, result), dir, "seed");
  write_both(sf::export_graph(result), dir, "seed_vars");
  sf::train::saver saver;
  saver.set_meta_graph(sf::export_graph(result));
  saver.save(sess, (dir / "model.ckpt").string());
  const std::vector<sf::train::saved_tensor> saved{{"v1", "v1", sf::io::graphdef::tf_dtype::float32, {1}},
                                                   {"v2", "v2", sf::io::graphdef::tf_dtype::float32, {1}}};
  sf::train::saver_meta_graph(sf::export_graph(result), saved, 5, 10000.0f).write(dir / "model.ckpt.meta.pbtxt");
}

void mlp(const std::filesystem::path& dir) {
  sf::graph g;
  auto guard = g.as_default();
  auto x = sf::placeholder<float, sf::shape<sf::dyn, 6>, "x-input">();
  auto y_ = sf::placeholder<float, sf::shape<sf::dyn, 4>, "y-input">();
  auto [w1, b1] = [] {
    sf::variable_scope scope("layer1");
    return std::pair{sf::variable<float, sf::shape<6, 8>>("weights", sf::init::random_normal(0.5, 1)),
                     sf::variable<float, sf::shape<8>>("biases", sf::init::random_normal(0.1, 2))};
  }();
  auto [w2, b2] = [] {
    sf::variable_scope scope("layer2");
    return std::pair{sf::variable<float, sf::shape<4, 8>>("weights", sf::init::random_normal(0.5, 3)),
                     sf::variable<float, sf::shape<4>>("biases", sf::init::constant(0.1))};
  }();
  auto hidden = sf::relu(sf::matmul(x, w1) + b1);
  auto logits = sf::matmul<false, true>(hidden, w2) + b2;
  auto probabilities = sf::softmax(logits);
  auto mean_tanh = sf::reduce_mean<1>(sf::tanh(logits));
  auto loss = sf::reduce_mean(sf::softmax_cross_entropy_with_logits(y_, logits));
  auto accuracy = sf::reduce_mean(sf::cast<float>(sf::equal(sf::argmax<1>(logits), sf::argmax<1>(y_))));

  sf::session sess(g);
  sess.run(sf::global_variables_initializer());
  const auto frozen = sf::freeze(sess, probabilities, mean_tanh, accuracy);
  write_both(frozen, dir, "mlp");
  write_both(sf::export_graph(loss, probabilities), dir, "mlp_graph");

  std::ofstream vars(dir / "mlp_vars.txt");
  write_variable(vars, sess, w1);
  write_variable(vars, sess, b1);
  write_variable(vars, sess, w2);
  write_variable(vars, sess, b2);

  constexpr std::size_t rows = 5;
  sf::tensor<float, sf::shape<sf::dyn, 6>> xs(rows);
  for (std::size_t i = 0; i < xs.size(); ++i) xs.data()[i] = static_cast<float>(std::sin(0.7 * static_cast<double>(i) + 0.3) * 2.0);
  const auto p = sess.run(probabilities, sf::feed(x, xs));
  const auto m = sess.run(mean_tanh, sf::feed(x, xs));
  // Labels: the predicted class in even rows, the next class in odd ones (accuracy 3/5).
  sf::tensor<float, sf::shape<sf::dyn, 4>> ys(rows);
  for (std::size_t r = 0; r < rows; ++r) {
    const float* row = p.data() + 4 * r;
    const std::size_t predicted = static_cast<std::size_t>(std::max_element(row, row + 4) - row);
    for (std::size_t c = 0; c < 4; ++c) ys.data()[4 * r + c] = c == (predicted + r % 2) % 4 ? 1.0f : 0.0f;
  }
  const auto a = sess.run(accuracy, sf::feed(x, xs), sf::feed(y_, ys));
  std::ofstream io(dir / "mlp_io.txt");
  io << "input x-input " << rows << " 6 ";
  write_values(io, xs.data(), xs.size());
  io << "input y-input " << rows << " 4 ";
  write_values(io, ys.data(), ys.size());
  io << "output " << frozen.outputs[0] << " " << rows << " 4 ";
  write_values(io, p.data(), p.size());
  io << "output " << frozen.outputs[1] << " " << rows << " ";
  write_values(io, m.data(), m.size());
  io << "output " << frozen.outputs[2] << " ";
  write_values(io, a.data(), a.size());
}

void conv(const std::filesystem::path& dir) {
  sf::graph g;
  auto guard = g.as_default();
  auto x = sf::placeholder<float, sf::shape<sf::dyn, 784>, "image">();
  auto k = sf::variable<float, sf::shape<5, 5, 1, 8>>("conv1/kernel", sf::init::zeros());
  auto image = sf::reshape<sf::shape<sf::dyn, 28, 28, 1>>(x);
  auto c = sf::relu(sf::conv2d<1, 1, sf::padding::same>(image, k));
  auto p = sf::max_pool2d<2, 2, 2, 2, sf::padding::same>(c);
  auto q = sf::avg_pool2d<2, 2, 2, 2, sf::padding::valid>(p);
  write_both(sf::export_graph(sf::reshape<sf::shape<sf::dyn, 392>>(sf::leaky_relu(q, 0.3))), dir, "conv");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: graph_def_tool DIR\n";
    return 2;
  }
  try {
    const std::filesystem::path dir = argv[1];
    std::filesystem::create_directories(dir);
    seed(dir);
    mlp(dir);
    conv(dir);
  } catch (const std::exception& e) {
    std::cerr << "graph_def_tool: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
