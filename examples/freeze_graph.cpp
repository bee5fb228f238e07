// SPDX-License-Identifier: MIT
/// \file
/// \brief Freezes the book's MNIST MLP into one model file (TF's freeze_graph /
/// graph_util.convert_variables_to_constants): the GraphDef of its softmax output, every weight a
/// Const holding its value, loadable by `tf.import_graph_def` with no checkpoint beside it.
///
/// The weights come from training here (`--steps`, plain gradient descent) or, with
/// `--checkpoint-dir`, from the latest checkpoint mnist_mlp wrote there: its moving averages, as
/// the book's evaluation restores them (TF's `Saver(ema.variables_to_restore())`).
///
/// Usage: freeze_graph [--steps 2000] [--data-dir data/mnist] [--out mlp.pb]
///                     [--checkpoint-dir DIR]   (restore instead of training)
///                     [--onnx mlp.onnx]        (the same model as ONNX, opset 13: sf::onnx::save)
///
/// `--out` ending in `.pbtxt` writes the text format. Prints the test accuracy of the weights
/// frozen (as the session computes it) and the input and output node names; the ONNX model's
/// input is "x-input", its output "probabilities".
#include <staticflow/staticflow.hpp>
#include <staticflow/data/mnist.hpp>
#include <staticflow/graph/onnx_export.hpp>
#include <staticflow/train/optimizer.hpp>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <string>

namespace sf = staticflow;

namespace {

struct options {
  long steps = 2000;
  std::string data_dir = "data/mnist";
  std::string out = "mlp.pb";
  std::string checkpoint_dir;
  std::string onnx;
};

options parse(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      std::cout << "usage: freeze_graph [--steps N] [--data-dir DIR] [--out mlp.pb] [--checkpoint-dir DIR] [--onnx mlp.onnx]\n";
      std::exit(0);
    }
    if (i + 1 >= argc) throw sf::invalid_argument("freeze_graph: flag " + flag + " needs a value");
    const std::string value = argv[++i];
    try {
      if (flag == "--steps") o.steps = std::stol(value);
      else if (flag == "--data-dir") o.data_dir = value;
      else if (flag == "--out") o.out = value;
      else if (flag == "--checkpoint-dir") o.checkpoint_dir = value;
      else if (flag == "--onnx") o.onnx = value;
      else throw sf::invalid_argument("freeze_graph: unknown flag " + flag + " (try --help)");
    } catch (const std::logic_error&) {
      throw sf::invalid_argument("freeze_graph: bad value '" + value + "' for " + flag);
    }
  }
  if (o.steps < 0) throw sf::invalid_argument("freeze_graph: --steps must not be negative");
  return o;
}

constexpr std::size_t input = 784, hidden = 500, classes = 10, batch = 100;

int run(const options& o) {
  auto data = sf::data::read_data_sets(o.data_dir, {.one_hot = true});
  // The variables of mnist_mlp, by the same names, so its checkpoints restore here.
  auto x = sf::placeholder<float, sf::shape<sf::dyn, input>, "x-input">();
  auto y_ = sf::placeholder<float, sf::shape<sf::dyn, classes>, "y-input">();
  auto w1 = sf::variable<float, sf::shape<input, hidden>>("layer1/weights", sf::init::truncated_normal(0.1, 1));
  auto b1 = sf::variable<float, sf::shape<hidden>>("layer1/biases", sf::init::constant(0.1));
  auto w2 = sf::variable<float, sf::shape<hidden, classes>>("layer2/weights", sf::init::truncated_normal(0.1, 2));
  auto b2 = sf::variable<float, sf::shape<classes>>("layer2/biases", sf::init::constant(0.1));
  auto logits = sf::matmul(sf::relu(sf::matmul(x, w1) + b1), w2) + b2;
  auto probabilities = sf::softmax(logits);
  auto accuracy = sf::reduce_mean(sf::cast<float>(sf::equal(sf::argmax<1>(logits), sf::argmax<1>(y_))));

  sf::session sess;
  if (!o.checkpoint_dir.empty()) {
    const auto latest = sf::train::latest_checkpoint(o.checkpoint_dir);
    if (!latest) throw sf::not_found("freeze_graph: no checkpoint in " + o.checkpoint_dir);
    std::map<std::string, sf::var_ref> averages;
    for (const sf::var_ref v : {sf::var_ref(w1), sf::var_ref(b1), sf::var_ref(w2), sf::var_ref(b2)})
      averages.emplace(v->name() + "/ExponentialMovingAverage", v);
    sf::train::saver(averages).restore(sess, *latest);
    std::printf("restored the moving averages of %s\n", latest->c_str());
  } else {
    sess.run(sf::global_variables_initializer());
    auto loss = sf::reduce_mean(sf::softmax_cross_entropy_with_logits(y_, logits));
    auto train_step = sf::train::gradient_descent(0.5).minimize(loss);
    sf::tensor<float, sf::shape<sf::dyn, input>> bx(batch);
    sf::tensor<float, sf::shape<sf::dyn, classes>> by(batch);
    for (long step = 1; step <= o.steps; ++step) {
      data.train.next_batch(batch, bx.data(), by.data());
      const float l = sess.run(train_step, sf::feed(x, bx), sf::feed(y_, by));
      if (step % 500 == 0 || step == o.steps) std::printf("step %5ld  loss %.4f\n", step, l);
    }
  }

  sf::tensor<float, sf::shape<sf::dyn, input>> tx(data.test.num_examples());
  sf::tensor<float, sf::shape<sf::dyn, classes>> ty(data.test.num_examples());
  data.test.fill_images(0, tx.dim(0), tx.data());
  data.test.fill_labels(0, ty.dim(0), ty.data());
  std::printf("test accuracy %.4f\n", sess.run(accuracy, sf::feed(x, tx), sf::feed(y_, ty)).data()[0]);

  const auto frozen = sf::freeze(sess, probabilities);
  frozen.write(o.out);
  std::size_t consts = 0;
  for (const auto& n : frozen.nodes) consts += n.op == "Const";
  std::printf("wrote %s: %zu nodes (%zu Const), input x-input, output %s\n", o.out.c_str(), frozen.nodes.size(), consts,
              frozen.outputs[0].c_str());
  if (!o.onnx.empty()) {
    const auto model = sf::onnx::to_model(sess, sf::onnx::named(probabilities, "probabilities"));
    model.write(o.onnx);
    std::printf("wrote %s: %zu ONNX nodes and %zu initializers, reading x-input, computing probabilities\n",
                o.onnx.c_str(), model.graph.nodes.size(), model.graph.initializers.size());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(parse(argc, argv));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
}
