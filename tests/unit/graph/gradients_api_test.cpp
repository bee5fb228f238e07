// SPDX-License-Identifier: MIT
/// \file
/// \brief TF 1.x's gradient API as a session runs it: tf.gradients(y, x) for x a placeholder, a
/// tensor or a materialised op (not only a variable), compute_gradients' (gradient, variable)
/// pairs clipped and applied, and one run fetching expressions and gradients together.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>

#include <staticflow/staticflow.hpp>

namespace sf = staticflow;

namespace {

/// d loss / d feed[i] by central differences of the (scalar) loss run with the feed moved by +-h.
template <class Loss, class X, class Xs>
double central_difference(sf::session<>& sess, const Loss& loss, const X& x, Xs xs, std::size_t i, double h = 1e-6) {
  const double keep = xs.data()[i];
  xs.data()[i] = keep + h;
  const double up = sess.run(loss, sf::feed(x, xs));
  xs.data()[i] = keep - h;
  const double down = sess.run(loss, sf::feed(x, xs));
  return (up - down) / (2 * h);
}

}  // namespace

TEST_CASE("gradients(y, placeholder) equals central differences, in the fed extents", "[graph][gradients]") {
  sf::graph g;
  auto w = g.variable<double, sf::shape<3, 2>>("w", sf::init::values({0.5, -1.0, 2.0, 0.25, -0.75, 1.5}));
  auto x = sf::placeholder<double, sf::shape<sf::dyn, 3>, "x">();
  auto loss = sf::reduce_sum(sf::tanh(sf::matmul(x, w))) + sf::reduce_sum(sf::square(x));
  sf::session<> sess(g);
  sess.run(sf::global_variables_initializer());
  sf::tensor<double, sf::shape<sf::dyn, 3>> xs(2);
  const double values[] = {0.3, -1.2, 0.7, 1.1, 0.4, -0.9};
  std::copy(values, values + 6, xs.data());

  const auto dx = sess.run(sf::gradients(loss, x), sf::feed(x, xs));
  REQUIRE(dx.dim(0) == 2);
  for (std::size_t i = 0; i < xs.size(); ++i)
    CHECK(dx.data()[i] == Approx(central_difference(sess, loss, x, xs, i)).epsilon(1e-6));
  // The weights did not move, and w's own gradient still works beside it.
  CHECK(sess.value(w)(0, 0) == 0.5);
}

TEST_CASE("gradients(y, placeholder): a hand-worked case, zeros when y does not read it", "[graph][gradients]") {
  // y = sum(w * x^2) + sum(x): dy/dx = 2 w x + 1 = [2*1*2 + 1, 2*2*-1 + 1, 2*3*0.5 + 1] = [5, -3, 4].
  sf::graph g;
  auto w = g.variable<double, sf::shape<3>>("w", sf::init::values({1, 2, 3}));
  auto x = sf::placeholder<double, sf::shape<3>, "x">();
  auto z = sf::placeholder<double, sf::shape<sf::dyn>, "z">();
  sf::session<> sess(g);
  sess.run(sf::global_variables_initializer());
  const auto xs = sf::constant<double, sf::shape<3>>({2.0, -1.0, 0.5});
  const auto dx = sess.run(sf::gradients(sf::reduce_sum(w * sf::square(x)) + sf::reduce_sum(x), x), sf::feed(x, xs));
  CHECK(dx(0) == Approx(5.0));
  CHECK(dx(1) == Approx(-3.0));
  CHECK(dx(2) == Approx(4.0));
  // z is fed but not read: its gradient is zeros of its fed extents (as a variable's is).
  sf::tensor<double, sf::shape<sf::dyn>> zs(4);
  std::fill(zs.data(), zs.data() + 4, 9.0);
  const auto dz = sess.run(sf::gradients(sf::reduce_sum(w * x), z), sf::feed(x, xs), sf::feed(z, zs));
  REQUIRE(dz.dim(0) == 4);
  for (std::size_t i = 0; i < 4; ++i) CHECK(dz(i) == 0.0);
}

