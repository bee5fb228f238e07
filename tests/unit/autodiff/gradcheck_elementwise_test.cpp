// SPDX-License-Identifier: MIT
/// \file
/// \brief Finite-difference checks of the gradient of every differentiable elementwise op,
/// including broadcasting in both directions, where, clip_by_value and stop_gradient.
#include <catch2/catch.hpp>

#include "gradcheck.hpp"

namespace sf = staticflow;
using gradcheck_detail::avoid;
using gradcheck_detail::dtensor;
using gradcheck_detail::make_positive;
using gradcheck_detail::randn;

namespace {
using mat = sf::shape<sf::dyn, 4>;  // a batch of rows: the dyn axis is the usual case
}

TEST_CASE("gradcheck: smooth unary ops", "[autodiff][gradcheck]") {
  dtensor<mat> x = randn<mat>(1, 3);
  gradcheck("neg", x, [](auto v) { return -v; });
  gradcheck("exp", x, [](auto v) { return sf::exp(v); });
  gradcheck("square", x, [](auto v) { return sf::square(v); });
  gradcheck("sigmoid", x, [](auto v) { return sf::sigmoid(v); });
  gradcheck("tanh", x, [](auto v) { return sf::tanh(v); });
  gradcheck("softplus", x, [](auto v) { return sf::softplus(v); });
  dtensor<mat> pos = randn<mat>(2, 3);
  make_positive(pos);
  gradcheck("log", pos, [](auto v) { return sf::log(v); });
  gradcheck("sqrt", pos, [](auto v) { return sf::sqrt(v); });
}

TEST_CASE("gradcheck: unary ops with a kink, away from it", "[autodiff][gradcheck]") {
  dtensor<mat> x = randn<mat>(3, 5);
  avoid(x, {0.0});
  gradcheck("abs", x, [](auto v) { return sf::abs(v); });
  gradcheck("relu", x, [](auto v) { return sf::relu(v); });
  gradcheck("elu", x, [](auto v) { return sf::elu(v); });
  gradcheck("softsign", x, [](auto v) { return sf::softsign(v); });
  gradcheck("leaky_relu 0.2", x, [](auto v) { return sf::leaky_relu(v); });
  gradcheck("leaky_relu 0.01", x, [](auto v) { return sf::leaky_relu(v, 0.01); });
  // relu6 over a range that covers both flat parts and the slope between them
  dtensor<mat> wide = randn<mat>(4, 6);
  for (std::size_t i = 0; i < wide.size(); ++i) wide.data()[i] = 3.0 + 4.0 * wide.data()[i];
  avoid(wide, {0.0, 6.0});
  gradcheck("relu6", wide, [](auto v) { return sf::relu6(v); });
}

TEST_CASE("gradcheck: compositions of unary ops", "[autodiff][gradcheck]") {
  dtensor<mat> x = randn<mat>(5, 3);
  gradcheck("tanh(sigmoid(exp(-x)))", x, [](auto v) { return sf::tanh(sf::sigmoid(sf::exp(-v))); });
  gradcheck("softplus(x) * x", x, [](auto v) { return sf::softplus(v) * v; });
}

TEST_CASE("gradcheck: arithmetic, both operands", "[autodiff][gradcheck]") {
  dtensor<mat> a = randn<mat>(6, 3);
  dtensor<mat> b = randn<mat>(7, 3);
  avoid(b, {0.0}, 0.3);  // a divisor
  gradcheck("a + b (a)", a, [&](auto v) { return v + b; });
  gradcheck("a + b (b)", b, [&](auto v) { return a + v; });
  gradcheck("a - b (a)", a, [&](auto v) { return v - b; });
  gradcheck("a - b (b)", b, [&](auto v) { return a - v; });
  gradcheck("a * b (a)", a, [&](auto v) { return v * b; });
  gradcheck("a * b (b)", b, [&](auto v) { return a * v; });
  gradcheck("a / b (a)", a, [&](auto v) { return v / b; });
  gradcheck("a / b (b)", b, [&](auto v) { return a / v; });
  gradcheck("x + 2", a, [](auto v) { return v + 2.0; });
  gradcheck("3 - x", a, [](auto v) { return 3.0 - v; });
  gradcheck("x * 1.5", a, [](auto v) { return v * 1.5; });
  gradcheck("2 / x", b, [](auto v) { return 2.0 / v; });
  gradcheck("x / 4", a, [](auto v) { return v / 4.0; });
}

TEST_CASE("gradcheck: pow with a positive base", "[autodiff][gradcheck]") {
  dtensor<mat> base = randn<mat>(8, 3);
  make_positive(base, 0.3);
  dtensor<mat> expo = randn<mat>(9, 3);
  gradcheck("pow (base)", base, [&](auto v) { return sf::pow(v, expo); });
  gradcheck("pow (exponent)", expo, [&](auto v) { return sf::pow(base, v); });
  gradcheck("pow(x, 3)", base, [](auto v) { return sf::pow(v, 3.0); });
  gradcheck("pow(2, x)", expo, [](auto v) { return sf::pow(2.0, v); });
}

TEST_CASE("gradcheck: minimum, maximum, clip_by_value away from ties", "[autodiff][gradcheck]") {
  dtensor<mat> a = randn<mat>(10, 5);
  dtensor<mat> b = randn<mat>(11, 5);
  for (std::size_t i = 0; i < a.size(); ++i)  // no near-ties between a and b
    if (std::abs(a.data()[i] - b.data()[i]) < 0.05) a.data()[i] = b.data()[i] + 0.1;
  gradcheck("minimum (a)", a, [&](auto v) { return sf::minimum(v, b); });
  gradcheck("minimum (b)", b, [&](auto v) { return sf::minimum(a, v); });
  gradcheck("maximum (a)", a, [&](auto v) { return sf::maximum(v, b); });
  gradcheck("maximum (b)", b, [&](auto v) { return sf::maximum(a, v); });
  avoid(a, {-0.5, 0.5});
  gradcheck("clip_by_value", a, [](auto v) { return sf::clip_by_value(v, -0.5, 0.5); });
  gradcheck("maximum(x, 0)", a, [](auto v) { return sf::maximum(v, 0.0); });
}

