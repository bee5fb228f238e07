// SPDX-License-Identifier: MIT
/// \file
/// \brief compute_gradients / apply_gradients: the two halves of minimize, with the gradients
/// readable and replaceable in between (gradient clipping).
#include <catch2/catch.hpp>

#include <staticflow/staticflow.hpp>

namespace sf = staticflow;

TEST_CASE("compute_gradients then apply_gradients equals minimize", "[graph][train]") {
  sf::graph g;
  auto guard = g.as_default();
  auto w = sf::variable<double, sf::shape<2>>("w", sf::init::values({1.0, -2.0}));
  auto x = sf::constant<double, sf::shape<2>>({3.0, 0.5});
  auto loss = sf::reduce_sum(sf::square(w * x));  // d/dw = 2 w x^2 = [18, -1]
  auto gs = sf::variable<std::int64_t, sf::shape<>>("global_step", sf::init::zeros(), false);
  const sf::train::gradient_descent sgd(0.1);
  auto grads = sgd.compute_gradients(loss);
  auto apply = sgd.apply_gradients(grads, gs);
  sf::session<> sess(g);
  sess.run(sf::global_variables_initializer());

  const double loss_value = sess.run(grads);
  CHECK(loss_value == Approx(9.0 * 1 + 0.25 * 4));
  const auto dw = sess.gradient(w);
  CHECK(dw(0) == Approx(18.0));
  CHECK(dw(1) == Approx(-1.0));

  // Clip by value to [-5, 5] between the halves, as a user of TF's apply_gradients would.
  sf::tensor<double, sf::shape<2>> clipped = sf::clip_by_value(dw, -5.0, 5.0);
  sess.set_gradient(w, clipped.view());
  sess.run(apply);
  const auto v = sess.value(w);
  CHECK(v(0) == Approx(1.0 - 0.1 * 5.0));
  CHECK(v(1) == Approx(-2.0 - 0.1 * -1.0));
  CHECK(sess.read_scalar(gs) == 1);
}

TEST_CASE("a gradient reaching a variable along several paths is their sum, step after step", "[graph][train]") {
  // loss = sum(x w) + sum(w^2) + sum(cast(v > 0)), x = [[1, 2], [3, -1]], w = [[0.5], [-2]]:
  // dloss/dw = x^T [1, 1] + 2 w = [4 + 1, 1 - 4] = [5, -3] (a GEMM writes one part, an
  // elementwise pass the other). v is read only through a comparison: its gradient is zero.
  sf::graph g;
  auto guard = g.as_default();
  auto w = sf::variable<double, sf::shape<2, 1>>("w", sf::init::values({0.5, -2.0}));
  auto v = sf::variable<double, sf::shape<2>>("v", sf::init::values({1.0, -1.0}));
  auto x = sf::constant<double, sf::shape<2, 2>>({1.0, 2.0, 3.0, -1.0});
  auto loss = sf::reduce_sum(sf::matmul(x, w)) + sf::reduce_sum(sf::square(w)) +
              sf::reduce_sum(sf::cast<double>(v > 0.0));
  auto grads = sf::train::gradient_descent(0.1).compute_gradients(loss);
  sf::session<> sess(g);
  sess.run(sf::global_variables_initializer());
  for (int run = 0; run < 3; ++run) {  // the buffers are rewritten each run, never accumulated across runs
    sess.run(grads);
    const auto dw = sess.gradient(w);
    CHECK(dw(0, 0) == Approx(5.0));
    CHECK(dw(1, 0) == Approx(-3.0));
    const auto dv = sess.gradient(v);
    CHECK(dv(0) == 0.0);
    CHECK(dv(1) == 0.0);
  }
}

TEST_CASE("gradient() of a variable the last compute did not differentiate is an error, not zeros", "[graph][train]") {
  sf::graph g;
  auto guard = g.as_default();
  auto w = sf::variable<double, sf::shape<>>("w", sf::init::constant(2.0));
  auto unused = sf::variable<double, sf::shape<>>("unused", sf::init::constant(1.0));
  auto frozen = sf::variable<double, sf::shape<>>("frozen", sf::init::constant(3.0), false);
  auto loss = sf::square(w) * frozen;
  auto other = sf::square(unused);
  sf::session<> sess(g);
  sess.run(sf::global_variables_initializer());
  sess.run(sf::train::gradient_descent(0.1).compute_gradients(loss));
  CHECK(static_cast<double>(sess.gradient(w)) == Approx(2 * 2.0 * 3.0));
  CHECK_THROWS_AS(sess.gradient(unused), sf::failed_precondition);   // the loss does not read it
  CHECK_THROWS_WITH(sess.gradient(frozen), Catch::Matchers::Contains("did not differentiate"));  // not trainable
  // A later compute over another loss: now `w` is the one without a gradient (TF: None), not stale.
  sess.run(sf::train::gradient_descent(0.1).compute_gradients(other));
  CHECK(static_cast<double>(sess.gradient(unused)) == Approx(2.0));
  CHECK_THROWS_AS(sess.gradient(w), sf::failed_precondition);
}

TEST_CASE("a rank-0 result reads as its element, as run(train_op)'s loss does", "[graph]") {
  sf::graph g;
  auto guard = g.as_default();
  auto w = sf::variable<float, sf::shape<2>>("w", sf::init::values({1.0f, -3.0f}));
  auto loss = sf::reduce_sum(sf::square(w));
  sf::session<> sess(g);
  sess.run(sf::global_variables_initializer());
  const float value = sess.run(loss);  // a tensor<float, shape<>> converting to float
  const float trained = sess.run(sf::train::gradient_descent(0.1).minimize(loss));
  CHECK(value == 10.0f);
  CHECK(trained == value);
  CHECK(sess.run(loss) == Approx((0.8 * 0.8 + 2.4 * 2.4)));
}
