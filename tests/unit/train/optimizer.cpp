// SPDX-License-Identifier: MIT
/// \file
/// \brief Optimisers against TF 1.x's update rules: hand-worked single-element cases, and a
/// scalar-loop reference over several elements and steps, in float and double.

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

#include <staticflow/staticflow.hpp>
#include <staticflow/train/optimizer.hpp>

namespace sf = staticflow;
using Catch::Matchers::Contains;

namespace {

template <class T>
using vec6 = sf::tensor<T, sf::shape<2, 3>>;

template <class T, class S>
void set(const sf::tensor_view<T, S>& t, const std::vector<double>& values) {
  REQUIRE(values.size() == t.size());
  for (std::size_t i = 0; i < values.size(); ++i) t.data()[i] = static_cast<T>(values[i]);
}

/// Runs `steps` updates of a one-element variable with a constant gradient, as a session would.
template <class T, class Opt>
T run_scalar(const Opt& opt, double var0, double g, int steps) {
  sf::tensor<T, sf::shape<1>> var, grad;
  var.data()[0] = static_cast<T>(var0);
  grad.data()[0] = static_cast<T>(g);
  auto slots = opt.template make_slots<T, sf::shape<1>, sf::host>(var.dims());
  for (int step = 0; step < steps; ++step) opt.apply(var.view(), grad.view(), slots, step);
  return var.data()[0];
}

// The gradients of three steps for six elements (a row per step), signs and sizes mixed.
const std::vector<std::vector<double>> grads = {
    {0.5, -1.0, 0.25, 2.0, -0.125, 0.0},
    {0.4, -0.5, 1.5, -2.0, 0.3, 0.01},
    {-0.2, 0.7, 0.0, 1.0, -0.6, 3.0},
};
const std::vector<double> var0 = {1.0, -2.0, 0.5, 0.0, 3.0, -0.75};

template <class T>
double tolerance() {
  return std::is_same_v<T, float> ? 1e-5 : 1e-12;
}

/// Applies three steps of `opt` to the six-element variable, returning variable and slots.
template <class T, class Opt>
auto run_tensor(const Opt& opt) {
  vec6<T> var, grad;
  set(var.view(), var0);
  auto slots = opt.template make_slots<T, sf::shape<2, 3>, sf::host>(var.dims());
  for (std::int64_t step = 0; step < 3; ++step) {
    set(grad.view(), grads[static_cast<std::size_t>(step)]);
    opt.apply(var.view(), grad.view(), slots, step);
  }
  return std::pair{std::move(var), std::move(slots)};
}

template <class T>
void check_close(const sf::tensor_view<T, sf::shape<2, 3>>& got, const std::vector<double>& want) {
  for (std::size_t i = 0; i < want.size(); ++i) {
    INFO("element " << i);
    CHECK(static_cast<double>(got.data()[i]) == Approx(want[i]).margin(tolerance<T>()).epsilon(tolerance<T>()));
  }
}

}  // namespace

// ---- gradient descent ------------------------------------------------------------------------

TEST_CASE("gradient_descent: var -= lr * g", "[train][optimizer]") {
  // 1 - 3 * (0.1 * 0.5) = 0.85
  CHECK(run_scalar<double>(sf::train::gradient_descent(0.1), 1.0, 0.5, 3) == Approx(0.85));
  CHECK(run_scalar<float>(sf::train::gradient_descent(0.1), 1.0, 0.5, 3) == Approx(0.85f));
  // The rate comes from the schedule at each step: 0 - (1 + 0.5 + 0.25) * 1 = -1.75.
  const sf::train::gradient_descent stepped(sf::train::piecewise_constant({0, 1}, {1.0, 0.5, 0.25}));
  CHECK(run_scalar<double>(stepped, 0.0, 1.0, 3) == Approx(-1.75));
  CHECK(std::string(sf::train::gradient_descent::name) == "GradientDescent");
}

TEMPLATE_TEST_CASE("gradient_descent matches the scalar reference", "[train][optimizer]", float, double) {
  const double lr = 0.1;
  std::vector<double> want = var0;
  for (const auto& g : grads)
    for (std::size_t i = 0; i < want.size(); ++i) want[i] -= lr * g[i];
  auto [var, slots] = run_tensor<TestType>(sf::train::gradient_descent(lr));
  check_close<TestType>(var, want);
}

// ---- momentum --------------------------------------------------------------------------------

TEST_CASE("momentum: hand-worked steps, plain and Nesterov", "[train][optimizer]") {
  // lr 0.1, momentum 0.9, g = 1: accum = 1, 1.9, 2.71; var = 1 - 0.1 - 0.19 - 0.271 = 0.439.
  CHECK(run_scalar<double>(sf::train::momentum(0.1, 0.9), 1.0, 1.0, 3) == Approx(0.439));
  CHECK(run_scalar<float>(sf::train::momentum(0.1, 0.9), 1.0, 1.0, 3) == Approx(0.439f));
  // Nesterov: var -= 0.1 * 1 + 0.1 * 0.9 * accum: 0.19, 0.271, 0.3439 -> 1 - 0.8049 = 0.1951.
  CHECK(run_scalar<double>(sf::train::momentum(0.1, 0.9, true), 1.0, 1.0, 3) == Approx(0.1951));
  CHECK(run_scalar<float>(sf::train::momentum(0.1, 0.9, true), 1.0, 1.0, 3) == Approx(0.1951f));
}

TEMPLATE_TEST_CASE("momentum matches the scalar reference", "[train][optimizer]", float, double) {
  const double lr = 0.05, mu = 0.8;
  for (const bool nesterov : {false, true}) {
    INFO("nesterov " << nesterov);
    std::vector<double> want = var0, accum(6, 0.0);
    for (const auto& g : grads)
      for (std::size_t i = 0; i < want.size(); ++i) {
        accum[i] = accum[i] * mu + g[i];
        want[i] -= nesterov ? lr * g[i] + lr * mu * accum[i] : lr * accum[i];
      }
    auto [var, slots] = run_tensor<TestType>(sf::train::momentum(lr, mu, nesterov));
    check_close<TestType>(var, want);
    check_close<TestType>(slots.accum, accum);
  }
}