TEST_CASE("gradients(y, matmul) finds that matmul, not another of its type", "[graph][gradients]") {
  // h = x w and k = x v have one type; y = sum(h * h) + sum(h * k) + sum(k):
  // dy/dh = 2 h + k (k's own term does not count). x = [[1, 2]], w = [[1], [3]], v = [[-1], [2]]:
  // h = 7, k = 3, dy/dh = 17.
  sf::graph g;
  auto w = g.variable<double, sf::shape<2, 1>>("w", sf::init::values({1.0, 3.0}));
  auto v = g.variable<double, sf::shape<2, 1>>("v", sf::init::values({-1.0, 2.0}));
  auto x = sf::placeholder<double, sf::shape<sf::dyn, 2>, "x">();
  auto h = sf::matmul(x, w);
  auto k = sf::matmul(x, v);
  auto y = sf::reduce_sum(h * h) + sf::reduce_sum(h * k) + sf::reduce_sum(k);
  sf::session<> sess(g);
  sess.run(sf::global_variables_initializer());
  sf::tensor<double, sf::shape<sf::dyn, 2>> xs(1);
  xs(0, 0) = 1.0, xs(0, 1) = 2.0;
  const auto dh = sess.run(sf::gradients(y, h), sf::feed(x, xs));
  const auto dk = sess.run(sf::gradients(y, k), sf::feed(x, xs));
  CHECK(dh(0, 0) == Approx(17.0));
  CHECK(dk(0, 0) == Approx(7.0 + 1.0));  // dy/dk = h + 1
  // The chain rule agrees with the variable's gradient: dy/dw = x^T dy/dh = [17, 34].
  const auto dw = sess.run(sf::gradients(y, w), sf::feed(x, xs));
  CHECK(dw(0, 0) == Approx(17.0));
  CHECK(dw(1, 0) == Approx(34.0));
}

TEST_CASE("gradients(y, tensor) differentiates with respect to a constant", "[graph][gradients]") {
  sf::graph g;
  auto w = g.variable<float, sf::shape<2>>("w", sf::init::values({3.0, -4.0}));
  const auto c = sf::constant<float, sf::shape<2>>({1.0f, 2.0f});
  const auto other = sf::constant<float, sf::shape<2>>({5.0f, 5.0f});
  sf::session<> sess(g);
  sess.run(sf::global_variables_initializer());
  // d sum(c * w + other * c^2) / dc = w + 2 other c = [13, 16]; `other` has c's type but is not c.
  const auto dc = sess.run(sf::gradients(sf::reduce_sum(c * w + other * sf::square(c)), c));
  CHECK(dc(0) == Approx(13.0f));
  CHECK(dc(1) == Approx(16.0f));
}

