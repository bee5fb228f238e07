// SPDX-License-Identifier: MIT
/// \file
/// \brief LeNet-5 inference from a generated header of constants: the weights are compiled into
/// the program (`mnist_lenet5 --export-header lenet5_weights.hpp` wrote them), so nothing is read
/// from a checkpoint and no variable is initialised. Classifies the MNIST test set, checks that
/// the header's network gives the same logits as the session model whose variables hold the
/// same weights, and times both at batch 1.
///
/// Usage: embedded_inference [--data-dir data/mnist] [--expect-test A]
///        (exit status 2 when the accuracy is below A or the two networks disagree)
#include <staticflow/staticflow.hpp>
#include <staticflow/data/mnist.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <string>

#include "lenet5.hpp"
#include "lenet5_weights.hpp"  // generated: see examples/CMakeLists.txt

namespace sf = staticflow;

namespace {

using images = sf::tensor<float, sf::shape<sf::dyn, 28, 28, 1>>;

/// Microseconds per batch-1 run of `logits`, the median of five rounds of 200.
template <class Session, class Logits, class X>
double batch1_micros(Session& sess, const Logits& logits, const X& x, const images& one) {
  double rounds[5];
  for (double& r : rounds) {
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < 200; ++i) sess.run(logits, sf::feed(x, one));
    r = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count() / 200;
  }
  std::sort(std::begin(rounds), std::end(rounds));
  return rounds[2];
}

int run(const std::string& data_dir, double expect_test) {
  const auto data = sf::data::read_data_sets(data_dir, {.one_hot = false});
  const std::size_t n = data.test.num_examples();
  images x_test(n);
  data.test.fill_images(0, n, x_test.data());

  auto x = sf::placeholder<float, sf::shape<sf::dyn, 28, 28, 1>, "x">();
  const auto embedded = lenet5_weights::network<lenet5>()(x);  // constants only
  sf::nn::model<lenet5> model;                                 // variables, set from the same arrays
  sf::session sess;
  lenet5_weights::assign(sess, model);
  const auto session_logits = model(x);

  const auto a = sess.run(embedded, sf::feed(x, x_test));
  const auto b = sess.run(session_logits, sf::feed(x, x_test));
  std::size_t correct = 0, disagree = 0;
  double max_diff = 0;
  for (std::size_t i = 0; i < n; ++i) {
    std::size_t best_a = 0, best_b = 0;
    for (std::size_t c = 0; c < 10; ++c) {
      max_diff = std::max(max_diff, std::abs(double(a(i, c)) - double(b(i, c))));
      if (a(i, c) > a(i, best_a)) best_a = c;
      if (b(i, c) > b(i, best_b)) best_b = c;
    }
    correct += best_a == data.test.labels()[i];
    disagree += best_a != best_b;
  }
  const double accuracy = double(correct) / double(n);
  std::printf("header network: test accuracy %.4f on %zu images\n", accuracy, n);
  std::printf("against the session's model: %zu predictions differ, largest logit difference %.3g\n", disagree,
              max_diff);

  images one(1);
  data.test.fill_images(0, 1, one.data());
  std::printf("batch-1 latency: header network %.1f us, session model %.1f us\n",
              batch1_micros(sess, embedded, x, one), batch1_micros(sess, session_logits, x, one));
  if (disagree != 0 || max_diff > 1e-5 || accuracy < expect_test) {
    std::fprintf(stderr, "embedded_inference: accuracy %.4f (expected %.4f), %zu disagreements\n", accuracy,
                 expect_test, disagree);
    return 2;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    std::string data_dir = "data/mnist";
    double expect_test = 0;
    for (int i = 1; i + 1 < argc; i += 2) {
      const std::string flag = argv[i];
      if (flag == "--data-dir") data_dir = argv[i + 1];
      else if (flag == "--expect-test") expect_test = std::stod(argv[i + 1]);
      else throw sf::invalid_argument("embedded_inference: unknown flag " + flag);
    }
    if (argc % 2 == 0) throw sf::invalid_argument("embedded_inference: every flag needs a value");
    return run(data_dir, expect_test);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
}