// ---- Adagrad ---------------------------------------------------------------------------------

TEST_CASE("adagrad: accumulator starts at 0.1", "[train][optimizer]") {
  // lr 0.1, g = 1: accum = 1.1, 2.1, 3.1; var = 1 - 0.1 * (1/sqrt(1.1) + 1/sqrt(2.1) + 1/sqrt(3.1))
  // = 1 - 0.1 * (0.953462589 + 0.690065559 + 0.567961834) = 0.778851002.
  CHECK(run_scalar<double>(sf::train::adagrad(0.1), 1.0, 1.0, 3) == Approx(0.7788510017).epsilon(1e-9));
  CHECK(run_scalar<float>(sf::train::adagrad(0.1), 1.0, 1.0, 3) == Approx(0.7788510017).epsilon(1e-6));
  // With accumulator 3 and g = 1: accum 4, var = 2 - 0.5 * 1 / 2 = 1.75.
  CHECK(run_scalar<double>(sf::train::adagrad(0.5, 3.0), 2.0, 1.0, 1) == Approx(1.75));

  const sf::train::adagrad opt(0.1);
  const auto s = opt.make_slots<double, sf::shape<2, 3>, sf::host>({2, 3});
  for (std::size_t i = 0; i < 6; ++i) CHECK(s.accum.data()[i] == 0.1);
}

TEMPLATE_TEST_CASE("adagrad matches the scalar reference", "[train][optimizer]", float, double) {
  const double lr = 0.2, init = 0.3;
  std::vector<double> want = var0, accum(6, init);
  for (const auto& g : grads)
    for (std::size_t i = 0; i < want.size(); ++i) {
      accum[i] += g[i] * g[i];
      want[i] -= lr * g[i] / std::sqrt(accum[i]);
    }
  auto [var, slots] = run_tensor<TestType>(sf::train::adagrad(lr, init));
  check_close<TestType>(var, want);
  check_close<TestType>(slots.accum, accum);
}

// ---- RMSProp ---------------------------------------------------------------------------------

TEST_CASE("rmsprop: mean square starts at one, epsilon inside the root", "[train][optimizer]") {
  // lr 0.01, decay 0.9, g = 0.5: ms = 0.9 + 0.1 * 0.25 = 0.925, 0.8575, 0.79675;
  // var = 1 - 0.005 * (1/sqrt(0.925) + 1/sqrt(0.8575) + 1/sqrt(0.79675))
  //     = 1 - 0.005 * (1.039750 + 1.079898 + 1.120319) = 0.98380020.
  CHECK(run_scalar<double>(sf::train::rmsprop(0.01), 1.0, 0.5, 1) == Approx(0.9948012476).epsilon(1e-10));
  CHECK(run_scalar<double>(sf::train::rmsprop(0.01), 1.0, 0.5, 3) == Approx(0.9838001954).epsilon(1e-10));
  CHECK(run_scalar<float>(sf::train::rmsprop(0.01), 1.0, 0.5, 3) == Approx(0.9838001954).epsilon(1e-6));

  // Centered with momentum 0.5: mg = 0.05, 0.095, 0.1355;
  // mom_1 = 0.005 / sqrt(0.925 - 0.0025)               = 0.00520579206
  // mom_2 = 0.5 * mom_1 + 0.005 / sqrt(0.8575 - 0.009025) = 0.00803102902
  // mom_3 = 0.5 * mom_2 + 0.005 / sqrt(0.79675 - 0.01836025) = 0.00968275249
  // var = 1 - (mom_1 + mom_2 + mom_3) = 0.97708042643.
  const sf::train::rmsprop centered(0.01, 0.9, 0.5, 1e-10, true);
  CHECK(run_scalar<double>(centered, 1.0, 0.5, 3) == Approx(0.97708042643).epsilon(1e-10));
  CHECK(run_scalar<float>(centered, 1.0, 0.5, 3) == Approx(0.97708042643).epsilon(1e-6));

  const auto s = sf::train::rmsprop(0.01).make_slots<float, sf::shape<3>, sf::host>({3});
  for (std::size_t i = 0; i < 3; ++i) CHECK((s.ms.data()[i] == 1.0f && s.mom.data()[i] == 0.0f));
}

TEMPLATE_TEST_CASE("rmsprop matches the scalar reference", "[train][optimizer]", float, double) {
  const double lr = 0.01, decay = 0.8, mu = 0.3, eps = 1e-6;
  for (const bool centered : {false, true}) {
    INFO("centered " << centered);
    std::vector<double> want = var0, ms(6, 1.0), mom(6, 0.0), mg(6, 0.0);
    for (const auto& g : grads)
      for (std::size_t i = 0; i < want.size(); ++i) {
        ms[i] = decay * ms[i] + (1 - decay) * g[i] * g[i];
        mg[i] = decay * mg[i] + (1 - decay) * g[i];
        const double denom = centered ? ms[i] - mg[i] * mg[i] + eps : ms[i] + eps;
        mom[i] = mu * mom[i] + lr * g[i] / std::sqrt(denom);
        want[i] -= mom[i];
      }
    auto [var, slots] = run_tensor<TestType>(sf::train::rmsprop(lr, decay, mu, eps, centered));
    check_close<TestType>(var, want);
    check_close<TestType>(slots.ms, ms);
    check_close<TestType>(slots.mom, mom);
    if (centered) check_close<TestType>(slots.mg, mg);
  }
}

// ---- Adam ------------------------------------------------------------------------------------

