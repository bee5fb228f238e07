// SPDX-License-Identifier: MIT
/// \file
/// \brief `sf::dist::replicated<sf::cuda>`: two replicas on sf::cuda{0} (two replicas on one
/// device exercise the same code path as one per device: a session and a stream each, the
/// gradients averaged through the host) hold identical variables after every step and match one
/// CUDA session at the full batch. Compiled wherever nvcc exists; skipped (77) without a GPU.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include "cuda_test_support.hpp"

#include <cmath>
#include <vector>

#include "staticflow/dist/replicated.hpp"

namespace sf = staticflow;

namespace {

/// A 12-16-5 MLP's training step in `g` (the plain graph API: nvcc 13 rejects the nn::model
/// member initialisers the host test uses).
auto make_step(sf::graph& g) {
  auto w1 = g.variable<float, sf::shape<12, 16>>("w1", sf::init::truncated_normal(0.3, 1));
  auto b1 = g.variable<float, sf::shape<16>>("b1", sf::init::constant(0.1));
  auto w2 = g.variable<float, sf::shape<16, 5>>("w2", sf::init::truncated_normal(0.3, 2));
  auto b2 = g.variable<float, sf::shape<5>>("b2", sf::init::constant(0.1));
  const auto x = sf::placeholder<float, sf::shape<sf::dyn, 12>, "x">();
  const auto y = sf::placeholder<float, sf::shape<sf::dyn, 5>, "y">();
  const auto logits = sf::matmul(sf::relu(sf::matmul(x, w1) + b1), w2) + b2;
  return sf::train::momentum(0.1, 0.9).minimize(sf::reduce_mean(sf::softmax_cross_entropy_with_logits(y, logits)));
}

template <class S>
std::vector<std::vector<float>> values(S& s) {
  std::vector<std::vector<float>> out;
  auto& st = s.effective_state();
  for (const auto& v : s.get_graph().global_variables()) {
    out.emplace_back(v->bytes() / sizeof(float));
    st.download(out.back().data(), st.value_slot(*v).data, v->bytes());
  }
  return out;
}

}  // namespace

TEST_CASE("cuda: two replicas on one device stay identical and match one session", "[cuda][dist]") {
  sf::graph g1, g2;
  const auto step1 = make_step(g1), step2 = make_step(g2);
  const auto x = sf::placeholder<float, sf::shape<sf::dyn, 12>, "x">();
  const auto y = sf::placeholder<float, sf::shape<sf::dyn, 5>, "y">();
  sf::session<sf::cuda> alone(g1, sf::cuda{0});
  alone.run(sf::global_variables_initializer());
  sf::dist::replicated<sf::cuda> towers(g2, {sf::cuda{0}, sf::cuda{0}});
  towers.run(sf::global_variables_initializer());
  sf::tensor<float, sf::shape<sf::dyn, 12>> xs(16);
  sf::tensor<float, sf::shape<sf::dyn, 5>> ys(16);
  for (std::size_t k = 0; k < 10; ++k) {
    for (std::size_t r = 0; r < 16; ++r) {
      for (std::size_t c = 0; c < 12; ++c) xs(r, c) = std::sin(0.37f * float(r + 7 * k) + 0.61f * float(c));
      for (std::size_t c = 0; c < 5; ++c) ys(r, c) = c == (r * 3 + k) % 5 ? 1.0f : 0.0f;
    }
    const float l1 = alone.run(step1, sf::feed(x, xs), sf::feed(y, ys));
    const float l2 = towers.run(step2, sf::feed(x, xs), sf::feed(y, ys));
    CHECK(std::abs(l1 - l2) <= 1e-5f * std::abs(l1));
    REQUIRE(values(towers.replica(0)) == values(towers.replica(1)));
  }
  const auto a = values(towers.replica(0)), b = values(alone);
  for (std::size_t i = 0; i < a.size(); ++i)
    for (std::size_t j = 0; j < a[i].size(); ++j) CHECK(std::abs(a[i][j] - b[i][j]) <= 1e-4f * (1 + std::abs(b[i][j])));
}