TEST_CASE("gradcheck: where, both branches", "[autodiff][gradcheck]") {
  dtensor<mat> a = randn<mat>(12, 3);
  dtensor<mat> b = randn<mat>(13, 3);
  dtensor<mat> c = randn<mat>(14, 3);
  gradcheck("where (if_true)", a, [&](auto v) { return sf::where(c > 0.0, sf::square(v), b); });
  gradcheck("where (if_false)", b, [&](auto v) { return sf::where(c > 0.0, a, sf::exp(v)); });
  avoid(a, {0.0});
  // the condition reads the variable too: its own gradient is zero, the branches' flow
  gradcheck("where(x > 0, x * x, -3x)", a, [](auto v) { return sf::where(v > 0.0, v * v, -3.0 * v); });
  // a broadcast branch: a row vector chosen per element
  dtensor<sf::shape<4>> row = randn<sf::shape<4>>(15);
  gradcheck("where broadcast branch", row, [&](auto v) { return sf::where(c > 0.0, v, a); });
}

TEST_CASE("gradcheck: broadcasting in both directions", "[autodiff][gradcheck]") {
  using row_t = sf::shape<3>;
  using batch_t = sf::shape<sf::dyn, 3>;
  dtensor<row_t> row = randn<row_t>(20);
  dtensor<batch_t> batch = randn<batch_t>(21, 5);
  avoid(batch, {0.0}, 0.3);
  gradcheck("[3] * [?,3] (row)", row, [&](auto v) { return v * batch; });
  gradcheck("[3] * [?,3] (batch)", batch, [&](auto v) { return row * v; });
  gradcheck("[?,3] - [3] (row)", row, [&](auto v) { return batch - v; });
  gradcheck("[?,3] / [3] (batch)", batch, [&](auto v) { return v / sf::exp(row); });
  gradcheck("[3] / [?,3] (batch)", batch, [&](auto v) { return row / v; });

  using col_t = sf::shape<sf::dyn, 1>;
  using wide_t = sf::shape<sf::dyn, 4>;
  dtensor<col_t> col = randn<col_t>(22, 5);
  dtensor<wide_t> wide = randn<wide_t>(23, 5);
  gradcheck("[?,1] * [?,4] (col)", col, [&](auto v) { return v * wide; });
  gradcheck("[?,1] * [?,4] (wide)", wide, [&](auto v) { return col * v; });
  gradcheck("[?,4] - [?,1] (col)", col, [&](auto v) { return wide - v; });
  gradcheck("[?,4] + [?,1] (wide)", wide, [&](auto v) { return sf::tanh(v) + col; });

  using cube_t = sf::shape<4, 1, 3>;
  using plane_t = sf::shape<2, 3>;
  dtensor<cube_t> cube = randn<cube_t>(24);
  dtensor<plane_t> plane = randn<plane_t>(25);
  gradcheck("[4,1,3] * [2,3] (cube)", cube, [&](auto v) { return v * plane; });
  gradcheck("[4,1,3] * [2,3] (plane)", plane, [&](auto v) { return cube * v; });
  gradcheck("[2,3] - [4,1,3] (cube)", cube, [&](auto v) { return plane - sf::square(v); });
  gradcheck("[2,3] + [4,1,3] (plane)", plane, [&](auto v) { return sf::sigmoid(v) + cube; });
}

TEST_CASE("stop_gradient blocks the gradient, and only through its own path", "[autodiff]") {
  using vec = sf::shape<3>;
  dtensor<vec> x = sf::constant<double, vec>({1.5, -2.0, 0.5});
  dtensor<vec> c = sf::constant<double, vec>({3.0, 4.0, -1.0});
  dtensor<vec> g(x.dims());

  auto backward = [&](auto make) {
    gradcheck_detail::zero(g);
    sf::workspace<sf::host> tmp;
    auto p = sf::autodiff::prepare(make(sf::var_leaf<double, vec, sf::host>(x.view(), g.data())), tmp);
    sf::autodiff::backward(p, tmp);
  };

  // Every path is blocked: the gradient buffer stays zero.
  backward([&](auto v) { return sf::reduce_sum(sf::stop_gradient(v) * c); });
  for (std::size_t i = 0; i < 3; ++i) CHECK(g.data()[i] == 0.0);
  backward([&](auto v) { return sf::reduce_sum(sf::exp(sf::stop_gradient(sf::square(v)))); });
  for (std::size_t i = 0; i < 3; ++i) CHECK(g.data()[i] == 0.0);

  // d/dx sum(x * stop(x)) = stop(x) = x (the blocked path adds nothing; without it, 2x).
  backward([&](auto v) { return sf::reduce_sum(v * sf::stop_gradient(v)); });
  const double expected[] = {1.5, -2.0, 0.5};
  for (std::size_t i = 0; i < 3; ++i) CHECK(g.data()[i] == Approx(expected[i]));

  // The value itself passes unchanged: sum(stop(x) * c) = 4.5 - 8 - 0.5 = -4.
  dtensor<sf::shape<>> v = sf::reduce_sum(sf::stop_gradient(x) * c);
  CHECK(v.data()[0] == Approx(-4.0));
}
