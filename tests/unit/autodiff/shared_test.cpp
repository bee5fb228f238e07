// SPDX-License-Identifier: MIT
/// \file
/// \brief Gradients through shared sub-expressions (every use contributes), and the softmax
/// cross-entropy's stability for logits of magnitude 1e4.
#include <catch2/catch.hpp>

#include <cmath>

#include "gradcheck.hpp"

namespace sf = staticflow;
using gradcheck_detail::dtensor;
using gradcheck_detail::randn;

TEST_CASE("a sub-expression used twice: both uses contribute to the gradient", "[autodiff][shared]") {
  using x_t = sf::shape<sf::dyn, 3>;
  using w_t = sf::shape<3, 2>;
  const dtensor<x_t> x = randn<x_t>(100, 4);
  dtensor<w_t> w = randn<w_t>(101);
  auto loss = [&](auto v) {
    auto h = sf::tanh(sf::matmul(x, v));
    return sf::reduce_sum(h * h + h);
  };

  // By hand: with h = tanh(x w), dL/dh = 2h + 1, dL/d(xw) = (2h + 1)(1 - h^2), dL/dw = x^T that.
  double expected[3][2] = {};
  for (std::size_t i = 0; i < 4; ++i)
    for (std::size_t j = 0; j < 2; ++j) {
      double pre = 0;
      for (std::size_t k = 0; k < 3; ++k) pre += x.data()[i * 3 + k] * w.data()[k * 2 + j];
      const double h = std::tanh(pre);
      const double d = (2 * h + 1) * (1 - h * h);
      for (std::size_t k = 0; k < 3; ++k) expected[k][j] += x.data()[i * 3 + k] * d;
    }

  // The checker seeds sum(L * r); with a scalar L that is r * dL/dw, so seed r = 1 by hand here.
  dtensor<w_t> g(w.dims());
  gradcheck_detail::zero(g);
  sf::workspace<sf::host> tmp;
  auto p = sf::autodiff::prepare(loss(sf::var_leaf<double, w_t, sf::host>(w.view(), g.data())), tmp);
  sf::autodiff::backward(p, tmp);
  for (std::size_t k = 0; k < 3; ++k)
    for (std::size_t j = 0; j < 2; ++j) {
      INFO("dL/dw[" << k << "][" << j << "]");
      CHECK(g.data()[k * 2 + j] == Approx(expected[k][j]).epsilon(1e-12).margin(1e-12));
    }
  gradcheck("reduce_sum(h * h + h), h = tanh(x w)", w, loss);
}

TEST_CASE("a variable used several times accumulates every path", "[autodiff][shared]") {
  using v_t = sf::shape<3>;
  dtensor<v_t> x = sf::constant<double, v_t>({0.5, -1.0, 2.0});
  dtensor<v_t> g(x.dims());
  gradcheck_detail::zero(g);
  sf::workspace<sf::host> tmp;
  sf::var_leaf<double, v_t, sf::host> v(x.view(), g.data());
  // d/dx sum(x*x + 3x + exp(x)) = 2x + 3 + exp(x)
  auto p = sf::autodiff::prepare(sf::reduce_sum(v * v + 3.0 * v + sf::exp(v)), tmp);
  sf::autodiff::backward(p, tmp);
  for (std::size_t i = 0; i < 3; ++i) {
    const double xi = x.data()[i];
    CHECK(g.data()[i] == Approx(2 * xi + 3 + std::exp(xi)).epsilon(1e-12));
  }
  // Through two reductions of the same operand: d/dx (sum(x) * max(x)) = max(x) + sum(x) [x is argmax]
  gradcheck_detail::zero(g);
  sf::workspace<sf::host> tmp2;
  auto q = sf::autodiff::prepare(sf::reduce_sum(v) * sf::reduce_max(v), tmp2);
  sf::autodiff::backward(q, tmp2);
  const double sum = 1.5, max = 2.0;
  CHECK(g.data()[0] == Approx(max));
  CHECK(g.data()[1] == Approx(max));
  CHECK(g.data()[2] == Approx(max + sum));
}

TEST_CASE("gradient buffers accumulate: a second backward pass adds to the first", "[autodiff][shared]") {
  using v_t = sf::shape<2>;
  dtensor<v_t> x = sf::constant<double, v_t>({1.0, -2.0});
  dtensor<v_t> g(x.dims());
  gradcheck_detail::zero(g);
  for (int pass = 0; pass < 2; ++pass) {
    sf::workspace<sf::host> tmp;
    auto p = sf::autodiff::prepare(sf::reduce_sum(sf::square(sf::var_leaf<double, v_t, sf::host>(x.view(), g.data()))), tmp);
    sf::autodiff::backward(p, tmp);
  }
  CHECK(g.data()[0] == Approx(2 * 2.0 * 1.0));
  CHECK(g.data()[1] == Approx(2 * 2.0 * -2.0));
}

