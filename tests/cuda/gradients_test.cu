// SPDX-License-Identifier: MIT
/// \file
/// \brief Every differentiable op on sf::cuda against sf::host: its value and its gradient.
///
/// `parity(name, x, build, constants...)` evaluates `build(x, constants...)` and the gradient of
/// sum(build(...) * r) with respect to x (r a fixed varied tensor of the output's shape) on both
/// policies, from the same float inputs, and requires each to agree within 1e-5 relative to the
/// host tensor's largest element. The host's gradients are themselves checked against finite
/// differences in tests/unit/autodiff, so agreement here makes the CUDA ones right too.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <string>

#include "cuda_test_support.hpp"

namespace sf = staticflow;

#include "parity.hpp"

namespace {

using mat = sf::shape<4, 6>;

}  // namespace

TEST_CASE("cuda: unary ops, value and gradient", "[cuda][autodiff]") {
  const auto x = randn<mat>(1, 1.5f);
  const auto pos = positive<mat>(2);
  parity("neg", x, [](auto v) { return -v; });
  parity("exp", x, [](auto v) { return sf::exp(v); });
  parity("square", x, [](auto v) { return sf::square(v); });
  parity("sigmoid", x, [](auto v) { return sf::sigmoid(v); });
  parity("tanh", x, [](auto v) { return sf::tanh(v); });
  parity("softplus", x, [](auto v) { return sf::softplus(v); });
  parity("log", pos, [](auto v) { return sf::log(v); });
  parity("sqrt", pos, [](auto v) { return sf::sqrt(v); });
  parity("abs", x, [](auto v) { return sf::abs(v); });
  parity("relu", x, [](auto v) { return sf::relu(v); });
  parity("relu6", randn<mat>(3, 5.f), [](auto v) { return sf::relu6(v); });
  parity("elu", x, [](auto v) { return sf::elu(v); });
  parity("softsign", x, [](auto v) { return sf::softsign(v); });
  parity("leaky_relu", x, [](auto v) { return sf::leaky_relu(v, 0.1); });
  parity("tanh(sigmoid(exp(-x)))", x, [](auto v) { return sf::tanh(sf::sigmoid(sf::exp(-v))); });
}

TEST_CASE("cuda: binary ops and broadcasting, value and gradient of each side", "[cuda][autodiff]") {
  const auto a = randn<mat>(4), b = randn<mat>(5), c = randn<mat>(6);
  const auto pa = positive<mat>(7), pb = positive<mat>(8);
  parity("a + b", a, [](auto v, const auto& w) { return v + w; }, b);
  parity("a - b (b)", b, [](auto v, const auto& w) { return w - v; }, a);
  parity("a * b", a, [](auto v, const auto& w) { return v * w; }, b);
  parity("a / b (a)", a, [](auto v, const auto& w) { return v / w; }, pb);
  parity("a / b (b)", pb, [](auto v, const auto& w) { return w / v; }, a);
  parity("pow (base)", pa, [](auto v, const auto& w) { return sf::pow(v, w); }, b);
  parity("pow (exponent)", b, [](auto v, const auto& w) { return sf::pow(w, v); }, pa);
  parity("minimum", a, [](auto v, const auto& w) { return sf::minimum(v, w); }, b);
  parity("maximum", a, [](auto v, const auto& w) { return sf::maximum(v, w); }, b);
  parity("clip_by_value", a, [](auto v) { return sf::clip_by_value(v, -0.5f, 0.5f); });
  parity("where", a, [](auto v, const auto& w, const auto& k) { return sf::where(k > 0.f, sf::square(v), w); }, b, c);

  const auto row = randn<sf::shape<6>>(9);
  const auto col = randn<sf::shape<4, 1>>(10);
  parity("[6] * [4,6] (row)", row, [](auto v, const auto& m) { return v * m; }, a);
  parity("[4,6] / exp([6]) (row)", row, [](auto v, const auto& m) { return m / sf::exp(v); }, a);
  parity("[4,1] * [4,6] (col)", col, [](auto v, const auto& m) { return v * m; }, a);
  parity("[4,6] - [4,1] (matrix)", a, [](auto v, const auto& k) { return sf::tanh(v - k); }, col);
}

TEST_CASE("cuda: reductions, value and gradient", "[cuda][autodiff]") {
  const auto x = randn<mat>(11);
  const auto t = randn<sf::shape<3, 4, 5>>(12);
  parity("reduce_sum all", x, [](auto v) { return sf::reduce_sum(v); });
  parity("reduce_sum<0>", x, [](auto v) { return sf::reduce_sum<0>(v); });
  parity("reduce_mean<1>", x, [](auto v) { return sf::reduce_mean<1>(v); });
  parity("reduce_sum<1> keepdims", x, [](auto v) { return sf::reduce_sum<1>(v, sf::keepdims); });
  parity("reduce_max<1>", x, [](auto v) { return sf::reduce_max<1>(v); });
  parity("reduce_min<0>", x, [](auto v) { return sf::reduce_min<0>(v); });
  parity("x - reduce_mean<1>(x, keepdims)", x, [](auto v) { return sf::tanh(v - sf::reduce_mean<1>(v, sf::keepdims)); });
  parity("reduce_sum<0, 2>", t, [](auto v) { return sf::reduce_sum<0, 2>(v); });
  parity("reduce_max<2>", t, [](auto v) { return sf::reduce_max<2>(v); });
  parity("reduce_mean<0, 1>", t, [](auto v) { return sf::reduce_mean<0, 1>(v); });
}

