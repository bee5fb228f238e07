// SPDX-License-Identifier: MIT
/// \file
/// \brief A training step's costs: shared sub-expressions computed once, one fused pass per
/// elementwise chain, and no heap allocation after the first step.
#define SF_COUNT_PASSES 1  // sf::executor<sf::host>::passes()
#include <catch2/catch.hpp>

#include <atomic>
#include <cstdlib>
#include <new>

#include <staticflow/staticflow.hpp>

namespace sf = staticflow;

namespace {
std::atomic<std::size_t> allocations{0};
}  // namespace

// Every replacement below pairs malloc/aligned_alloc with free; g++ cannot see that.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

void* operator new(std::size_t n) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t n, std::align_val_t a) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::aligned_alloc(static_cast<std::size_t>(a), (n + static_cast<std::size_t>(a) - 1) /
                                                                     static_cast<std::size_t>(a) * static_cast<std::size_t>(a)))
    return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }

namespace {

/// Element i = i % 5, counting how many elements were generated.
struct counting_generator {
  std::size_t* calls;
  float operator()(std::uint64_t i) const {
    ++*calls;
    return static_cast<float>(i % 5);
  }
};

}  // namespace

TEST_CASE("a matmul used twice in one expression is computed once per run", "[graph][shared]") {
  sf::graph g;
  auto guard = g.as_default();
  std::size_t calls = 0;
  sf::generator<counting_generator, float, sf::shape<4, 3>> a(counting_generator{&calls}, {4, 3});
  auto w = sf::variable<float, sf::shape<3, 2>>("w", sf::init::values({1, 0, 0, 1, 1, 1}));
  auto h = sf::matmul(a, w);
  auto loss = sf::reduce_sum(h * h + h);
  sf::session<> sess(g);
  sess.run(sf::global_variables_initializer());
  const std::size_t gemms = sf::executor<sf::host>::passes().gemm;
  const float value = sess.run(loss).data()[0];
  CHECK(calls == 12);  // the operand of the one matmul is generated once: 4 x 3 elements
  CHECK(sf::executor<sf::host>::passes().gemm - gemms == 1);
  // By hand: a = [[0 1 2] [3 4 0] [1 2 3] [4 0 1]], h = a w = [[2 3] [3 4] [4 5] [5 1]].
  float expected = 0;
  for (float v : {2.f, 3.f, 3.f, 4.f, 4.f, 5.f, 5.f, 1.f}) expected += v * v + v;
  CHECK(value == Approx(expected));

  calls = 0;
  const auto grad = sess.run(sf::gradients(loss, w));
  CHECK(calls == 12);
  // d/dw sum(h^2 + h) = a^T (2h + 1)
  const float a_[4][3] = {{0, 1, 2}, {3, 4, 0}, {1, 2, 3}, {4, 0, 1}};
  const float h_[4][2] = {{2, 3}, {3, 4}, {4, 5}, {5, 1}};
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 2; ++j) {
      float e = 0;
      for (int r = 0; r < 4; ++r) e += a_[r][i] * (2 * h_[r][j] + 1);
      CHECK(grad(i, j) == Approx(e));
    }
}

TEST_CASE("the backward elementwise chain of a layer is one fused pass", "[graph][fusion]") {
  sf::graph g;
  auto guard = g.as_default();
  auto x = sf::placeholder<float, sf::shape<sf::dyn, 8>, "x">();
  auto w = sf::variable<float, sf::shape<8, 4>>("w", sf::init::random_normal(1, 3));
  auto b = sf::variable<float, sf::shape<4>>("b", sf::init::constant(0.1));
  auto loss = sf::reduce_sum(sf::sigmoid(sf::relu(sf::matmul(x, w) + b) * 2.f - 1.f));
  auto step = sf::train::gradient_descent(0.1).minimize(loss);
  sf::session<> sess(g);
  sess.run(sf::global_variables_initializer());
  sf::tensor<float, sf::shape<sf::dyn, 8>> xs = sf::random_normal<float, sf::shape<sf::dyn, 8>>(0.f, 1.f, 5, 16);
  auto& p = sf::executor<sf::host>::passes();
  const std::size_t e0 = p.elementwise, r0 = p.reduce, g0 = p.gemm, f0 = p.for_each;
  sess.run(step, sf::feed(x, xs));
  // Forward: 1 GEMM, then the sum reads sigmoid(relu(. + b) * 2 - 1) on the fly (1 reduction).
  // Backward: the whole chain sigmoid' relu' into memory (1 elementwise pass), the bias
  // gradient (1 reduction over the batch, 1 pass writing it into its buffer), dW by a GEMM
  // straight into its buffer. Gradient buffers are written by their first gradient, never
  // zeroed first. Then two optimiser updates.
  CHECK(p.gemm - g0 == 2);
  CHECK(p.reduce - r0 == 2);
  // The seed of the backward pass (the scalar loss's gradient, 1) is one more, of 1 element.
  CHECK(p.elementwise - e0 == 3);
  CHECK(p.for_each - f0 == 2);
}

TEST_CASE("a training step of a 2-layer MLP allocates nothing after the first", "[graph][allocation]") {
  sf::graph g;
  auto guard = g.as_default();
  auto x = sf::placeholder<float, sf::shape<sf::dyn, 20>, "x">();
  auto y_ = sf::placeholder<float, sf::shape<sf::dyn, 5>, "y">();
  auto w1 = sf::variable<float, sf::shape<20, 16>>("w1", sf::init::truncated_normal(0.1, 1));
  auto b1 = sf::variable<float, sf::shape<16>>("b1", sf::init::constant(0.1));
  auto w2 = sf::variable<float, sf::shape<16, 5>>("w2", sf::init::truncated_normal(0.1, 2));
  auto b2 = sf::variable<float, sf::shape<5>>("b2", sf::init::constant(0.1));
  auto gs = sf::variable<std::int64_t, sf::shape<>>("global_step", sf::init::zeros(), false);
  auto logits = sf::matmul(sf::relu(sf::matmul(x, w1) + b1), w2) + b2;
  auto loss = sf::reduce_mean(sf::softmax_cross_entropy_with_logits(y_, logits)) + sf::train::l2_regularizer(1e-4)(w1);
  auto averages = sf::train::apply_moving_averages(sf::train::exponential_moving_average(0.99), gs, w1, b1, w2, b2);
  auto step = sf::group(sf::train::adam(0.01).minimize(loss, gs), averages);
  sf::session<> sess(g);
  sess.run(sf::global_variables_initializer());
  sf::tensor<float, sf::shape<sf::dyn, 20>> xs = sf::random_normal<float, sf::shape<sf::dyn, 20>>(0.f, 1.f, 9, 32);
  sf::tensor<float, sf::shape<sf::dyn, 5>> ys = sf::filled<float, sf::shape<sf::dyn, 5>>(0.2f, 32);
  const float first = sess.run(step, sf::feed(x, xs), sf::feed(y_, ys));
  const std::size_t before = allocations;
  float last = first;
  for (int i = 0; i < 5; ++i) last = sess.run(step, sf::feed(x, xs), sf::feed(y_, ys));
  CHECK(allocations - before == 0);
  CHECK(last < first);
  CHECK(sess.read_scalar(gs) == 6);
}