TEST_CASE("adam: bias-corrected rate, epsilon after the root", "[train][optimizer]") {
  // var 1, g 0.1, lr 0.001. Step 1: m = 0.01, v = 1e-5, lr_t = 0.001 * sqrt(0.001) / 0.1;
  // update = lr_t * m / (sqrt(v) + 1e-8) = 0.001 / (1 + 1e-8 / sqrt(1e-5)) = 0.001 / (1 + 3.16227766e-6)
  //        = 0.000999996837732 -> var = 0.999000003162268.
  const sf::train::adam opt;  // TF defaults: lr 0.001, 0.9, 0.999, 1e-8
  CHECK(run_scalar<double>(opt, 1.0, 0.1, 1) == Approx(0.999000003162268).epsilon(1e-13));
  // A constant g makes m = (1 - b1^t) g and v = (1 - b2^t) g^2, so every update is
  // lr / (1 + eps / (g * sqrt(1 - b2^t))): after three steps var = 1 - sum of these.
  double want = 1.0;
  for (int t = 1; t <= 3; ++t) want -= 0.001 / (1.0 + 1e-8 / (0.1 * std::sqrt(1.0 - std::pow(0.999, t))));
  CHECK(want == Approx(0.9970000072255).epsilon(1e-12));
  CHECK(run_scalar<double>(opt, 1.0, 0.1, 3) == Approx(want).epsilon(1e-13));
  CHECK(run_scalar<float>(opt, 1.0, 0.1, 3) == Approx(0.997).epsilon(1e-6));
  CHECK(opt.corrected_learning_rate(0, 0) == Approx(0.001 * std::sqrt(0.001) / 0.1));
}

TEST_CASE("adam counts its own updates: the bias correction advances without a global step", "[train][optimizer]") {
  // As TF's beta1_power / beta2_power: minimize(loss) with no global_step still takes t = 1, 2, 3.
  // loss = sum(w) (g = 1 every step), lr 0.1, b1 0.5, b2 0.5, eps 1e-8: m = v = 1 - 0.5^t, so
  // each update is lr_t * m / sqrt(v) = 0.1 * sqrt(1 - 0.5^t) / (1 - 0.5^t) * (1 - 0.5^t) / sqrt(1 - 0.5^t) = 0.1.
  // (With t stuck at 1 the second update would be 0.1 * sqrt(0.5) / 0.5 * 0.75 / sqrt(0.75) = 0.1225.)
  sf::graph g;
  auto guard = g.as_default();
  auto w = sf::variable<double, sf::shape<2>>("w", sf::init::values({1.0, -1.0}));
  auto step = sf::train::adam(0.1, 0.5, 0.5, 1e-8).minimize(sf::reduce_sum(w));
  sf::session<> sess(g);
  sess.run(sf::global_variables_initializer());
  for (int t = 1; t <= 3; ++t) {
    sess.run(step);
    const auto v = sess.value(w);
    CHECK(v(0) == Approx(1.0 - 0.1 * t).epsilon(1e-7));
    CHECK(v(1) == Approx(-1.0 - 0.1 * t).epsilon(1e-7));
  }
}

TEMPLATE_TEST_CASE("adam matches the scalar reference", "[train][optimizer]", float, double) {
  const double lr = 0.01, b1 = 0.8, b2 = 0.95, eps = 1e-4;
  std::vector<double> want = var0, m(6, 0.0), v(6, 0.0);
  int t = 0;
  for (const auto& g : grads) {
    ++t;
    const double lr_t = lr * std::sqrt(1 - std::pow(b2, t)) / (1 - std::pow(b1, t));
    for (std::size_t i = 0; i < want.size(); ++i) {
      m[i] = b1 * m[i] + (1 - b1) * g[i];
      v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
      want[i] -= lr_t * m[i] / (std::sqrt(v[i]) + eps);
    }
  }
  auto [var, slots] = run_tensor<TestType>(sf::train::adam(lr, b1, b2, eps));
  check_close<TestType>(var, want);
  check_close<TestType>(slots.m, m);
  check_close<TestType>(slots.v, v);
}

TEST_CASE("adam with a schedule takes the rate at the step before the update", "[train][optimizer]") {
  // Rate 0 at step 0 leaves the variable alone (while the moments still move); rate 1 at step 1.
  const sf::train::adam opt(sf::train::piecewise_constant({0}, {0.0, 1.0}), 0.5, 0.5, 1e-8);
  sf::tensor<double, sf::shape<1>> var, grad;
  var.data()[0] = 0.0;
  grad.data()[0] = 1.0;
  auto s = opt.make_slots<double, sf::shape<1>, sf::host>(var.dims());
  opt.apply(var.view(), grad.view(), s, 0);
  CHECK(var.data()[0] == 0.0);
  CHECK(s.m.data()[0] == 0.5);
  // Step 2 (t = 2): m = 0.75, v = 0.75, lr_t = sqrt(0.75) / 0.75; update = 1 / (1 + 1e-8 / sqrt(0.75)).
  opt.apply(var.view(), grad.view(), s, 1);
  CHECK(var.data()[0] == Approx(-1.0 / (1.0 + 1e-8 / std::sqrt(0.75))).epsilon(1e-14));
}

// ---- Adadelta --------------------------------------------------------------------------------

