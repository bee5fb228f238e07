// SPDX-License-Identifier: MIT
/// \file
/// \brief staticflow's side of tests/interop/check_onnx.sh: ONNX models written by
/// `sf::onnx::save` for ONNX's checker, its shape inference and a NumPy evaluator to read, with
/// the inputs and the outputs staticflow's session computes for them; and the test-set logits of
/// examples/mnist_lenet5's network type with weights loaded from an ONNX file (PyTorch's).
///
///   onnx_tool export DIR
///     mlp.onnx      an MLP: softmax(relu(x w1 + b1) w2^T + b2) ("probabilities"), its
///                   log_softmax, mean(tanh), mean(sigmoid) and the accuracy against labels y
///     lenet5.onnx   examples/mnist_lenet5's network (random weights), logits and softmax
///     conv.onnx     conv2d SAME with stride 2, average pooling SAME, max pooling VALID, a filter
///                   read twice, a filter also read
///                   by another op (kept HWIO), leaky relu, relu6, elu, softplus, a transpose, a reshape
///     STEM_io.txt   `input NAME DIM... : VALUE...` per input, `output NAME DIM... : VALUE...`
///                   per output, as the session computes them
///   onnx_tool lenet5-logits MODEL.onnx MNIST_DIR OUT
///     loads MODEL.onnx's weights into the network type (sf::onnx::load_weights) and writes the
///     logits of the 10,000 MNIST test images to OUT as float32 [10000, 10], row-major
#include <staticflow/staticflow.hpp>
#include <staticflow/data/mnist.hpp>
#include <staticflow/graph/onnx_export.hpp>
#include <staticflow/graph/onnx_weights.hpp>
#include <staticflow/nn/conv.hpp>

#include "lenet5.hpp"  // examples/: the network type of mnist_lenet5 and embedded_inference

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

namespace sf = staticflow;

