// SPDX-License-Identifier: MIT
/// \file
/// \brief Gradients exactly at the kinks, against TF's documented subgradients: relu'(0) = 0,
/// abs'(0) = sign(0) = 0, Maximum/Minimum ties to the first argument (TF's _MaximumGrad uses
/// x >= y, _MinimumGrad x <= y), clip_by_value passing the gradient at both bounds, and every
/// loss at its special points (sigmoid cross-entropy at logit 0 has gradient 0.5 - z).
/// A finite difference cannot check these points, so the expected values are written out.
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include <staticflow/staticflow.hpp>

namespace sf = staticflow;

namespace {

template <class G>
void check_values(const G& got, const std::vector<double>& want) {
  REQUIRE(got.size() == want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    INFO("element " << i);
    CHECK(got.data()[i] == Approx(want[i]).margin(1e-15));
  }
}

/// d/dx of sum(f(x)) at the given points, through a session as a user would ask for it.
template <std::size_t N, class F>
std::vector<double> grad_at(const std::vector<double>& points, F f) {
  sf::graph g;
  auto guard = g.as_default();
  auto x = sf::variable<double, sf::shape<N>>("x", sf::init::values(points));
  auto loss = sf::reduce_sum(f(x));
  sf::session<> sess(g);
  sess.run(sf::global_variables_initializer());
  const auto d = sess.run(sf::gradients(loss, x));
  return std::vector<double>(d.data(), d.data() + d.size());
}

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

}  // namespace

// ---- activations and unary ops ---------------------------------------------------------------

TEST_CASE("relu, relu6, leaky_relu, elu at their kinks", "[autodiff][kink]") {
  // TF: ReluGrad passes where x > 0, so relu'(0) = 0.
  CHECK(grad_at<3>({-1, 0, 1}, [](auto x) { return sf::relu(x); }) == std::vector<double>{0, 0, 1});
  // Relu6Grad passes where 0 < x < 6: zero at both 0 and 6.
  CHECK(grad_at<4>({0, 3, 6, 7}, [](auto x) { return sf::relu6(x); }) == std::vector<double>{0, 1, 0, 0});
  // LeakyReluGrad: x > 0 ? 1 : alpha, so alpha at 0.
  const auto leaky = grad_at<3>({-1, 0, 1}, [](auto x) { return sf::leaky_relu(x, 0.2); });
  CHECK(leaky == std::vector<double>{0.2, 0.2, 1});
  // EluGrad: x < 0 ? elu(x) + 1 : 1; both branches give 1 at 0.
  const auto elu = grad_at<3>({-1, 0, 1}, [](auto x) { return sf::elu(x); });
  CHECK(elu[0] == Approx(std::exp(-1.0)));
  CHECK(elu[1] == 1.0);
  CHECK(elu[2] == 1.0);
}

TEST_CASE("abs has gradient sign(x): 0 at 0", "[autodiff][kink]") {
  CHECK(grad_at<3>({-2, 0, 2}, [](auto x) { return sf::abs(x); }) == std::vector<double>{-1, 0, 1});
  CHECK(grad_at<1>({-0.0}, [](auto x) { return sf::abs(x); }) == std::vector<double>{0});
}

// ---- maximum / minimum ties ------------------------------------------------------------------

TEST_CASE("maximum and minimum send a tie's gradient to the first argument", "[autodiff][kink]") {
  // x = (1, 2, 3), c = 2: the middle element ties.
  const std::vector<double> pts = {1, 2, 3};
  CHECK(grad_at<3>(pts, [](auto x) { return sf::maximum(x, 2.0); }) == std::vector<double>{0, 1, 1});
  CHECK(grad_at<3>(pts, [](auto x) { return sf::maximum(2.0, x); }) == std::vector<double>{0, 0, 1});
  CHECK(grad_at<3>(pts, [](auto x) { return sf::minimum(x, 2.0); }) == std::vector<double>{1, 1, 0});
  CHECK(grad_at<3>(pts, [](auto x) { return sf::minimum(2.0, x); }) == std::vector<double>{1, 0, 0});
}