TEST_CASE("adadelta: hand-worked steps of TF's ApplyAdadelta", "[train][optimizer]") {
  // lr 1, rho 0.5, eps 0.25, g = 1, both slots at 0:
  // 1: accum = 0.5;  update = sqrt(0 + 0.25) / sqrt(0.5 + 0.25) = 1/sqrt(3) = 0.577350269;
  //    accum_update = 0.5 * 1/3 = 1/6;                       var = 1 - 0.577350269 = 0.422649731
  // 2: accum = 0.75; update = sqrt(1/6 + 1/4) / sqrt(1) = sqrt(5/12) = 0.645497224;
  //    accum_update = 1/12 + 0.5 * 5/12 = 7/24;               var = -0.222847494
  // 3: accum = 0.875; update = sqrt(7/24 + 6/24) / sqrt(1.125) = 0.693888666; var = -0.916736160
  const sf::train::adadelta opt(1.0, 0.5, 0.25);
  CHECK(run_scalar<double>(opt, 1.0, 1.0, 1) == Approx(1.0 - 1.0 / std::sqrt(3.0)).epsilon(1e-12));
  CHECK(run_scalar<double>(opt, 1.0, 1.0, 2) == Approx(1.0 - 1.0 / std::sqrt(3.0) - std::sqrt(5.0 / 12)).epsilon(1e-12));
  CHECK(run_scalar<double>(opt, 1.0, 1.0, 3) == Approx(-0.9167361600).epsilon(1e-9));
  CHECK(run_scalar<float>(opt, 1.0, 1.0, 3) == Approx(-0.9167361600).epsilon(1e-6));

  sf::tensor<double, sf::shape<1>> var, grad;
  var.data()[0] = 1.0, grad.data()[0] = 1.0;
  auto s = opt.make_slots<double, sf::shape<1>, sf::host>(var.dims());
  CHECK((s.accum.data()[0] == 0.0 && s.accum_update.data()[0] == 0.0));
  for (int step = 0; step < 2; ++step) opt.apply(var.view(), grad.view(), s, step);
  CHECK(s.accum.data()[0] == Approx(0.75));
  CHECK(s.accum_update.data()[0] == Approx(7.0 / 24).epsilon(1e-12));

  // TF's defaults (lr 0.001, rho 0.95, eps 1e-8), g = 0.1: accum = 0.05 * 0.01 = 5e-4,
  // update = sqrt(1e-8) / sqrt(5e-4 + 1e-8) * 0.1 = 4.47209123e-4, var = 1 - 4.47209123e-7.
  const sf::train::adadelta defaults;
  CHECK(defaults.rho() == 0.95);
  CHECK(defaults.epsilon() == 1e-8);
  CHECK(run_scalar<double>(defaults, 1.0, 0.1, 1) == Approx(1.0 - 4.4720912343e-7).epsilon(1e-14));
}

TEMPLATE_TEST_CASE("adadelta matches the scalar reference", "[train][optimizer]", float, double) {
  const double lr = 0.5, rho = 0.9, eps = 1e-3;
  std::vector<double> want = var0, accum(6, 0.0), accum_update(6, 0.0);
  for (const auto& g : grads)
    for (std::size_t i = 0; i < want.size(); ++i) {
      accum[i] = rho * accum[i] + (1 - rho) * g[i] * g[i];
      const double update = std::sqrt(accum_update[i] + eps) / std::sqrt(accum[i] + eps) * g[i];
      want[i] -= lr * update;
      accum_update[i] = rho * accum_update[i] + (1 - rho) * update * update;
    }
  auto [var, slots] = run_tensor<TestType>(sf::train::adadelta(lr, rho, eps));
  check_close<TestType>(var, want);
  check_close<TestType>(slots.accum, accum);
  check_close<TestType>(slots.accum_update, accum_update);
}

// ---- FTRL and the proximal optimisers: TF's own test cases -----------------------------------

namespace {

/// Runs `steps` updates of two two-element variables with constant gradients (0.1, 0.2) and
/// (0.01, 0.02), the set-up of TF's ftrl_test.py / proximal_adagrad_test.py, and returns both.
template <class T, class Opt>
std::pair<std::vector<double>, std::vector<double>> run_tf_case(const Opt& opt, std::vector<double> v0,
                                                                std::vector<double> v1, int steps) {
  std::vector<double> out[2];
  const std::vector<double> g[2] = {{0.1, 0.2}, {0.01, 0.02}};
  const std::vector<double>* init[2] = {&v0, &v1};
  for (int k = 0; k < 2; ++k) {
    sf::tensor<T, sf::shape<2>> var, grad;
    set(var.view(), *init[k]);
    set(grad.view(), g[k]);
    auto s = opt.template make_slots<T, sf::shape<2>, sf::host>(var.dims());
    for (int step = 0; step < steps; ++step) opt.apply(var.view(), grad.view(), s, step);
    out[k] = {double(var.data()[0]), double(var.data()[1])};
  }
  return {out[0], out[1]};
}

/// TF's published expectations are float32 results: compare to 2e-6 relative, or to `margin`
/// where TF's test prints only six decimals.
void check_tf(const std::vector<double>& got, const std::vector<double>& want, double margin = 0) {
  REQUIRE(got.size() == want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    INFO("element " << i);
    CHECK(got[i] == Approx(want[i]).epsilon(2e-6).margin(margin));
  }
}

}  // namespace

TEMPLATE_TEST_CASE("ftrl reproduces the expectations of TF's ftrl_test.py", "[train][optimizer]", float, double) {
  // lr 3, learning_rate_power -0.5, initial accumulator 0.1 throughout.
  SECTION("no regularisation, from zero (testFtrlwithoutRegularization, 3 steps)") {
    const auto [a, b] = run_tf_case<TestType>(sf::train::ftrl(3.0), {0, 0}, {0, 0}, 3);
    check_tf(a, {-2.60260963, -4.29698515});
    check_tf(b, {-0.28432083, -0.56694895});
  }
  SECTION("no regularisation, from (1, 2) and (4, 3) (testFtrlwithoutRegularization2, 3 steps)") {
    const auto [a, b] = run_tf_case<TestType>(sf::train::ftrl(3.0), {1, 2}, {4, 3}, 3);
    check_tf(a, {-2.55607247, -3.98729396});
    check_tf(b, {-0.28232238, -0.56096673});
  }
  SECTION("l1 0.001 (testFtrlWithL1, 10 steps)") {
    const auto [a, b] = run_tf_case<TestType>(sf::train::ftrl(3.0, -0.5, 0.1, 0.001), {1, 2}, {4, 3}, 10);
    check_tf(a, {-7.66718769, -10.91273689});
    check_tf(b, {-0.93460727, -1.86147261});
  }
  SECTION("l1 0.001, l2 2 (testFtrlWithL1_L2, 10 steps)") {
    const auto [a, b] = run_tf_case<TestType>(sf::train::ftrl(3.0, -0.5, 0.1, 0.001, 2.0), {1, 2}, {4, 3}, 10);
    check_tf(a, {-0.24059935, -0.46829352});
    check_tf(b, {-0.02406147, -0.04830509});
  }
  SECTION("l1 0.001, l2 2, l2 shrinkage 0.1 (testFtrlWithL1_L2_L2Shrinkage, 10 steps)") {
    const auto [a, b] =
        run_tf_case<TestType>(sf::train::ftrl(3.0, -0.5, 0.1, 0.001, 2.0, 0.1), {1, 2}, {4, 3}, 10);
    check_tf(a, {-0.22578995, -0.44345796});
    check_tf(b, {-0.14378493, -0.13229476});
  }
}

