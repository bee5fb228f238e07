// SPDX-License-Identifier: MIT
/// \file
/// \brief Batch normalisation: hand-worked batch statistics and moving averages (updated once per
/// run however often the graph reads them), inference on the moving statistics, gradients of the
/// training form against central differences (input, scale, offset; rank 2 and NHWC), and the
/// layer inside a network that trains.
#include <catch2/catch.hpp>

#include <cmath>

#include <staticflow/staticflow.hpp>

#include "../autodiff/gradcheck.hpp"

namespace sf = staticflow;
namespace nn = staticflow::nn;

TEST_CASE("batch_norm by hand: batch statistics, moving averages, inference statistics", "[nn][batch_norm]") {
  sf::graph g;
  auto guard = g.as_default();
  using net_type = nn::sequential<nn::input<2>, nn::batch_norm<0.9, 0.001>>;
  static_assert(net_type::parameter_count == 8);  // gamma, beta, moving mean and variance per channel
  nn::model<net_type, double> net(g, 1);
  auto x = sf::placeholder<double, sf::shape<sf::dyn, 2>, "x">();
  auto train_out = net.training(x);
  auto infer_out = net(x);
  sf::session<> sess(g);
  sess.run(sf::global_variables_initializer());

  // Columns [1, 3] and [2, 6]: means 2 and 4, biased variances 1 and 4.
  sf::tensor<double, sf::shape<sf::dyn, 2>> batch(2);
  batch(0, 0) = 1, batch(0, 1) = 2, batch(1, 0) = 3, batch(1, 1) = 6;
  const auto y = sess.run(train_out, sf::feed(x, batch));
  CHECK(y(0, 0) == Approx(-1 / std::sqrt(1.001)));
  CHECK(y(1, 0) == Approx(1 / std::sqrt(1.001)));
  CHECK(y(0, 1) == Approx(-2 / std::sqrt(4.001)));
  CHECK(y(1, 1) == Approx(2 / std::sqrt(4.001)));

  // One training run folded the statistics in once (the mean is read twice by the graph):
  // mean 0 - (0 - [2, 4]) * 0.1 = [0.2, 0.4]; variance 1 - (1 - [1, 4]) * 0.1 = [1, 1.3].
  const auto& p = std::get<0>(net.parameters());
  const auto mean = sess.value(p.moving_mean), variance = sess.value(p.moving_variance);
  CHECK(mean(0) == Approx(0.2));
  CHECK(mean(1) == Approx(0.4));
  CHECK(variance(0) == Approx(1.0));
  CHECK(variance(1) == Approx(1.3));

  // Inference reads the moving statistics and changes nothing.
  const auto z = sess.run(infer_out, sf::feed(x, batch));
  CHECK(z(0, 0) == Approx((1 - 0.2) / std::sqrt(1.0 + 0.001)));
  CHECK(z(1, 1) == Approx((6 - 0.4) / std::sqrt(1.3 + 0.001)));
  CHECK(sess.value(p.moving_mean)(0) == Approx(0.2));

  // A second training run: 0.2 - (0.2 - 2) * 0.1 = 0.38.
  sess.run(train_out, sf::feed(x, batch));
  CHECK(sess.value(p.moving_mean)(0) == Approx(0.38));
}

TEST_CASE("update_moving_average and batch_normalization check their arguments", "[nn][batch_norm]") {
  sf::tensor<float, sf::shape<sf::dyn>> average(3), value(4);
  CHECK_THROWS_AS(sf::update_moving_average(average, value, 0.9), sf::invalid_argument);
  sf::tensor<float, sf::shape<sf::dyn>> same(3);
  CHECK_THROWS_AS(sf::update_moving_average(average, same, 1.5), sf::invalid_argument);
}