TEST_CASE("maximum and minimum of two variables at a tie: 1 to the first, 0 to the second", "[autodiff][kink]") {
  sf::graph g;
  auto guard = g.as_default();
  auto a = sf::variable<double, sf::shape<3>>("a", sf::init::values({1, 2, 3}));
  auto b = sf::variable<double, sf::shape<3>>("b", sf::init::values({2, 2, 2}));
  sf::session<> sess(g);
  sess.run(sf::global_variables_initializer());
  const auto hi = sf::reduce_sum(sf::maximum(a, b));
  const auto lo = sf::reduce_sum(sf::minimum(a, b));
  check_values(sess.run(sf::gradients(hi, a)), {0, 1, 1});
  check_values(sess.run(sf::gradients(hi, b)), {1, 0, 0});
  check_values(sess.run(sf::gradients(lo, a)), {1, 1, 0});
  check_values(sess.run(sf::gradients(lo, b)), {0, 0, 1});
  // The two gradients of a tie still add up to the upstream gradient (maximum(a, a) = a).
  check_values(sess.run(sf::gradients(sf::reduce_sum(sf::maximum(a, a)), a)), {1, 1, 1});
}

// ---- clip_by_value at its bounds ------------------------------------------------------------

TEST_CASE("clip_by_value passes the gradient at both bounds and blocks it outside", "[autodiff][kink]") {
  // TF 1.x's clip_by_value is minimum(maximum(t, lo), hi) (or maximum(minimum(...))): ties go to
  // t, so d/dt = 1 for lo <= t <= hi and 0 outside.
  const auto d = grad_at<5>({-2, -1, 0, 1, 2}, [](auto x) { return sf::clip_by_value(x, -1.0, 1.0); });
  CHECK(d == std::vector<double>{0, 1, 1, 1, 0});
  // A collapsed range lo == hi: the value at the bound still gets the gradient.
  CHECK(grad_at<3>({0, 1, 2}, [](auto x) { return sf::clip_by_value(x, 1.0, 1.0); }) == std::vector<double>{0, 1, 0});
}

// ---- losses at their special points -------------------------------------------------------------

TEST_CASE("sigmoid cross-entropy: gradient sigmoid(x) - z, also at logit exactly 0", "[autodiff][kink][losses]") {
  sf::graph g;
  auto guard = g.as_default();
  const std::vector<double> xs = {0, 0, 0, 2, -3, 50, -50};
  const std::vector<double> zs = {0, 0.3, 1, 0.25, 0.75, 1, 0};
  auto logits = sf::variable<double, sf::shape<7>>("logits", sf::init::values(xs));
  auto labels = sf::variable<double, sf::shape<7>>("labels", sf::init::values(zs));
  auto ce = sf::sigmoid_cross_entropy_with_logits(labels, logits);
  sf::session<> sess(g);
  sess.run(sf::global_variables_initializer());

  // Values: z log(1 + e^-x) + (1 - z) log(1 + e^x); at x = 0 it is log 2 whatever z.
  const auto v = sess.run(ce);
  for (std::size_t i = 0; i < xs.size(); ++i) {
    INFO("element " << i);
    const double x = xs[i], z = zs[i];
    const double want = std::abs(x) > 30 ? (x > 0 ? x * (1 - z) : -x * z)  // log1p(exp(30)) ~ 30 to 1e-13
                                         : z * std::log1p(std::exp(-x)) + (1 - z) * std::log1p(std::exp(x));
    CHECK(v.data()[i] == Approx(want).epsilon(1e-12).margin(1e-15));
  }
  CHECK(v.data()[0] == Approx(std::log(2.0)));

  // d/dx = sigmoid(x) - z: 0.5 - z at 0 (the composite form gave 1 - z there).
  const auto dx = sess.run(sf::gradients(sf::reduce_sum(ce), logits));
  check_values(dx, {0.5, 0.2, -0.5, sigmoid(2) - 0.25, sigmoid(-3) - 0.75, sigmoid(50) - 1, sigmoid(-50)});
  // d/dz = -x (TF's composite op: the -x * z term).
  const auto dz = sess.run(sf::gradients(sf::reduce_sum(ce), labels));
  check_values(dz, {0, 0, 0, -2, 3, -50, 50});
  // Upstream gradients other than 1 scale it: d/dx sum(w * ce) = w * (sigmoid(x) - z).
  auto w = sf::constant<double, sf::shape<7>>({2, -1, 3, 1, 1, 1, 1});
  const auto dxw = sess.run(sf::gradients(sf::reduce_sum(w * ce), logits));
  CHECK(dxw.data()[0] == Approx(1.0));
  CHECK(dxw.data()[1] == Approx(-0.2));
  CHECK(dxw.data()[2] == Approx(-1.5));
}