namespace {
/// Softmax CE and its gradient by hand, in long double, with the max subtracted first.
template <std::size_t C>
void by_hand(const double (&z)[C], const double (&y)[C], double& loss, double (&grad)[C]) {
  long double m = z[0];
  for (double v : z) m = std::max<long double>(m, v);
  long double s = 0, ysum = 0;
  for (std::size_t k = 0; k < C; ++k) s += std::exp(static_cast<long double>(z[k]) - m), ysum += y[k];
  const long double lse = m + std::log(s);
  long double l = 0;
  for (std::size_t k = 0; k < C; ++k) {
    l += y[k] * (lse - z[k]);
    grad[k] = static_cast<double>(std::exp(static_cast<long double>(z[k]) - lse) * ysum - y[k]);
  }
  loss = static_cast<double>(l);
}

template <class T>
void check_large_logits() {
  using s_t = sf::shape<sf::dyn, 3>;
  // Row 0: the label is the smallest logit, 2e4 below the largest: the loss is 2e4.
  // Row 1: logits 1e4 apart from zero but 1 apart from each other: softmax([0, 1, 2]).
  // Row 2: huge positive logits, soft labels.
  const double z[3][3] = {{1e4, -1e4, 5e3}, {-1e4, -1e4 + 1, -1e4 + 2}, {1e4, 1e4 - 2, 1e4 - 1}};
  const double y[3][3] = {{0, 1, 0}, {1.0 / 3, 1.0 / 3, 1.0 / 3}, {0.25, 0.5, 0.25}};
  sf::tensor<T, s_t> logits = sf::zeros<T, s_t>(3);
  sf::tensor<T, s_t> labels = sf::zeros<T, s_t>(3);
  for (std::size_t i = 0; i < 9; ++i) logits.data()[i] = T(z[i / 3][i % 3]), labels.data()[i] = T(y[i / 3][i % 3]);

  sf::tensor<T, s_t> g(logits.dims());
  for (std::size_t i = 0; i < 9; ++i) g.data()[i] = T(0);
  sf::workspace<sf::host> tmp;
  auto p = sf::autodiff::prepare(
      sf::softmax_cross_entropy_with_logits(labels, sf::var_leaf<T, s_t, sf::host>(logits.view(), g.data())), tmp);
  sf::tensor<T, sf::shape<sf::dyn>> loss = p;
  sf::autodiff::backward(p, tmp);

  const double tol = std::is_same_v<T, float> ? 1e-5 : 1e-12;
  for (std::size_t i = 0; i < 3; ++i) {
    double l = 0, d[3];
    by_hand(z[i], y[i], l, d);
    INFO("row " << i);
    REQUIRE(std::isfinite(static_cast<double>(loss.data()[i])));
    CHECK(loss.data()[i] == Approx(l).epsilon(tol).margin(tol));
    for (std::size_t k = 0; k < 3; ++k) {
      INFO("d loss / d logits[" << i << "][" << k << "]");
      REQUIRE(std::isfinite(static_cast<double>(g.data()[i * 3 + k])));
      CHECK(g.data()[i * 3 + k] == Approx(d[k]).epsilon(tol).margin(tol));
    }
  }
  // Spot values worked out on paper: row 0 loses 2e4 (label on the logit 2e4 below the max);
  // row 1 is log(1 + e + e^2) - 1.
  CHECK(loss.data()[0] == Approx(2e4).epsilon(tol));
  CHECK(loss.data()[1] == Approx(std::log(1 + std::exp(1.0) + std::exp(2.0)) - 1).epsilon(tol));
}
}  // namespace

TEST_CASE("softmax CE is stable for logits of magnitude 1e4 (double)", "[autodiff][losses]") {
  check_large_logits<double>();
}

TEST_CASE("softmax CE is stable for logits of magnitude 1e4 (float)", "[autodiff][losses]") {
  check_large_logits<float>();
}

TEST_CASE("softmax is stable for logits of magnitude 1e4", "[autodiff][losses]") {
  using s_t = sf::shape<1, 3>;
  sf::tensor<float, s_t> z = sf::constant<float, s_t>({1e4f, 1e4f - 1, -1e4f});
  sf::tensor<float, s_t> p = sf::softmax(z);
  const double e = std::exp(-1.0);
  CHECK(p.data()[0] == Approx(1 / (1 + e)).epsilon(1e-6));
  CHECK(p.data()[1] == Approx(e / (1 + e)).epsilon(1e-6));
  CHECK(p.data()[2] == 0.0f);
}