namespace {


/// `DIM... : VALUE...` with `%.9g` values: enough digits that a float32 reads back to the same bits.
template <class T>
void write_tensor(std::ostream& out, const T& t) {
  for (std::size_t d = 0; d < t.rank; ++d) out << " " << t.dim(d);
  out << " :";
  char buf[32];
  for (std::size_t i = 0; i < t.size(); ++i) {
    std::snprintf(buf, sizeof buf, " %.9g", static_cast<double>(t.data()[i]));
    out << buf;
  }
  out << "\n";
}

float wave(std::size_t i, double a, double b) { return static_cast<float>(std::sin(a * static_cast<double>(i) + b)); }

void mlp(const std::filesystem::path& dir) {
  sf::graph g;
  auto guard = g.as_default();
  auto x = sf::placeholder<float, sf::shape<sf::dyn, 6>, "x-input">();
  auto y_ = sf::placeholder<float, sf::shape<sf::dyn, 4>, "y-input">();
  auto w1 = sf::variable<float, sf::shape<6, 8>>("layer1/weights", sf::init::random_normal(0.5, 1));
  auto b1 = sf::variable<float, sf::shape<8>>("layer1/biases", sf::init::random_normal(0.1, 2));
  auto w2 = sf::variable<float, sf::shape<4, 8>>("layer2/weights", sf::init::random_normal(0.5, 3));
  auto b2 = sf::variable<float, sf::shape<4>>("layer2/biases", sf::init::constant(0.1));
  auto logits = sf::matmul<false, true>(sf::relu(sf::matmul(x, w1) + b1), w2) + b2;
  auto probabilities = sf::softmax(logits);
  auto log_probabilities = sf::log_softmax(logits);
  auto mean_tanh = sf::reduce_mean<1>(sf::tanh(logits));
  auto sigmoid_sum = sf::reduce_sum<0>(sf::sigmoid(logits) * 0.5f);
  auto accuracy = sf::reduce_mean(sf::cast<float>(sf::equal(sf::argmax<1>(logits), sf::argmax<1>(y_))));
  sf::session sess(g);
  sess.run(sf::global_variables_initializer());
  sf::onnx::to_model(sess, sf::onnx::named(probabilities, "probabilities"),
                     sf::onnx::named(log_probabilities, "log_probabilities"), sf::onnx::named(mean_tanh, "mean_tanh"),
                     sf::onnx::named(sigmoid_sum, "sigmoid_sum"), sf::onnx::named(accuracy, "accuracy"))
      .write(dir / "mlp.onnx");

  constexpr std::size_t rows = 5;
  sf::tensor<float, sf::shape<sf::dyn, 6>> xs(rows);
  for (std::size_t i = 0; i < xs.size(); ++i) xs.data()[i] = 2 * wave(i, 0.7, 0.3);
  const auto p = sess.run(probabilities, sf::feed(x, xs));
  sf::tensor<float, sf::shape<sf::dyn, 4>> ys(rows);  // the predicted class in even rows, the next in odd ones
  for (std::size_t r = 0; r < rows; ++r) {
    const float* row = p.data() + 4 * r;
    const auto predicted = static_cast<std::size_t>(std::max_element(row, row + 4) - row);
    for (std::size_t c = 0; c < 4; ++c) ys.data()[4 * r + c] = c == (predicted + r % 2) % 4 ? 1.0f : 0.0f;
  }
  std::ofstream io(dir / "mlp_io.txt");
  io << "input x-input", write_tensor(io, xs);
  io << "input y-input", write_tensor(io, ys);
  io << "output probabilities", write_tensor(io, p);
  io << "output log_probabilities", write_tensor(io, sess.run(log_probabilities, sf::feed(x, xs)));
  io << "output mean_tanh", write_tensor(io, sess.run(mean_tanh, sf::feed(x, xs)));
  io << "output sigmoid_sum", write_tensor(io, sess.run(sigmoid_sum, sf::feed(x, xs)));
  io << "output accuracy", write_tensor(io, sess.run(accuracy, sf::feed(x, xs), sf::feed(y_, ys)));
}

void lenet(const std::filesystem::path& dir) {
  sf::graph g;
  auto guard = g.as_default();
  nn::model<lenet5> net(g, 7);
  sf::session sess(g);
  sess.run(sf::global_variables_initializer());
  sf::onnx::save(sess, net, dir / "lenet5.onnx");
  sf::tensor<float, lenet5::input_shape> xs(3);
  for (std::size_t i = 0; i < xs.size(); ++i) xs.data()[i] = 0.5f + 0.5f * wave(i, 0.37, 0.1);
  std::ofstream io(dir / "lenet5_io.txt");
  io << "input input", write_tensor(io, xs);
  io << "output output", write_tensor(io, sess.run(net(xs)));
}

void conv(const std::filesystem::path& dir) {
  sf::graph g;
  auto guard = g.as_default();
  auto x = sf::placeholder<float, sf::shape<sf::dyn, 9, 11, 3>, "images">();
  auto f = sf::variable<float, sf::shape<3, 3, 3, 4>>("conv/filter", sf::init::random_normal(0.4, 4));
  auto b = sf::variable<float, sf::shape<4>>("conv/biases", sf::init::random_normal(0.1, 5));
  auto f2 = sf::variable<float, sf::shape<2, 2, 4, 4>>("conv2/filter", sf::init::random_normal(0.4, 6));
  auto c = sf::leaky_relu(sf::conv2d<2, 2, sf::padding::same>(x, f) + b, 0.3);           // [?, 5, 6, 4]
  auto a = sf::avg_pool2d<3, 3, 2, 2, sf::padding::same>(c);                              // [?, 3, 3, 4]
  auto d = sf::relu6(sf::conv2d<1, 1, sf::padding::valid>(a, f2) * 3.0f);                 // [?, 2, 2, 4]
  auto m = sf::max_pool2d<2, 2, 1, 1, sf::padding::valid>(sf::elu(d - 1.0f));             // [?, 1, 1, 4]
  auto e = sf::softplus(sf::conv2d<1, 1, sf::padding::same>(a, f2));                      // the filter read again
  auto out = sf::reshape<sf::shape<sf::dyn, 4>>(m) + sf::reduce_max<1, 2>(e);
  auto t = sf::transpose<0, 2, 1, 3>(c);                                                   // [?, 6, 5, 4]
  auto norm = sf::reduce_sum(sf::square(f));  // f read by other than a convolution: kept HWIO
  sf::session sess(g);
  sess.run(sf::global_variables_initializer());
  sf::onnx::to_model(sess, sf::onnx::named(out, "features"), sf::onnx::named(t, "transposed"),
                     sf::onnx::named(norm, "filter_norm"))
      .write(dir / "conv.onnx");
  sf::tensor<float, sf::shape<sf::dyn, 9, 11, 3>> xs(2);
  for (std::size_t i = 0; i < xs.size(); ++i) xs.data()[i] = wave(i, 0.91, 0.2);
  std::ofstream io(dir / "conv_io.txt");
  io << "input images", write_tensor(io, xs);
  io << "output features", write_tensor(io, sess.run(out, sf::feed(x, xs)));
  io << "output transposed", write_tensor(io, sess.run(t, sf::feed(x, xs)));
  io << "output filter_norm", write_tensor(io, sess.run(norm));
}

int lenet5_logits(const std::string& model, const std::string& mnist_dir, const std::string& out) {
  sf::graph g;
  auto guard = g.as_default();
  nn::model<lenet5> net(g, 1);
  sf::session sess(g);
  sf::onnx::load_weights(sess, net, model);
  auto data = sf::data::read_data_sets(mnist_dir, {.one_hot = true});
  const std::size_t n = data.test.num_examples();
  sf::tensor<float, lenet5::input_shape> xs(n);
  data.test.fill_images(0, n, xs.data());
  const auto logits = sess.run(net(xs));
  std::ofstream f(out, std::ios::binary);
  f.write(reinterpret_cast<const char*>(logits.data()), static_cast<std::streamsize>(logits.size() * sizeof(float)));
  if (!f) throw sf::data_loss("onnx_tool: cannot write " + out);
  std::printf("onnx_tool: wrote the logits of %zu test images\n", n);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const std::string cmd = argc > 1 ? argv[1] : "";
    if (cmd == "export" && argc == 3) {
      const std::filesystem::path dir = argv[2];
      std::filesystem::create_directories(dir);
      mlp(dir);
      lenet(dir);
      conv(dir);
      return 0;
    }
    if (cmd == "lenet5-logits" && argc == 5) return lenet5_logits(argv[2], argv[3], argv[4]);
    std::cerr << "usage: onnx_tool export DIR | onnx_tool lenet5-logits MODEL.onnx MNIST_DIR OUT\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "onnx_tool: " << e.what() << "\n";
    return 1;
  }
}