TEST_CASE("ftrl: hand-worked steps, and l1 holding a weight at exactly 0", "[train][optimizer]") {
  // lr 1, var 1, g 0.5, accum 0.1:
  // 1: new_accum = 0.35; linear = 0.5 - (sqrt(0.35) - sqrt(0.1)) * 1 = 0.5 - 0.275380 = 0.224620;
  //    var = -linear / sqrt(0.35) = -0.224620 / 0.591608 = -0.379676739
  // 2: new_accum = 0.6; linear = 0.224620 + 0.5 + (sqrt(0.6) - sqrt(0.35)) * 0.379677 = 0.794096;
  //    var = -0.794096 / sqrt(0.6) = -1.025173963
  const sf::train::ftrl opt(1.0);
  CHECK(run_scalar<double>(opt, 1.0, 0.5, 1) == Approx(-0.3796767386).epsilon(1e-9));
  CHECK(run_scalar<double>(opt, 1.0, 0.5, 2) == Approx(-1.0251739629).epsilon(1e-9));
  CHECK(run_scalar<float>(opt, 1.0, 0.5, 2) == Approx(-1.0251739629).epsilon(1e-6));
  // With l1 = 10 > |linear| (0.2246, then 0.7246) the weight is exactly 0 after each step.
  const sf::train::ftrl sparse(1.0, -0.5, 0.1, 10.0);
  CHECK(run_scalar<double>(sparse, 1.0, 0.5, 1) == 0.0);
  CHECK(run_scalar<double>(sparse, 1.0, 0.5, 2) == 0.0);
  CHECK(run_scalar<float>(sparse, 1.0, 0.5, 2) == 0.0f);

  sf::tensor<double, sf::shape<1>> var, grad;
  var.data()[0] = 1.0, grad.data()[0] = 0.5;
  auto s = sparse.make_slots<double, sf::shape<1>, sf::host>(var.dims());
  CHECK((s.accum.data()[0] == 0.1 && s.linear.data()[0] == 0.0));
  sparse.apply(var.view(), grad.view(), s, 0);
  CHECK(s.accum.data()[0] == Approx(0.35));
  CHECK(s.linear.data()[0] == Approx(0.5 - (std::sqrt(0.35) - std::sqrt(0.1))).epsilon(1e-12));
}

TEMPLATE_TEST_CASE("ftrl matches the scalar reference, square-root and general power", "[train][optimizer]", float,
                   double) {
  const double lr = 0.7, l1 = 0.05, l2 = 0.3, shrink = 0.2, init = 0.2;
  for (const double power : {-0.5, -0.3}) {
    INFO("learning_rate_power " << power);
    std::vector<double> want = var0, accum(6, init), linear(6, 0.0);
    for (const auto& g : grads)
      for (std::size_t i = 0; i < want.size(); ++i) {
        const double g_shrunk = g[i] + 2 * shrink * want[i];
        const double a_new = accum[i] + g[i] * g[i];
        linear[i] += g_shrunk - (std::pow(a_new, -power) - std::pow(accum[i], -power)) / lr * want[i];
        const double sgn = linear[i] > 0 ? 1.0 : -1.0;
        want[i] = std::abs(linear[i]) > l1 ? (l1 * sgn - linear[i]) / (std::pow(a_new, -power) / lr + 2 * l2) : 0.0;
        accum[i] = a_new;
      }
    auto [var, slots] = run_tensor<TestType>(sf::train::ftrl(lr, power, init, l1, l2, shrink));
    check_close<TestType>(var, want);
    check_close<TestType>(slots.accum, accum);
    check_close<TestType>(slots.linear, linear);
  }
}

TEMPLATE_TEST_CASE("proximal_adagrad reproduces TF's proximal_adagrad_test.py", "[train][optimizer]", float, double) {
  SECTION("no regularisation (testProximalAdagradwithoutRegularization, lr 3, 3 steps)") {
    const auto [a, b] = run_tf_case<TestType>(sf::train::proximal_adagrad(3.0), {0, 0}, {0, 0}, 3);
    check_tf(a, {-2.60260963, -4.29698515});
    check_tf(b, {-0.28432083, -0.56694895});
  }
  SECTION("l1 0.001 (testProximalAdagradWithL1, lr 3, 10 steps)") {
    const auto [a, b] = run_tf_case<TestType>(sf::train::proximal_adagrad(3.0, 0.1, 0.001), {1, 2}, {4, 3}, 10);
    check_tf(a, {-6.663634, -9.190331});
    check_tf(b, {2.959304, 1.029232});
  }
  SECTION("l1 0.001, l2 2 (testProximalAdagradWithL1_L2, lr 3, 10 steps)") {
    const auto [a, b] = run_tf_case<TestType>(sf::train::proximal_adagrad(3.0, 0.1, 0.001, 2.0), {1, 2}, {4, 3}, 10);
    check_tf(a, {-0.0495, -0.0995});
    check_tf(b, {-0.0045, -0.0095});
  }
}

