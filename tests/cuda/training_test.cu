// SPDX-License-Identifier: MIT
/// \file
/// \brief The graph API and networks on sf::cuda against sf::host: the same graph trained in a
/// host session and a CUDA session ends with the same weights (MLP: 10 steps; LeNet-5: 3 steps);
/// two CUDA sessions trained at once from two threads, each on its own stream, end as one does.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include "cuda_test_support.hpp"

#include <unistd.h>

#include <exception>
#include <filesystem>
#include <initializer_list>
#include <latch>
#include <string>
#include <thread>
#include <vector>

namespace sf = staticflow;
namespace nn = staticflow::nn;

namespace {

template <class T, class S>
double max_rel_diff(const sf::tensor<T, S, sf::host>& a, const sf::tensor<T, S, sf::host>& b) {
  double worst = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const double d = std::abs(double(a.data()[i]) - double(b.data()[i])) / (1e-3 + std::abs(double(a.data()[i])));
    worst = d > worst ? d : worst;
  }
  return worst;
}

}  // namespace

TEST_CASE("cuda: 10 training steps of the chapter-5 MLP match the host", "[cuda][graph]") {
  sf::graph g;
  auto guard = g.as_default();
  auto x = sf::placeholder<float, sf::shape<sf::dyn, 784>, "x">();
  auto y_ = sf::placeholder<float, sf::shape<sf::dyn, 10>, "y">();
  auto w1 = sf::variable<float, sf::shape<784, 64>>("w1", sf::init::truncated_normal(0.1, 1));
  auto b1 = sf::variable<float, sf::shape<64>>("b1", sf::init::constant(0.1));
  auto w2 = sf::variable<float, sf::shape<64, 10>>("w2", sf::init::truncated_normal(0.1, 2));
  auto b2 = sf::variable<float, sf::shape<10>>("b2", sf::init::constant(0.1));
  auto gs = sf::variable<std::int64_t, sf::shape<>>("global_step", sf::init::zeros(), false);
  auto y = sf::matmul(sf::relu(sf::matmul(x, w1) + b1), w2) + b2;
  auto loss = sf::reduce_mean(sf::softmax_cross_entropy_with_logits(y_, y)) + sf::train::l2_regularizer(1e-4)(w1);
  auto averages = sf::train::apply_moving_averages(sf::train::exponential_moving_average(0.99), gs, w1, b2);
  auto step = sf::group(sf::train::gradient_descent(sf::train::exponential_decay(0.8, 5, 0.99, true)).minimize(loss, gs),
                        averages);

  sf::tensor<float, sf::shape<sf::dyn, 784>> xs = sf::random_uniform<float, sf::shape<sf::dyn, 784>>(0.f, 1.f, 3, 32);
  sf::tensor<float, sf::shape<sf::dyn, 10>> ys = sf::cast<float>(sf::equal(
      sf::filled<float, sf::shape<sf::dyn, 10>>(0.f, 32) + sf::random_uniform<float, sf::shape<sf::dyn, 1>>(0.f, 1.f, 4, 32) * 10.f,
      sf::filled<float, sf::shape<10>>(0.f)));
  sf::session<sf::host> host_session(g);
  sf::session<sf::cuda> cuda_session(g);
  host_session.run(sf::global_variables_initializer());
  cuda_session.run(sf::global_variables_initializer());
  for (int i = 0; i < 10; ++i) {
    const float lh = host_session.run(step, sf::feed(x, xs), sf::feed(y_, ys));
    const auto xd = sf::to_device(xs.view());
    const auto yd = sf::to_device(ys.view());
    const float lc = cuda_session.run(step, sf::feed(x, xd), sf::feed(y_, yd));
    CHECK(std::abs(lh - lc) <= 1e-4f * (1 + std::abs(lh)));
  }
  CHECK(max_rel_diff(host_session.value(w1), cuda_session.value(w1)) < 1e-4);
  CHECK(max_rel_diff(host_session.value(w2), cuda_session.value(w2)) < 1e-4);
  CHECK(max_rel_diff(host_session.value(averages.average(w1)), cuda_session.value(averages.average(w1))) < 1e-4);
  CHECK(cuda_session.read_scalar(gs) == 10);
}

using lenet5 = nn::sequential<nn::input<28, 28, 1>, nn::conv2d<6, 5, 5>, nn::relu, nn::max_pool2d<2, 2>,
                              nn::conv2d<16, 5, 5>, nn::relu, nn::max_pool2d<2, 2>, nn::flatten, nn::dense<120>,
                              nn::relu, nn::dense<84>, nn::relu, nn::dense<10>>;