TEST_CASE("compute_gradients returns the (gradient, variable) pairs, clipped and applied", "[graph][gradients][train]") {
  // loss = sum((w * x)^2) + sum(b^2) + sum(frozen * w): d/dw = 2 w x^2 + frozen = [18 + 1, -1 + 1],
  // d/db = 2 b = [6]. frozen is not trainable: no pair.
  sf::graph g;
  auto guard = g.as_default();
  auto w = sf::variable<double, sf::shape<2>>("w", sf::init::values({1.0, -2.0}));
  auto frozen = sf::variable<double, sf::shape<2>>("frozen", sf::init::ones(), false);
  auto b = sf::variable<double, sf::shape<1>>("b", sf::init::values({3.0}));
  auto x = sf::constant<double, sf::shape<2>>({3.0, 0.5});
  auto loss = sf::reduce_sum(sf::square(b)) + sf::reduce_sum(sf::square(w * x)) + sf::reduce_sum(frozen * w);
  const sf::train::gradient_descent sgd(0.1);
  auto grads = sgd.compute_gradients(loss);
  auto apply = sgd.apply_gradients(grads);
  sf::session<> sess(g);
  sess.run(sf::global_variables_initializer());

  auto gv = sess.run(grads);
  CHECK(gv.loss == Approx(9.0 + 9.0 + 1.0 - 1.0));
  REQUIRE(gv.size() == 2);
  // Creation order (TF's trainable_variables()), not the order the loss reads them.
  CHECK(gv[0].variable->name() == "w");
  CHECK(gv[1].variable->name() == "b");
  CHECK(gv.gradient(w)(0) == Approx(19.0));
  CHECK(gv.gradient(w)(1) == Approx(0.0));
  CHECK(gv.gradient(b)(0) == Approx(6.0));
  CHECK_THROWS_AS(gv.gradient(frozen), sf::not_found);
  CHECK_THROWS_AS(gv[0].gradient.flat<float>(), sf::invalid_argument);                    // a double's gradient
  CHECK_THROWS_AS((gv[0].gradient.as<double, sf::shape<3>>()), sf::invalid_argument);     // another shape

  // Clip every gradient to [-5, 5] (TF's [(tf.clip_by_value(g, -5, 5), v) for g, v in gv]), then apply.
  for (auto& [grad, var] : gv) {
    const auto flat = grad.flat<double>();
    flat = sf::clip_by_value(flat, -5.0, 5.0);
  }
  sess.run(apply, gv);
  CHECK(sess.gradient(w)(0) == Approx(5.0));  // the session holds what was applied
  const auto wv = sess.value(w);
  CHECK(wv(0) == Approx(1.0 - 0.1 * 5.0));
  CHECK(wv(1) == Approx(-2.0));
  CHECK(sess.value(b)(0) == Approx(3.0 - 0.1 * 5.0));
  CHECK(sess.value(frozen)(0) == 1.0);

  // The pairs are copies: a later compute leaves the ones already returned as they were.
  auto again = sess.run(grads);
  CHECK(gv.gradient(b)(0) == Approx(5.0));
  CHECK(again.gradient(b)(0) == Approx(2 * 2.5));
  // set_gradients hands a list back without applying it.
  again[1].gradient.flat<double>()(0) = -7.0;
  sess.set_gradients(again);
  CHECK(sess.gradient(b)(0) == -7.0);
}

TEST_CASE("one run fetches expressions, gradients and variables by name together", "[graph][gradients]") {
  // y = x w, loss = sum(y^2): d/dw = 2 x^T y, d/dx = 2 y w^T. x = [[1, -1]], w = [[2], [0.5]]: y = 1.5.
  sf::graph g;
  auto w = g.variable<double, sf::shape<2, 1>>("layer/w", sf::init::values({2.0, 0.5}));
  auto x = sf::placeholder<double, sf::shape<sf::dyn, 2>, "x">();
  auto y = sf::matmul(x, w);
  auto loss = sf::reduce_sum(sf::square(y));
  sf::session<> sess(g);
  sess.run(sf::global_variables_initializer());
  sf::tensor<double, sf::shape<sf::dyn, 2>> xs(1);
  xs(0, 0) = 1.0, xs(0, 1) = -1.0;

  auto [l, dw, dx, yv, wv, gv] =
      sess.run(sf::fetches(loss, sf::gradients(loss, w), sf::gradients(loss, x), y,
                           g.variable_by_name<double, sf::shape<2, 1>>("layer/w"), sf::compute_gradients(loss)),
               sf::feed(x, xs));
  CHECK(static_cast<double>(l) == Approx(2.25));
  CHECK(dw(0, 0) == Approx(3.0));
  CHECK(dw(1, 0) == Approx(-3.0));
  CHECK(dx(0, 0) == Approx(6.0));
  CHECK(dx(0, 1) == Approx(1.5));
  CHECK(yv(0, 0) == Approx(1.5));
  CHECK(wv(1, 0) == 0.5);
  CHECK(gv.loss == Approx(2.25));
  CHECK(gv.gradient(w)(0, 0) == Approx(3.0));
}