TEST_CASE("proximal_adagrad: hand-worked steps, l1 driving the weight to exactly 0", "[train][optimizer]") {
  // lr 0.5, accum 3, l1 1, var 1, g 1:
  // 1: accum 4, rate 0.25; v = 0.75; var = max(0.75 - 0.25, 0) = 0.5
  // 2: accum 5, rate 0.5/sqrt(5) = 0.2236068; v = 0.2763932; var = 0.2763932 - 0.2236068 = 0.0527864
  // 3: accum 6, rate 0.2041241; v = -0.1513377; |v| < rate, so var = 0 exactly.
  const sf::train::proximal_adagrad opt(0.5, 3.0, 1.0);
  CHECK(run_scalar<double>(opt, 1.0, 1.0, 1) == Approx(0.5));
  CHECK(run_scalar<double>(opt, 1.0, 1.0, 2) == Approx(1.0 - 2 * 0.5 / std::sqrt(5.0) - 0.25 - 0.25).epsilon(1e-12));
  CHECK(run_scalar<double>(opt, 1.0, 1.0, 2) == Approx(0.0527864045).epsilon(1e-9));
  CHECK(run_scalar<double>(opt, 1.0, 1.0, 3) == 0.0);
  CHECK(run_scalar<float>(opt, 1.0, 1.0, 3) == 0.0f);
  // l2 only: var 1, g 0, accum 1: var = 1 / (1 + 0.5 * 2) = 0.5 each step -> 0.125 after 3.
  CHECK(run_scalar<double>(sf::train::proximal_adagrad(0.5, 1.0, 0.0, 2.0), 1.0, 0.0, 3) == Approx(0.125));
}

TEMPLATE_TEST_CASE("proximal_adagrad matches the scalar reference", "[train][optimizer]", float, double) {
  const double lr = 0.3, init = 0.2, l1 = 0.1, l2 = 0.4;
  std::vector<double> want = var0, accum(6, init);
  for (const auto& g : grads)
    for (std::size_t i = 0; i < want.size(); ++i) {
      accum[i] += g[i] * g[i];
      const double rate = lr / std::sqrt(accum[i]);
      const double v = want[i] - rate * g[i];
      want[i] = (v > 0 ? 1.0 : v < 0 ? -1.0 : 0.0) * std::max(std::abs(v) - rate * l1, 0.0) / (1 + rate * l2);
    }
  auto [var, slots] = run_tensor<TestType>(sf::train::proximal_adagrad(lr, init, l1, l2));
  check_close<TestType>(var, want);
  check_close<TestType>(slots.accum, accum);
}

TEMPLATE_TEST_CASE("proximal_gradient_descent: TF's case and hand-worked shrinkage", "[train][optimizer]", float,
                   double) {
  // testProximalGradientDescentwithoutRegularization: lr 3, 3 steps from 0: -3 * 3 * g.
  const auto [a, b] = run_tf_case<TestType>(sf::train::proximal_gradient_descent(3.0), {0, 0}, {0, 0}, 3);
  check_tf(a, {-0.9, -1.8});
  check_tf(b, {-0.09, -0.18});
  // lr 0.1, l1 2 (lr * l1 = 0.2), var 0.5, g 1: v = 0.4 -> 0.2; v = 0.1 -> 0 exactly; v = -0.1 -> 0 again.
  const sf::train::proximal_gradient_descent sparse(0.1, 2.0);
  CHECK(run_scalar<TestType>(sparse, 0.5, 1.0, 1) == Approx(0.2));
  CHECK(run_scalar<TestType>(sparse, 0.5, 1.0, 2) == TestType(0));
  CHECK(run_scalar<TestType>(sparse, 0.5, 1.0, 3) == TestType(0));
  // l2 1, lr 0.5, g 0: var / 1.5 each step -> (2/3)^3 = 8/27.
  CHECK(run_scalar<TestType>(sf::train::proximal_gradient_descent(0.5, 0.0, 1.0), 1.0, 0.0, 3) == Approx(8.0 / 27));
  // Both, lr 0.5, l1 0.2, l2 1, var 1, g 1: v = 0.5 -> (0.5 - 0.1) / 1.5 = 0.266667;
  // v = 0.266667 - 0.5 = -0.233333 -> -(0.233333 - 0.1) / 1.5 = -0.0888889.
  CHECK(run_scalar<TestType>(sf::train::proximal_gradient_descent(0.5, 0.2, 1.0), 1.0, 1.0, 2) ==
        Approx(-0.08888888889).epsilon(1e-6));
}

TEMPLATE_TEST_CASE("adagrad_da reproduces TF's adagrad_da_test.py (lr 3, accumulator 0.1, one step)",
                   "[train][optimizer]", float, double) {
  // TF's expectations have six decimals, hence the 1e-6 margin.
  SECTION("no regularisation (testAdagradDAWithoutRegularizationBasic1)") {
    const auto [a, b] = run_tf_case<TestType>(sf::train::adagrad_da(3.0), {0, 0}, {0, 0}, 1);
    check_tf(a, {-0.904534, -1.603567}, 1e-6);
    check_tf(b, {-0.094821, -0.189358}, 1e-6);
  }
  SECTION("l1 0.001 (testAdagradDAWithL1)") {
    const auto [a, b] = run_tf_case<TestType>(sf::train::adagrad_da(3.0, 0.1, 0.001), {1, 2}, {4, 3}, 1);
    check_tf(a, {-0.895489, -1.59555}, 1e-6);
    check_tf(b, {-0.085339, -0.17989}, 1e-6);
  }
  SECTION("l1 0.001, l2 2 (testAdagradDAWithL1_L2)") {
    const auto [a, b] = run_tf_case<TestType>(sf::train::adagrad_da(3.0, 0.1, 0.001, 2.0), {1, 2}, {4, 3}, 1);
    check_tf(a, {-0.046907, -0.093659}, 1e-6);
    check_tf(b, {-0.004275, -0.009023}, 1e-6);
  }
}