TEST_CASE("cuda: LeNet-5 training steps match the host", "[cuda][nn]") {
  sf::graph g;
  auto guard = g.as_default();
  nn::model<lenet5> net(g, 7);
  auto x = sf::placeholder<float, sf::shape<sf::dyn, 28, 28, 1>, "x">();
  auto y_ = sf::placeholder<float, sf::shape<sf::dyn, 10>, "y">();
  auto logits = net(x);
  auto step = sf::train::adam(0.001).minimize(sf::reduce_mean(sf::softmax_cross_entropy_with_logits(y_, logits)));
  sf::tensor<float, sf::shape<sf::dyn, 28, 28, 1>> xs =
      sf::random_uniform<float, sf::shape<sf::dyn, 28, 28, 1>>(0.f, 1.f, 5, 16);
  sf::tensor<float, sf::shape<sf::dyn, 10>> ys = sf::filled<float, sf::shape<sf::dyn, 10>>(0.1f, 16);
  sf::session<sf::host> hs(g);
  sf::session<sf::cuda> cs(g);
  hs.run(sf::global_variables_initializer());
  cs.run(sf::global_variables_initializer());
  const auto xd = sf::to_device(xs.view());
  const auto yd = sf::to_device(ys.view());
  for (int i = 0; i < 3; ++i) {
    const float lh = hs.run(step, sf::feed(x, xs), sf::feed(y_, ys));
    const float lc = cs.run(step, sf::feed(x, xd), sf::feed(y_, yd));
    CHECK(std::abs(lh - lc) <= 1e-4f * (1 + std::abs(lh)));
  }
  const auto out_h = hs.run(logits, sf::feed(x, xs));
  const auto out_c = cs.run(logits, sf::feed(x, xd));
  CHECK(max_rel_diff(out_h, out_c) < 1e-4);
}

TEST_CASE("cuda: every optimiser, the losses and gradients match the host", "[cuda][graph]") {
  sf::graph g;
  auto guard = g.as_default();
  auto x = sf::placeholder<float, sf::shape<sf::dyn, 6>, "x">();
  auto y_ = sf::placeholder<float, sf::shape<sf::dyn, 3>, "y">();
  auto w = sf::variable<float, sf::shape<6, 3>>("w", sf::init::glorot_uniform(3));
  auto logits = sf::matmul(sf::tanh(x), w);
  auto loss = sf::reduce_mean(sf::softmax_cross_entropy_with_logits(y_, logits)) +
              sf::reduce_mean(sf::sigmoid_cross_entropy_with_logits(y_, logits)) + sf::train::l1_regularizer(1e-3)(w);
  auto steps = sf::group(sf::train::momentum(0.05, 0.9, true).minimize(loss), sf::train::adagrad(0.05).minimize(loss),
                         sf::train::rmsprop(0.01).minimize(loss), sf::train::adam(0.01).minimize(loss),
                         sf::train::adadelta(1.0).minimize(loss), sf::train::ftrl(0.05, -0.5, 0.1, 1e-4, 1e-3, 1e-3).minimize(loss),
                         sf::train::ftrl(0.05, -0.3).minimize(loss), sf::train::proximal_adagrad(0.05, 0.1, 1e-4, 1e-3).minimize(loss),
                         sf::train::proximal_gradient_descent(0.05, 1e-4, 1e-3).minimize(loss),
                         sf::train::adagrad_da(0.05, 0.1, 1e-4, 1e-3).minimize(loss));
  sf::tensor<float, sf::shape<sf::dyn, 6>> xs = sf::random_normal<float, sf::shape<sf::dyn, 6>>(0.f, 1.f, 8, 12);
  sf::tensor<float, sf::shape<sf::dyn, 3>> ys = sf::random_uniform<float, sf::shape<sf::dyn, 3>>(0.f, 1.f, 9, 12);
  sf::session<sf::host> hs(g);
  sf::session<sf::cuda> cs(g);
  hs.run(sf::global_variables_initializer());
  cs.run(sf::global_variables_initializer());
  for (int i = 0; i < 3; ++i) {
    const float lh = hs.run(steps, sf::feed(x, xs), sf::feed(y_, ys));
    const float lc = cs.run(steps, sf::feed(x, xs), sf::feed(y_, ys));
    CHECK(std::abs(lh - lc) <= 1e-4f * (1 + std::abs(lh)));
  }
  CHECK(max_rel_diff(hs.value(w), cs.value(w)) < 1e-4);
  CHECK(max_rel_diff(hs.run(sf::gradients(loss, w), sf::feed(x, xs), sf::feed(y_, ys)),
                     cs.run(sf::gradients(loss, w), sf::feed(x, xs), sf::feed(y_, ys))) < 1e-4);
}