TEST_CASE("sigmoid cross-entropy in float at logit 0", "[autodiff][kink][losses]") {
  sf::graph g;
  auto guard = g.as_default();
  auto logits = sf::variable<float, sf::shape<2>>("logits", sf::init::values({0, 0}));
  auto labels = sf::constant<float, sf::shape<2>>({0.f, 1.f});
  sf::session<> sess(g);
  sess.run(sf::global_variables_initializer());
  const auto dx = sess.run(sf::gradients(sf::reduce_mean(sf::sigmoid_cross_entropy_with_logits(labels, logits)), logits));
  CHECK(dx.data()[0] == Approx(0.25f));  // (0.5 - 0) / 2
  CHECK(dx.data()[1] == Approx(-0.25f));
}

TEST_CASE("softmax cross-entropy with tied logits: softmax - labels", "[autodiff][kink][losses]") {
  // All four logits equal (the row maximum is tied four ways): softmax = 1/4 each.
  sf::graph g;
  auto guard = g.as_default();
  auto logits = sf::variable<double, sf::shape<2, 4>>("logits", sf::init::values({3, 3, 3, 3, 1, 5, 5, 0}));
  auto one_hot = sf::constant<double, sf::shape<2, 4>>({0, 0, 1, 0, 0, 1, 0, 0});
  auto labels = sf::constant<std::int64_t, sf::shape<2>>({2, 1});
  sf::session<> sess(g);
  sess.run(sf::global_variables_initializer());
  // Row 2: logits (1, 5, 5, 0), the maximum tied between classes 1 and 2.
  const double z = std::exp(1.0) + 2 * std::exp(5.0) + 1.0;
  const std::vector<double> want = {0.25, 0.25, -0.75, 0.25,
                                    std::exp(1.0) / z, std::exp(5.0) / z - 1, std::exp(5.0) / z, 1.0 / z};
  check_values(sess.run(sf::gradients(sf::reduce_sum(sf::softmax_cross_entropy_with_logits(one_hot, logits)), logits)),
               want);
  check_values(
      sess.run(sf::gradients(sf::reduce_sum(sf::sparse_softmax_cross_entropy_with_logits(labels, logits)), logits)),
      want);
  const auto loss = sess.run(sf::softmax_cross_entropy_with_logits(one_hot, logits));
  CHECK(loss.data()[0] == Approx(std::log(4.0)));
  CHECK(loss.data()[1] == Approx(std::log(z) - 5));
}

TEST_CASE("mean squared error: zero gradient where prediction equals label", "[autodiff][kink][losses]") {
  sf::graph g;
  auto guard = g.as_default();
  auto pred = sf::variable<double, sf::shape<4>>("pred", sf::init::values({1, 2, 3, 4}));
  auto labels = sf::constant<double, sf::shape<4>>({1, 0, 3, 5});
  sf::session<> sess(g);
  sess.run(sf::global_variables_initializer());
  // d/dp mean((l - p)^2) = 2 (p - l) / 4.
  check_values(sess.run(sf::gradients(sf::mean_squared_error(labels, pred), pred)), {0, 1, 0, -0.5});
}

TEST_CASE("clipped cross-entropy at the clip bounds 1e-10 and 1 keeps the gradient", "[autodiff][kink][losses]") {
  // -mean(z * log(clip(y, 1e-10, 1))): d/dy = -z / (N y) for 1e-10 <= y <= 1, 0 outside.
  sf::graph g;
  auto guard = g.as_default();
  auto y = sf::variable<double, sf::shape<4>>("y", sf::init::values({1.0, 1e-10, 0.5, 2.0}));
  auto labels = sf::constant<double, sf::shape<4>>({1, 1, 1, 1});
  sf::session<> sess(g);
  sess.run(sf::global_variables_initializer());
  const auto d = sess.run(sf::gradients(sf::clipped_cross_entropy(labels, y), y));
  CHECK(d.data()[0] == Approx(-0.25));
  CHECK(d.data()[1] == Approx(-0.25 / 1e-10));
  CHECK(d.data()[2] == Approx(-0.5));
  CHECK(d.data()[3] == 0.0);
}

TEST_CASE("the l1 regulariser has gradient scale * sign(w): 0 at w = 0", "[autodiff][kink][losses]") {
  const auto d = grad_at<3>({-1, 0, 2}, [](auto w) { return sf::train::l1_regularizer(0.5)(w); });
  CHECK(d == std::vector<double>{-0.5, 0, 0.5});
}