TEST_CASE("adagrad_da: hand-worked steps; t is the global step plus one", "[train][optimizer]") {
  // lr 0.5, gg starting at 3, l2 1, g 1 (steps 0, 1, 2 -> t = 1, 2, 3):
  // 1: g_acc 1, gg 4: var = -0.5 * 1 / (1 * 1 * 0.5 + 2)          = -0.2
  // 2: g_acc 2, gg 5: var = -0.5 * 2 / (1 * 2 * 0.5 + sqrt(5))    = -0.309016994
  // 3: g_acc 3, gg 6: var = -0.5 * 3 / (1 * 3 * 0.5 + sqrt(6))    = -0.379795897
  const sf::train::adagrad_da opt(0.5, 3.0, 0.0, 1.0);
  CHECK(run_scalar<double>(opt, 5.0, 1.0, 1) == Approx(-0.2));
  CHECK(run_scalar<double>(opt, 5.0, 1.0, 2) == Approx(-1.0 / (1.0 + std::sqrt(5.0))).epsilon(1e-12));
  CHECK(run_scalar<double>(opt, 5.0, 1.0, 3) == Approx(-0.3797958971).epsilon(1e-9));
  CHECK(run_scalar<float>(opt, 5.0, 1.0, 3) == Approx(-0.3797958971).epsilon(1e-6));
  // l1 1.2 > |g_acc| = 1 at t = 1: the weight is exactly 0 whatever its previous value.
  CHECK(run_scalar<double>(sf::train::adagrad_da(0.5, 3.0, 1.2), 5.0, 1.0, 1) == 0.0);
  // With g = 2: var = -0.5 * (2 - 1.2) / sqrt(3 + 4) = -0.151185789.
  CHECK(run_scalar<double>(sf::train::adagrad_da(0.5, 3.0, 1.2), 5.0, 2.0, 1) == Approx(-0.4 / std::sqrt(7.0)));
  // At global step 4 (t = 5), l1 0.1: var = -0.5 * (1 - 0.5) / sqrt(4) = -0.125 (t = 4 would give -0.15).
  const sf::train::adagrad_da l1(0.5, 3.0, 0.1);
  sf::tensor<double, sf::shape<1>> var, grad;
  var.data()[0] = 5.0, grad.data()[0] = 1.0;
  auto s = l1.make_slots<double, sf::shape<1>, sf::host>(var.dims());
  CHECK((s.gradient_accumulator.data()[0] == 0.0 && s.gradient_squared_accumulator.data()[0] == 3.0));
  l1.apply(var.view(), grad.view(), s, 4);
  CHECK(var.data()[0] == Approx(-0.125));
  CHECK(s.gradient_accumulator.data()[0] == 1.0);
  CHECK(s.gradient_squared_accumulator.data()[0] == 4.0);
}

TEST_CASE("the new optimisers train through minimize in a session", "[train][optimizer]") {
  // loss = sum(w^2) / 2 has gradient w; proximal gradient descent with lr 0.5, l1 1:
  // w = (3, -0.2): v = 1.5, -0.1 -> sign(v) * max(|v| - 0.5, 0) = 1, 0.
  sf::graph g;
  auto guard = g.as_default();
  auto w = sf::variable<double, sf::shape<2>>("w", sf::init::values({3.0, -0.2}));
  auto loss = sf::reduce_sum(sf::square(w)) * 0.5;
  auto pgd = sf::train::proximal_gradient_descent(0.5, 1.0).minimize(loss);
  auto delta = sf::train::adadelta(1.0, 0.5, 0.25).minimize(loss);
  auto ftrl = sf::train::ftrl(1.0).minimize(loss);
  sf::session<> sess(g);
  sess.run(sf::global_variables_initializer());
  sess.run(pgd);
  auto v = sess.value(w);
  CHECK(v(0) == Approx(1.0));
  CHECK(v(1) == 0.0);
  // Adadelta from (1, 0) with g = w: update(0) = 1/sqrt(3) as in the hand-worked case, update(1) = 0.
  sess.run(delta);
  v = sess.value(w);
  CHECK(v(0) == Approx(1.0 - 1.0 / std::sqrt(3.0)));
  CHECK(v(1) == 0.0);
  // FTRL from (x, 0), g = (x, 0), accum 0.1: linear = x - (sqrt(0.1 + x^2) - sqrt(0.1)) * x;
  // var = -linear / sqrt(0.1 + x^2); the zero stays at 0.
  const double x = 1.0 - 1.0 / std::sqrt(3.0);
  const double lin = x - (std::sqrt(0.1 + x * x) - std::sqrt(0.1)) * x;
  sess.run(ftrl);
  v = sess.value(w);
  CHECK(v(0) == Approx(-lin / std::sqrt(0.1 + x * x)).epsilon(1e-12));
  CHECK(v(1) == 0.0);
}

TEST_CASE("adagrad_da in a session takes t from the global step", "[train][optimizer]") {
  // loss = sum(w): g = 1 every step; with global_step 0, 1, 2 the hand-worked values above.
  sf::graph g;
  auto guard = g.as_default();
  auto w = sf::variable<double, sf::shape<1>>("w", sf::init::values({5.0}));
  auto gs = sf::variable<std::int64_t, sf::shape<>>("global_step", sf::init::zeros(), false);
  auto step = sf::train::adagrad_da(0.5, 3.0, 0.0, 1.0).minimize(sf::reduce_sum(w), gs);
  sf::session<> sess(g);
  sess.run(sf::global_variables_initializer());
  const double want[] = {-0.2, -1.0 / (1.0 + std::sqrt(5.0)), -1.5 / (1.5 + std::sqrt(6.0))};
  for (double v : want) {
    sess.run(step);
    CHECK(sess.value(w)(0) == Approx(v).epsilon(1e-12));
  }
}

// ---- shapes and validation -------------------------------------------------------------------

