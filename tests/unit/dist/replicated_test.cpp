// SPDX-License-Identifier: MIT
/// \file
/// \brief Tests of staticflow/dist/replicated.hpp with host replicas: every replica holds
/// identical variables after every step, and the replicas' run matches one session's at the
/// full batch (to rounding: the batch's sums are split between the replicas); a batch split
/// unevenly is weighted by rows; an error in one replica stops every replica's step.
#include <staticflow/staticflow.hpp>  // first: the host kernels

#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <limits>

#include "staticflow/dist/replicated.hpp"

namespace sf = staticflow;
namespace nn = staticflow::nn;
using Catch::Matchers::Contains;

namespace {

using mlp = nn::sequential<nn::input<12>, nn::dense<16>, nn::relu, nn::dense<5>>;

struct problem {
  sf::graph g;
  nn::model<mlp> net{g, 3};
  sf::placeholder_node<float, sf::shape<sf::dyn, 12>, "x"> x;
  sf::placeholder_node<float, sf::shape<sf::dyn, 5>, "y"> y;
  decltype(sf::reduce_mean(sf::softmax_cross_entropy_with_logits(y, net.training(x)))) loss =
      sf::reduce_mean(sf::softmax_cross_entropy_with_logits(y, net.training(x)));
  decltype(sf::train::momentum(0.1, 0.9).minimize(loss)) step = sf::train::momentum(0.1, 0.9).minimize(loss);
};

/// Batch k: rows of smooth inputs, labels the argmax of a fixed projection.
void batch(std::size_t k, std::size_t rows, sf::tensor<float, sf::shape<sf::dyn, 12>>& xs,
           sf::tensor<float, sf::shape<sf::dyn, 5>>& ys) {
  xs.resize(rows), ys.resize(rows);
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t c = 0; c < 12; ++c) xs(r, c) = std::sin(0.37f * float(r + 7 * k) + 0.61f * float(c));
    const std::size_t label = (r * 3 + k) % 5;
    for (std::size_t c = 0; c < 5; ++c) ys(r, c) = c == label ? 1.0f : 0.0f;
  }
}

std::vector<std::vector<float>> values(sf::session<>& s) {
  std::vector<std::vector<float>> out;
  auto& st = s.effective_state();
  for (const auto& v : s.get_graph().global_variables()) {
    out.emplace_back(v->bytes() / sizeof(float));
    st.download(out.back().data(), st.value_slot(*v).data, v->bytes());
  }
  return out;
}

double worst_relative(const std::vector<std::vector<float>>& a, const std::vector<std::vector<float>>& b) {
  double worst = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    double scale = 0, diff = 0;
    for (std::size_t j = 0; j < a[i].size(); ++j)
      scale = std::max(scale, double(std::abs(b[i][j]))), diff = std::max(diff, double(std::abs(a[i][j] - b[i][j])));
    worst = std::max(worst, diff / scale);
  }
  return worst;
}

}  // namespace

TEST_CASE("replicas hold identical variables and match one session at the full batch", "[dist][replicated]") {
  const std::size_t replicas = GENERATE(2, 3);
  const std::size_t rows = GENERATE(16, 10);  // 10 rows: 3, 3, 4 with three replicas (weighted by rows)
  problem one, many;
  sf::session<> alone(one.g);
  alone.run(sf::global_variables_initializer());
  sf::dist::replicated<> towers(many.g, replicas);
  towers.run(sf::global_variables_initializer());
  sf::tensor<float, sf::shape<sf::dyn, 12>> xs;
  sf::tensor<float, sf::shape<sf::dyn, 5>> ys;
  for (std::size_t k = 0; k < 20; ++k) {
    batch(k, rows, xs, ys);
    const float l1 = alone.run(one.step, sf::feed(one.x, xs), sf::feed(one.y, ys));
    const float ln = towers.run(many.step, sf::feed(many.x, xs), sf::feed(many.y, ys));
    REQUIRE(std::abs(ln - l1) <= 1e-5f * std::abs(l1));  // the loss of the whole batch
    const auto first = values(towers.replica(0));
    for (std::size_t r = 1; r < replicas; ++r) REQUIRE(values(towers.replica(r)) == first);  // bit-identical
  }
  // Summation order only: 20 momentum steps stay within 1e-5 of each variable's largest magnitude.
  CHECK(worst_relative(values(towers.replica(0)), values(alone)) < 1e-4);
}

TEST_CASE("replicated: compute_gradients is averaged and apply_gradients updates every replica", "[dist][replicated]") {
  problem p;
  const sf::train::gradient_descent sgd(0.5);
  const auto grads = sgd.compute_gradients(p.loss);
  const auto apply = sgd.apply_gradients(grads);
  sf::dist::replicated<> towers(p.g, 2);
  towers.run(sf::global_variables_initializer());
  sf::session<> alone(p.g);
  towers.replica(0);
  alone.run(sf::global_variables_initializer());
  sf::tensor<float, sf::shape<sf::dyn, 12>> xs;
  sf::tensor<float, sf::shape<sf::dyn, 5>> ys;
  batch(0, 8, xs, ys);
  const auto gv = towers.run(grads, sf::feed(p.x, xs), sf::feed(p.y, ys));
  const auto ref = alone.run(grads, sf::feed(p.x, xs), sf::feed(p.y, ys));
  REQUIRE(gv.size() == ref.size());
  for (std::size_t i = 0; i < gv.size(); ++i) {
    const auto a = gv[i].gradient.flat<float>(), b = ref[i].gradient.flat<float>();
    for (std::size_t j = 0; j < a.size(); ++j) REQUIRE(std::abs(a.data()[j] - b.data()[j]) <= 1e-5f * (1 + std::abs(b.data()[j])));
  }
  CHECK(std::abs(float(gv) - float(ref)) <= 1e-5f * std::abs(float(ref)));
  towers.run(apply);
  CHECK(values(towers.replica(0)) == values(towers.replica(1)));
}

TEST_CASE("replicated: an error in one replica stops every replica's step, before any update", "[dist][replicated]") {
  problem p;
  sf::dist::replicated<> towers(p.g, 2, sf::device_config{.check_numerics = true});
  towers.run(sf::global_variables_initializer());
  const auto before = values(towers.replica(0));
  sf::tensor<float, sf::shape<sf::dyn, 12>> xs;
  sf::tensor<float, sf::shape<sf::dyn, 5>> ys;
  batch(0, 8, xs, ys);
  xs(6, 3) = std::numeric_limits<float>::quiet_NaN();  // in replica 1's rows only
  CHECK_THROWS_WITH(towers.run(p.step, sf::feed(p.x, xs), sf::feed(p.y, ys)), !Contains("another replica failed"));
  CHECK(values(towers.replica(0)) == before);
  CHECK(values(towers.replica(1)) == before);
  // The replicas go on working after a failed step.
  batch(1, 8, xs, ys);
  towers.run(p.step, sf::feed(p.x, xs), sf::feed(p.y, ys));
  CHECK(values(towers.replica(0)) == values(towers.replica(1)));
  CHECK(values(towers.replica(0)) != before);
  CHECK_THROWS_WITH(towers.run(p.step, sf::feed(p.x, xs.slice(0, 1)), sf::feed(p.y, ys.slice(0, 1))),
                    Contains("cannot be split between 2 replicas"));
}