TEST_CASE("cuda: matmul with transposes, reshape and flatten, value and gradient", "[cuda][autodiff]") {
  const auto x = randn<mat>(13);
  const auto w = randn<sf::shape<6, 3>>(14);
  parity("matmul (x)", x, [](auto v, const auto& k) { return sf::matmul(v, k); }, w);
  parity("matmul (w)", w, [](auto v, const auto& k) { return sf::matmul(k, v); }, x);
  parity("matmul<true, false>(x, x)", x, [](auto v) { return sf::matmul<true, false>(v, v); });
  parity("matmul<false, true>(x, x)", x, [](auto v) { return sf::matmul<false, true>(v, v); });
  parity("relu(x w) w^T (w)", w, [](auto v, const auto& k) { return sf::matmul<false, true>(sf::relu(sf::matmul(k, v)), v); }, x);
  parity("reshape<[6,4]>", x, [](auto v) { return sf::exp(sf::reshape<sf::shape<6, 4>>(v)) * 0.5f; });
  parity("flatten", randn<sf::shape<2, 3, 2, 2>>(15), [](auto v) { return sf::sigmoid(sf::flatten(v)); });
}

TEST_CASE("cuda: losses and softmax, value and gradient", "[cuda][autodiff]") {
  const auto logits = randn<mat>(16, 2.f);
  const htensor<mat> labels = sf::softmax(randn<mat>(17));
  const htensor<mat> binary = sf::random_uniform<float, mat>(0.f, 1.f, 18);
  parity("softmax", logits, [](auto v) { return sf::softmax(v); });
  parity("softmax CE (logits)", logits, [](auto v, const auto& y) { return sf::softmax_cross_entropy_with_logits(y, v); }, labels);
  parity("softmax CE (labels)", labels, [](auto v, const auto& l) { return sf::softmax_cross_entropy_with_logits(v, l); }, logits);
  parity("sigmoid CE (logits)", logits, [](auto v, const auto& y) { return sf::sigmoid_cross_entropy_with_logits(y, v); }, binary);
  parity("MSE", logits, [](auto v, const auto& y) { return sf::mean_squared_error(y, v); }, binary);
  parity("clipped CE", binary, [](auto v, const auto& y) { return sf::clipped_cross_entropy(y, v); }, labels);
  sf::tensor<std::int64_t, sf::shape<4>> classes;
  for (std::size_t i = 0; i < 4; ++i) classes.data()[i] = static_cast<std::int64_t>((i * 5) % 6);
  parity("sparse softmax CE", logits, [](auto v, const auto& k) { return sf::sparse_softmax_cross_entropy_with_logits(k, v); }, classes);
}

TEST_CASE("cuda: batch normalisation's training form, value and gradient", "[cuda][autodiff][batch_norm]") {
  const auto x = randn<sf::shape<2, 3, 2, 4>>(22, 2.f, 0.5f);
  const auto gamma = randn<sf::shape<4>>(23), beta = randn<sf::shape<4>>(24);
  const htensor<sf::shape<4>> zeros = sf::filled<float, sf::shape<4>>(0.f), ones = sf::filled<float, sf::shape<4>>(1.f);
  // By reference: the expression views its tensors, so a by-value copy would dangle.
  auto bn = [](const auto& v, const auto& g, const auto& b, auto& moving_mean, auto& moving_variance) {
    const auto [mean, variance] = sf::moments(v);
    return sf::batch_normalization(v, sf::update_moving_average(moving_mean, mean, 0.9),
                                   sf::update_moving_average(moving_variance, variance, 0.9), b, g, 1e-3);
  };
  parity("batch_norm d x", x, bn, gamma, beta, zeros, ones);
  parity("batch_norm d gamma", gamma,
         [&](auto v, const auto& input, const auto& b, auto& m, auto& s) { return bn(input, v, b, m, s); }, x, beta,
         zeros, ones);
}

TEST_CASE("cuda: conv2d and pooling, value and gradient", "[cuda][autodiff][conv]") {
  constexpr auto same = sf::padding::same;
  constexpr auto valid = sf::padding::valid;
  const auto x = randn<sf::shape<2, 7, 6, 3>>(19);
  const auto f = randn<sf::shape<3, 2, 3, 4>>(20);
  parity("conv2d<1,1,valid> d input", x, [](auto v, const auto& k) { return sf::conv2d<1, 1, valid>(v, k); }, f);
  parity("conv2d<1,1,valid> d filter", f, [](auto v, const auto& k) { return sf::conv2d<1, 1, valid>(k, v); }, x);
  parity("conv2d<2,2,same> d input", x, [](auto v, const auto& k) { return sf::conv2d<2, 2, same>(v, k); }, f);
  parity("conv2d<2,2,same> d filter", f, [](auto v, const auto& k) { return sf::conv2d<2, 2, same>(k, v); }, x);
  parity("conv2d<2,1,valid> d input", x, [](auto v, const auto& k) { return sf::conv2d<2, 1, valid>(v, k); }, f);
  const auto p = randn<sf::shape<2, 6, 5, 3>>(21);
  parity("max_pool2d<2,2,2,2,valid>", p, [](auto v) { return sf::max_pool2d<2, 2, 2, 2, valid>(v); });
  parity("max_pool2d<3,3,2,2,same>", p, [](auto v) { return sf::max_pool2d<3, 3, 2, 2, same>(v); });
  parity("avg_pool2d<3,3,2,2,same>", p, [](auto v) { return sf::avg_pool2d<3, 3, 2, 2, same>(v); });
  parity("avg_pool2d<2,3,2,1,valid>", p, [](auto v) { return sf::avg_pool2d<2, 3, 2, 1, valid>(v); });
  parity("relu(conv + bias) then pool", x,
         [](auto v, const auto& k) { return sf::max_pool2d<2, 2, 2, 2, same>(sf::relu(sf::conv2d<1, 1, same>(v, k) + 0.1f)); }, f);
}