TEST_CASE("optimisers work on dynamic shapes and reject mismatched extents", "[train][optimizer]") {
  using dyn_vec = sf::tensor<float, sf::shape<sf::dyn>>;
  const sf::train::momentum opt(0.5, 0.5);
  dyn_vec var(4), grad(4), short_grad(3);
  for (std::size_t i = 0; i < 4; ++i) var.data()[i] = 1.0f, grad.data()[i] = float(i);
  auto s = opt.make_slots<float, sf::shape<sf::dyn>, sf::host>(var.dims());
  REQUIRE(s.accum.size() == 4);
  opt.apply(var.view(), grad.view(), s, 0);
  for (std::size_t i = 0; i < 4; ++i) CHECK(var.data()[i] == Approx(1.0f - 0.5f * float(i)));

  CHECK_THROWS_AS(opt.apply(var.view(), short_grad.view(), s, 1), sf::invalid_argument);
  CHECK_THROWS_WITH(opt.apply(var.view(), short_grad.view(), s, 1),
                    Contains("Momentum") && Contains("3 elements") && Contains("4"));
  auto small = opt.make_slots<float, sf::shape<sf::dyn>, sf::host>(short_grad.dims());
  CHECK_THROWS_WITH(opt.apply(var.view(), grad.view(), small, 1), Contains("accumulator"));
}

TEST_CASE("a large variable takes the parallel path with the same result", "[train][optimizer]") {
  // 100000 elements pass the host executor's threshold for OpenMP.
  const std::size_t n = 100000;
  sf::tensor<double, sf::shape<sf::dyn>> var(n), grad(n);
  for (std::size_t i = 0; i < n; ++i) var.data()[i] = 1.0, grad.data()[i] = 0.1;
  const sf::train::adam opt;
  auto s = opt.make_slots<double, sf::shape<sf::dyn>, sf::host>(var.dims());
  for (std::int64_t step = 0; step < 3; ++step) opt.apply(var.view(), grad.view(), s, step);
  bool all = true;
  for (std::size_t i = 0; i < n; ++i) all = all && std::abs(var.data()[i] - 0.9970000072255) < 1e-12;
  CHECK(all);
}

TEST_CASE("hyper-parameters are validated at construction", "[train][optimizer]") {
  CHECK_THROWS_AS(sf::train::momentum(0.1, 1.0), sf::invalid_argument);
  CHECK_THROWS_WITH(sf::train::momentum(0.1, -0.5), Contains("Momentum") && Contains("momentum must lie in [0, 1)"));
  CHECK_THROWS_WITH(sf::train::adagrad(0.1, 0.0), Contains("Adagrad") && Contains("initial_accumulator_value"));
  CHECK_THROWS_WITH(sf::train::rmsprop(0.1, 1.5), Contains("RMSProp") && Contains("decay must lie in [0, 1]"));
  CHECK_THROWS_WITH(sf::train::rmsprop(0.1, 0.9, 1.0), Contains("RMSProp") && Contains("momentum"));
  CHECK_THROWS_WITH(sf::train::rmsprop(0.1, 0.9, 0.0, 0.0), Contains("RMSProp") && Contains("epsilon must be positive"));
  CHECK_THROWS_WITH(sf::train::adam(0.1, 1.0), Contains("Adam") && Contains("beta1"));
  CHECK_THROWS_WITH(sf::train::adam(0.1, 0.9, -0.1), Contains("Adam") && Contains("beta2"));
  CHECK_THROWS_WITH(sf::train::adam(0.1, 0.9, 0.999, -1e-8), Contains("Adam") && Contains("epsilon"));
  CHECK_THROWS_AS(sf::train::adam(0.1, 0.9, 0.999, std::nan("")), sf::invalid_argument);
  CHECK_THROWS_WITH(sf::train::adadelta(0.1, 1.5), Contains("Adadelta") && Contains("rho"));
  CHECK_THROWS_WITH(sf::train::adadelta(0.1, 0.9, 0.0), Contains("Adadelta") && Contains("epsilon"));
  CHECK_THROWS_WITH(sf::train::ftrl(0.1, 0.5), Contains("Ftrl") && Contains("learning_rate_power"));
  CHECK_THROWS_WITH(sf::train::ftrl(0.1, -0.5, -0.1), Contains("Ftrl") && Contains("initial_accumulator_value"));
  CHECK_THROWS_WITH(sf::train::ftrl(0.1, -0.5, 0.1, -1.0), Contains("Ftrl") && Contains("l1_regularization"));
  CHECK_THROWS_WITH(sf::train::ftrl(0.1, -0.5, 0.1, 0.0, -1.0), Contains("l2_regularization"));
  CHECK_THROWS_WITH(sf::train::ftrl(0.1, -0.5, 0.1, 0.0, 0.0, -1.0), Contains("l2_shrinkage"));
  CHECK_NOTHROW(sf::train::ftrl(0.1, 0.0, 0.0));  // TF accepts power 0 and a zero accumulator
  CHECK_THROWS_WITH(sf::train::proximal_adagrad(0.1, 0.0), Contains("ProximalAdagrad") && Contains("initial_accumulator"));
  CHECK_THROWS_WITH(sf::train::proximal_adagrad(0.1, 0.1, -1.0), Contains("ProximalAdagrad") && Contains("l1"));
  CHECK_THROWS_WITH(sf::train::proximal_gradient_descent(0.1, 0.0, -2.0),
                    Contains("ProximalGradientDescent") && Contains("l2"));
  CHECK_THROWS_WITH(sf::train::adagrad_da(0.1, 0.0), Contains("AdagradDA") && Contains("initial_gradient_squared"));
  CHECK_THROWS_WITH(sf::train::adagrad_da(0.1, 0.1, -1.0), Contains("AdagradDA") && Contains("l1"));
  CHECK_NOTHROW(sf::train::rmsprop(0.1, 1.0));  // decay 1 freezes the mean square; TF allows it
  CHECK_NOTHROW(sf::train::momentum(0.1, 0.0));
}