TEST_CASE("cuda: a checkpoint saved from a CUDA session restores on the host and back, slots included",
          "[cuda][checkpoint]") {
  const auto dir = std::filesystem::temp_directory_path() / ("sf_cuda_ckpt_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  sf::graph g;
  auto guard = g.as_default();
  auto w = sf::variable<float, sf::shape<6, 3>>("dense/w", sf::init::glorot_uniform(5));
  auto gs = sf::variable<std::int64_t, sf::shape<>>("global_step", sf::init::zeros(), false);
  auto xs = sf::random_normal<float, sf::shape<4, 6>>(0.f, 1.f, 8);
  auto train = sf::train::adam(0.01).minimize(sf::reduce_sum(sf::square(sf::matmul(xs, w))), gs);
  sf::session<sf::cuda> cs(g);
  cs.run(sf::global_variables_initializer());
  for (int i = 0; i < 3; ++i) cs.run(train);
  const std::string path = sf::train::saver().save(cs, (dir / "model.ckpt").string(), gs);

  sf::session<sf::host> hs(g);  // the host restores what the device saved, then both go on
  sf::train::saver().restore(hs, path);
  CHECK(hs.read_scalar(gs) == 3);
  CHECK(max_rel_diff(hs.value(w), cs.value(w)) == 0);
  for (int i = 0; i < 2; ++i) hs.run(train), cs.run(train);
  CHECK(max_rel_diff(hs.value(w), cs.value(w)) < 1e-5);

  const std::string from_host = sf::train::saver().save(hs, (dir / "host.ckpt").string(), gs);
  sf::session<sf::cuda> again(g);
  sf::train::saver().restore(again, from_host);
  CHECK(max_rel_diff(again.value(w), hs.value(w)) == 0);
  std::filesystem::remove_all(dir);
}

namespace {

/// An op that reports the stream a session's calls queue their work on.
struct current_stream_probe {
  cudaStream_t run_on(sf::session<sf::cuda>&) const { return sf::detail::current_stream(); }
};

/// What one session's training produced (`error`: what it threw, in its own thread).
struct training_run {
  cudaStream_t stream = nullptr;
  std::vector<float> losses;
  sf::tensor<float, sf::shape<96, 80>> w1;
  sf::tensor<float, sf::shape<80, 3>> w2;
  std::exception_ptr error;
};

}  // namespace

TEST_CASE("cuda: two sessions trained at once from two threads use their own streams and end as one session does",
          "[cuda][graph][stream]") {
  sf::graph g;
  auto guard = g.as_default();
  auto x = sf::placeholder<float, sf::shape<sf::dyn, 96>, "x">();
  auto y_ = sf::placeholder<float, sf::shape<sf::dyn, 3>, "y">();
  auto w1 = sf::variable<float, sf::shape<96, 80>>("w1", sf::init::glorot_uniform(21));
  auto w2 = sf::variable<float, sf::shape<80, 3>>("w2", sf::init::glorot_uniform(22));
  auto hidden = sf::relu(sf::matmul(x, w1));
  // Row sums of 80 elements (CUB's segmented reduction), column sums (the bias-like gradients),
  // a full mean, cuBLAS GEMMs and Adam's elementwise updates: every kind of launch is in a step.
  auto loss = sf::reduce_mean(sf::softmax_cross_entropy_with_logits(y_, sf::matmul(hidden, w2))) +
              sf::reduce_mean(sf::reduce_sum<1>(sf::square(hidden))) * 1e-3f;
  auto step = sf::train::adam(0.01).minimize(loss);
  using batch_x = sf::shape<sf::dyn, 96>;
  using batch_y = sf::shape<sf::dyn, 3>;
  const sf::tensor<float, batch_x> xs = sf::random_normal<float, batch_x>(0.f, 1.f, 23, 64);
  const sf::tensor<float, batch_y> ys = sf::random_uniform<float, batch_y>(0.f, 1.f, 24, 64);

  // Both sessions of the threaded run exist at once (the latch), so their streams are distinct
  // and their steps overlap on the device.
  const auto train = [&](std::latch* both_placed) {
    training_run r;
    try {
      sf::session<sf::cuda> s(g);
      if (both_placed) both_placed->arrive_and_wait();
      r.stream = s.run(current_stream_probe{});
      s.run(sf::global_variables_initializer());
      for (int i = 0; i < 5; ++i) r.losses.push_back(s.run(step, sf::feed(x, xs), sf::feed(y_, ys)));
      r.w1 = s.value(w1);
      r.w2 = s.value(w2);
    } catch (...) {
      r.error = std::current_exception();
    }
    return r;
  };
  const training_run alone = train(nullptr);
  training_run first, second;
  {
    std::latch both_placed(2);
    std::thread a([&] { first = train(&both_placed); });
    std::thread b([&] { second = train(&both_placed); });
    a.join();
    b.join();
  }
  for (const training_run* r : std::initializer_list<const training_run*>{&alone, &first, &second})
    if (r->error) std::rethrow_exception(r->error);

  CHECK(sf::detail::current_stream() == nullptr);  // outside a session's calls: the legacy stream
  CHECK(first.stream != nullptr);
  CHECK(second.stream != nullptr);
  CHECK(first.stream != second.stream);
  for (const training_run* r : {&first, &second}) {
    REQUIRE(r->losses.size() == alone.losses.size());
    for (std::size_t i = 0; i < alone.losses.size(); ++i)
      CHECK(std::abs(r->losses[i] - alone.losses[i]) <= 1e-6f * (1 + std::abs(alone.losses[i])));
    CHECK(max_rel_diff(r->w1, alone.w1) < 1e-6);
    CHECK(max_rel_diff(r->w2, alone.w2) < 1e-6);
  }
}