TEST_CASE("gradcheck: batch normalisation's training form, every input", "[nn][batch_norm][gradcheck]") {
  auto x = gradcheck_detail::randn<sf::shape<5, 3>>(71);
  auto gamma = gradcheck_detail::randn<sf::shape<3>>(72);
  auto beta = gradcheck_detail::randn<sf::shape<3>>(73);
  sf::tensor<double, sf::shape<3>> mean_avg, var_avg;  // the moving statistics (updated, not differentiated)
  auto bn = [&](const auto& input, const auto& scale, const auto& offset) {
    const auto [mean, variance] = sf::moments(input);
    return sf::batch_normalization(input, sf::update_moving_average(mean_avg, mean, 0.9),
                                   sf::update_moving_average(var_avg, variance, 0.9), offset, scale, 1e-3);
  };
  gradcheck("batch_norm d x", x, [&](auto v) { return bn(v, gamma, beta); });
  gradcheck("batch_norm d gamma", gamma, [&](auto v) { return bn(x, v, beta); });
  gradcheck("batch_norm d beta", beta, [&](auto v) { return bn(x, gamma, v); });

  // NHWC: statistics over batch, height and width, per channel; then a nonlinearity after it.
  auto images = gradcheck_detail::randn<sf::shape<2, 3, 2, 4>>(74);
  auto g4 = gradcheck_detail::randn<sf::shape<4>>(75);
  auto b4 = gradcheck_detail::randn<sf::shape<4>>(76);
  sf::tensor<double, sf::shape<4>> m4, v4;
  auto bn4 = [&](const auto& input, const auto& scale) {
    const auto [mean, variance] = sf::moments(input);
    return sf::tanh(sf::batch_normalization(input, sf::update_moving_average(m4, mean, 0.5),
                                            sf::update_moving_average(v4, variance, 0.5), b4, scale, 1e-3));
  };
  gradcheck("batch_norm NHWC d x", images, [&](auto v) { return bn4(v, g4); });
  gradcheck("batch_norm NHWC d gamma", g4, [&](auto v) { return bn4(images, v); });
}

TEST_CASE("a network with batch_norm trains and its moving statistics follow the data", "[nn][batch_norm]") {
  sf::graph g;
  auto guard = g.as_default();
  using net_type = nn::sequential<nn::input<4>, nn::dense<8>, nn::batch_norm<0.8>, nn::relu, nn::dense<3>>;
  static_assert(net_type::parameter_count == (4 * 8 + 8) + 4 * 8 + (8 * 3 + 3));
  nn::model<net_type> net(g, 3);
  auto x = sf::placeholder<float, sf::shape<sf::dyn, 4>, "x">();
  auto y_ = sf::placeholder<float, sf::shape<sf::dyn, 3>, "y">();
  auto loss = sf::reduce_mean(sf::softmax_cross_entropy_with_logits(y_, net.training(x)));
  auto step = sf::train::adam(0.05).minimize(loss);
  sf::session<> sess(g);
  sess.run(sf::global_variables_initializer());

  // Three separable classes: the class is the index of the largest of the first three inputs.
  sf::tensor<float, sf::shape<sf::dyn, 4>> xs = sf::random_normal<float, sf::shape<sf::dyn, 4>>(0.f, 1.f, 5, 60);
  sf::tensor<float, sf::shape<sf::dyn, 3>> ys(60);
  for (std::size_t i = 0; i < 60; ++i) {
    std::size_t best = 0;
    for (std::size_t c = 1; c < 3; ++c) best = xs(i, c) > xs(i, best) ? c : best;
    for (std::size_t c = 0; c < 3; ++c) ys(i, c) = c == best ? 1.f : 0.f;
  }
  const float first = sess.run(step, sf::feed(x, xs), sf::feed(y_, ys));
  float last = first;
  for (int i = 0; i < 150; ++i) last = sess.run(step, sf::feed(x, xs), sf::feed(y_, ys));
  CHECK(last < 0.5f * first);
  // After many runs on the same batch the moving mean is that batch's mean of the layer's input.
  const auto& dense_params = std::get<0>(net.parameters());
  sf::tensor<float, sf::shape<sf::dyn, 8>> hidden = sf::matmul(xs, sess.value(dense_params.weights)) +
                                                    sess.value(dense_params.biases);
  sf::tensor<float, sf::shape<8>> batch_mean = sf::reduce_mean<0>(hidden);
  const auto moving = sess.value(std::get<1>(net.parameters()).moving_mean);
  for (std::size_t c = 0; c < 8; ++c) CHECK(moving(c) == Approx(batch_mean(c)).margin(0.05));
}
