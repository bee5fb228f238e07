// SPDX-License-Identifier: MIT
/// \file
/// \brief Device controls of `session<sf::cuda>` (device_config): soft placement, placement logs,
/// device selection, the memory fraction limit and allow_growth. Unlike the other CUDA tests this
/// one runs on GPU-less machines too (no skip): there it checks the errors and the host fallback;
/// with a GPU, the real placement and the allocator's limits.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "staticflow/cuda.hpp"

namespace sf = staticflow;

namespace {

bool has_gpu() { return sf::cuda_available(); }

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

/// Captures the log sink's lines for the lifetime of the object.
class log_capture {
 public:
  log_capture() : previous_(sf::set_log_sink([this](std::string_view l) { lines_.emplace_back(l); })) {}
  ~log_capture() { sf::set_log_sink(std::move(previous_)); }
  log_capture(const log_capture&) = delete;
  log_capture& operator=(const log_capture&) = delete;
  const std::vector<std::string>& lines() const { return lines_; }
  std::size_t count(const std::string& part) const {
    std::size_t n = 0;
    for (const auto& l : lines_) n += contains(l, part);
    return n;
  }

 private:
  std::vector<std::string> lines_;
  sf::log_sink previous_;
};

/// The message of the invalid_argument `f` throws ("" and a failed check when it throws nothing).
template <class F>
std::string invalid_argument_message(F&& f) {
  try {
    f();
  } catch (const sf::invalid_argument& e) {
    return e.what();
  }
  FAIL_CHECK("no sf::invalid_argument was thrown");
  return {};
}

// ---- a 2-3-1 network: tanh hidden layer, linear output, mean squared error -------------------------

constexpr float learning_rate = 0.1f;
constexpr int steps = 3;
const float x_data[4][2] = {{0.f, 1.f}, {1.f, 0.f}, {1.f, 1.f}, {-1.f, 0.5f}};
const float t_data[4] = {1.f, -1.f, 0.5f, 0.25f};
const float w1_init[2][3] = {{0.5f, -0.25f, 0.125f}, {0.75f, 0.5f, -0.5f}};
const float b1_init[3] = {0.1f, -0.1f, 0.f};
const float w2_init[3] = {0.5f, -1.f, 0.25f};
const float b2_init = 0.2f;

/// The weights after `steps` plain gradient-descent steps, worked out in double with the
/// textbook backward pass (no staticflow code involved).
struct reference_net {
  double w1[2][3], b1[3], w2[3], b2;
  std::vector<double> losses;

  reference_net() {
    for (int i = 0; i < 2; ++i)
      for (int j = 0; j < 3; ++j) w1[i][j] = w1_init[i][j];
    for (int j = 0; j < 3; ++j) b1[j] = b1_init[j], w2[j] = w2_init[j];
    b2 = b2_init;
    for (int s = 0; s < steps; ++s) step();
  }

  void step() {
    double h[4][3], dy[4], loss = 0;
    for (int n = 0; n < 4; ++n) {
      double y = b2;
      for (int j = 0; j < 3; ++j) {
        h[n][j] = std::tanh(x_data[n][0] * w1[0][j] + x_data[n][1] * w1[1][j] + b1[j]);
        y += h[n][j] * w2[j];
      }
      loss += (y - t_data[n]) * (y - t_data[n]) / 4;
      dy[n] = 2 * (y - t_data[n]) / 4;
    }
    losses.push_back(loss);
    double gw1[2][3] = {}, gb1[3] = {}, gw2[3] = {}, gb2 = 0;
    for (int n = 0; n < 4; ++n) {
      gb2 += dy[n];
      for (int j = 0; j < 3; ++j) {
        gw2[j] += h[n][j] * dy[n];
        const double dz = dy[n] * w2[j] * (1 - h[n][j] * h[n][j]);
        gb1[j] += dz;
        gw1[0][j] += x_data[n][0] * dz;
        gw1[1][j] += x_data[n][1] * dz;
      }
    }
    for (int j = 0; j < 3; ++j) {
      w1[0][j] -= learning_rate * gw1[0][j];
      w1[1][j] -= learning_rate * gw1[1][j];
      b1[j] -= learning_rate * gb1[j];
      w2[j] -= learning_rate * gw2[j];
    }
    b2 -= learning_rate * gb2;
  }
};

/// The network as a graph, with a moving average of w2 run in the same group as the train op
/// (so soft placement must route run_on ops to the host session too).
struct tiny_net {
  sf::graph g;
  decltype(sf::placeholder<float, sf::shape<sf::dyn, 2>, "x">()) x;
  decltype(sf::placeholder<float, sf::shape<sf::dyn, 1>, "t">()) t;
  sf::variable_node<float, sf::shape<2, 3>> w1 = g.template variable<float, sf::shape<2, 3>>("w1", sf::init::zeros());
  sf::variable_node<float, sf::shape<3>> b1 = g.template variable<float, sf::shape<3>>("b1", sf::init::zeros());
  sf::variable_node<float, sf::shape<3, 1>> w2 = g.template variable<float, sf::shape<3, 1>>("w2", sf::init::zeros());
  sf::variable_node<float, sf::shape<1>> b2 = g.template variable<float, sf::shape<1>>("b2", sf::init::zeros());
  sf::variable_node<std::int64_t, sf::shape<>> gs =
      g.template variable<std::int64_t, sf::shape<>>("global_step", sf::init::zeros(), false);
  sf::train::moving_average_op<sf::variable_node<float, sf::shape<3, 1>>> averages{
      sf::train::exponential_moving_average(0.5), gs, g, w2};
  sf::tensor<float, sf::shape<sf::dyn, 2>> xs = sf::tensor<float, sf::shape<sf::dyn, 2>>(4);
  sf::tensor<float, sf::shape<sf::dyn, 1>> ts = sf::tensor<float, sf::shape<sf::dyn, 1>>(4);

  tiny_net() {
    for (int n = 0; n < 4; ++n) xs(n, 0) = x_data[n][0], xs(n, 1) = x_data[n][1], ts(n, 0) = t_data[n];
  }

  auto loss() const {
    auto h = sf::tanh(sf::matmul(x, w1) + b1);
    return sf::reduce_mean(sf::square(sf::matmul(h, w2) + b2 - t));
  }

  /// Initialises, sets the starting weights, runs `steps` steps; returns the losses. Call once
  /// per net (each call adds a train op).
  template <class P>
  std::vector<float> train(sf::session<P>& s) {
    auto step = sf::group(sf::train::gradient_descent(learning_rate).minimize(loss(), gs), averages);
    s.run(sf::global_variables_initializer());
    sf::tensor<float, sf::shape<2, 3>> w1v;
    sf::tensor<float, sf::shape<3>> b1v;
    sf::tensor<float, sf::shape<3, 1>> w2v;
    sf::tensor<float, sf::shape<1>> b2v;
    for (int j = 0; j < 3; ++j) w1v(0, j) = w1_init[0][j], w1v(1, j) = w1_init[1][j], b1v(j) = b1_init[j], w2v(j, 0) = w2_init[j];
    b2v(0) = b2_init;
    s.assign(w1, w1v), s.assign(b1, b1v), s.assign(w2, w2v), s.assign(b2, b2v);
    std::vector<float> losses;
    for (int i = 0; i < steps; ++i) losses.push_back(s.run(step, sf::feed(x, xs), sf::feed(t, ts)));
    CHECK(s.read_scalar(gs) == steps);
    // The shadow moved from w2's initial value towards w2 (decay min(0.5, (1+n)/(10+n)) = 0.1, 0.18..).
    CHECK(s.value(averages.average(w2))(0, 0) != w2_init[0]);
    return losses;
  }
};

template <class T, class S>
bool same_values(const sf::tensor<T, S, sf::host>& a, const sf::tensor<T, S, sf::host>& b) {
  for (std::size_t i = 0; i < a.size(); ++i)
    if (!(a.data()[i] == b.data()[i])) return false;
  return true;
}

/// Largest |a - b| / (1 + |b|) against the double reference.
double max_error_w1(const sf::tensor<float, sf::shape<2, 3>>& w1, const reference_net& r) {
  double worst = 0;
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j) worst = std::fmax(worst, std::fabs(w1(i, j) - r.w1[i][j]) / (1 + std::fabs(r.w1[i][j])));
  return worst;
}

}  // namespace

// ---- everywhere ------------------------------------------------------------------------------------

TEST_CASE("device_config: defaults and validation", "[placement]") {
  const sf::device_config c;
  CHECK_FALSE(c.allow_soft_placement);
  CHECK_FALSE(c.log_device_placement);
  CHECK_FALSE(c.allow_growth);
  CHECK(c.per_process_gpu_memory_fraction == 1.0);
  CHECK_NOTHROW(c.validate());
  CHECK_NOTHROW(sf::device_config{.per_process_gpu_memory_fraction = 0.25}.validate());
  for (const double bad : {0.0, -0.5, 1.5, std::nan("")}) {
    const std::string msg =
        invalid_argument_message([&] { sf::device_config{.per_process_gpu_memory_fraction = bad}.validate(); });
    CHECK(contains(msg, "per_process_gpu_memory_fraction"));
  }
  // A session checks its config before anything else, on every policy.
  sf::graph g;
  const sf::device_config bad{.allow_soft_placement = true, .per_process_gpu_memory_fraction = 2.0};
  CHECK(contains(invalid_argument_message([&] { sf::session<sf::host> s(g, sf::host{}, bad); }), "(0, 1]"));
  CHECK(contains(invalid_argument_message([&] { sf::session<sf::cuda> s(g, sf::cuda{0}, bad); }), "2.0"));
}

TEST_CASE("placement: a host session logs each op kind once", "[placement]") {
  tiny_net net;
  log_capture log;
  sf::session<sf::host> s(net.g, sf::host{}, {.log_device_placement = true});
  net.train(s);
  CHECK(log.count("sf: placement: session on host") == 1);
  CHECK(log.count("sf: placement: sf::matmul -> host") == 1);
  CHECK(log.count("sf: placement: sf::tanh -> host") == 1);
  CHECK(log.count("sf: placement: sf::add -> host") == 1);
  CHECK(log.count("sf: placement: sf::subtract -> host") == 1);
  CHECK(log.count("sf: placement: sf::square -> host") == 1);
  CHECK(log.count("sf: placement: sf::reduce_mean -> host") == 1);
  CHECK(log.count("sf: placement: sf::train::GradientDescent -> host") == 1);
  for (std::size_t i = 0; i < log.lines().size(); ++i)  // every line once, though 3 steps ran
    for (std::size_t j = i + 1; j < log.lines().size(); ++j) CHECK(log.lines()[i] != log.lines()[j]);
  // Without the flag nothing is logged.
  tiny_net net2;
  log_capture quiet;
  sf::session<sf::host> s2(net2.g);
  net2.train(s2);
  CHECK(quiet.lines().empty());
}

TEST_CASE("placement: a 2-3-1 net trained on the host matches the hand-worked reference", "[placement]") {
  const reference_net ref;
  tiny_net net;
  sf::session<sf::host> s(net.g);
  const auto losses = net.train(s);
  for (int i = 0; i < steps; ++i) CHECK(std::fabs(losses[i] - ref.losses[i]) <= 1e-5 * (1 + ref.losses[i]));
  CHECK(max_error_w1(s.value(net.w1), ref) < 1e-5);
  CHECK(std::fabs(s.value(net.b2)(0) - ref.b2) < 1e-5);
}

TEST_CASE("placement: an out-of-range device index names the index", "[placement]") {
  sf::graph g;
  const std::string msg = invalid_argument_message([&] { sf::session<sf::cuda> s(g, sf::cuda{99}); });
  CHECK(contains(msg, "cuda:99"));
  CHECK(contains(msg, "allow_soft_placement"));
  if (has_gpu()) {
    CHECK(contains(msg, "device index 99 is out of range"));
    CHECK(contains(msg, std::to_string(sf::cuda_device_count()) + " CUDA device(s) visible"));
  }
  CHECK(contains(invalid_argument_message([&] { sf::session<sf::cuda> s(g, sf::cuda{-1}); }), "cuda:-1"));
  // With soft placement the session runs on the host instead, and says why.
  log_capture log;
  sf::session<sf::cuda> soft(g, sf::cuda{99}, {.allow_soft_placement = true});
  CHECK(soft.on_host_fallback());
  CHECK(soft.device() == "host");
  REQUIRE(log.lines().size() == 1);
  CHECK(contains(log.lines()[0], "sf: no usable CUDA device ("));
  CHECK(contains(log.lines()[0], "); running on the host (allow_soft_placement)"));
}

// ---- without a GPU ---------------------------------------------------------------------------------

TEST_CASE("no GPU: session<cuda> without soft placement throws the runtime's reason", "[placement][no_gpu]") {
  if (has_gpu()) return;
  sf::graph g;
  const std::string reason = sf::cuda_unavailable_reason();
  REQUIRE_FALSE(reason.empty());
  const std::string msg = invalid_argument_message([&] { sf::session<sf::cuda> s(g); });
  CHECK(contains(msg, "no usable CUDA device for cuda:0"));
  CHECK(contains(msg, reason));
  CHECK(contains(invalid_argument_message([&] { sf::session<sf::cuda> s(g, sf::cuda{99}); }), reason));
}

TEST_CASE("no GPU: soft placement trains on the host, identically to session<host>, and warns once",
          "[placement][no_gpu]") {
  if (has_gpu()) return;
  const reference_net ref;
  tiny_net host_net, soft_net;
  sf::session<sf::host> hs(host_net.g);
  const auto host_losses = host_net.train(hs);

  log_capture log;
  sf::session<sf::cuda> cs(soft_net.g, sf::cuda{0}, {.allow_soft_placement = true});
  CHECK(cs.on_host_fallback());
  CHECK(cs.device() == "host");
  const auto soft_losses = soft_net.train(cs);
  CHECK(soft_losses == host_losses);
  CHECK(same_values(cs.value(soft_net.w1), hs.value(host_net.w1)));
  CHECK(same_values(cs.value(soft_net.w2), hs.value(host_net.w2)));
  CHECK(max_error_w1(cs.value(soft_net.w1), ref) < 1e-5);
  // A plain fetch, a fetch list and a gradient go through the host session too.
  const auto y = cs.run(soft_net.loss(), sf::feed(soft_net.x, soft_net.xs), sf::feed(soft_net.t, soft_net.ts));
  CHECK(y() == hs.run(host_net.loss(), sf::feed(host_net.x, host_net.xs), sf::feed(host_net.t, host_net.ts))());
  const auto grad = cs.run(sf::gradients(soft_net.loss(), soft_net.b2), sf::feed(soft_net.x, soft_net.xs),
                           sf::feed(soft_net.t, soft_net.ts));
  CHECK(std::isfinite(grad(0)));
  cs.write_scalar(soft_net.gs, std::int64_t{42});
  CHECK(cs.read_scalar(soft_net.gs) == 42);
  // Device storage does not exist: a clear error rather than a host pointer typed as device memory.
  CHECK_THROWS_AS(cs.value_view(soft_net.w1), sf::failed_precondition);

  REQUIRE(log.lines().size() == 1);  // once, although the session ran many times
  CHECK(log.lines()[0] == "sf: no usable CUDA device (" + sf::cuda_unavailable_reason() +
                              "); running on the host (allow_soft_placement)");
}

TEST_CASE("no GPU: log_device_placement on a soft-placed session logs host placements once", "[placement][no_gpu]") {
  if (has_gpu()) return;
  tiny_net net;
  log_capture log;
  sf::session<sf::cuda> s(net.g, sf::cuda{0}, {.allow_soft_placement = true, .log_device_placement = true});
  net.train(s);
  s.run(net.loss(), sf::feed(net.x, net.xs), sf::feed(net.t, net.ts));  // logs nothing new
  CHECK(log.count("sf: no usable CUDA device") == 1);
  CHECK(log.count("sf: placement: sf::matmul -> host") == 1);
  CHECK(log.count("sf: placement: sf::reduce_mean -> host") == 1);
  CHECK(log.count("sf: placement: sf::train::GradientDescent -> host") == 1);
  CHECK(log.count("-> cuda") == 0);
  for (std::size_t i = 0; i < log.lines().size(); ++i)
    for (std::size_t j = i + 1; j < log.lines().size(); ++j) CHECK(log.lines()[i] != log.lines()[j]);
}

TEST_CASE("no GPU: probing never crashes", "[placement][no_gpu]") {
  if (has_gpu()) return;
  CHECK(sf::cuda_device_count() == 0);
  CHECK_FALSE(sf::cuda_available());
  CHECK(sf::cuda_device_name(0).empty());
  CHECK_FALSE(sf::device_runtime<sf::cuda>::unavailable_reason(sf::cuda{0}).empty());
  CHECK(sf::cuda_memory_usage(0).held == 0);
  CHECK(sf::cuda_release_cached_memory() == 0);
}

// ---- with a GPU ------------------------------------------------------------------------------------

TEST_CASE("GPU: placement logs name the device, and results match the reference", "[placement][gpu]") {
  if (!has_gpu()) return;
  const reference_net ref;
  tiny_net net;
  log_capture log;
  sf::session<sf::cuda> s(net.g, sf::cuda{0}, {.log_device_placement = true, .allow_growth = true});
  CHECK_FALSE(s.on_host_fallback());
  CHECK(s.device() == "cuda:0");
  const auto losses = net.train(s);
  for (int i = 0; i < steps; ++i) CHECK(std::fabs(losses[i] - ref.losses[i]) <= 1e-5 * (1 + ref.losses[i]));
  CHECK(max_error_w1(s.value(net.w1), ref) < 1e-5);
  CHECK(log.count("sf: placement: session on cuda:0") == 1);
  CHECK(log.count("sf: placement: sf::matmul -> cuda:0") == 1);
  CHECK(log.count("sf: placement: sf::tanh -> cuda:0") == 1);
  CHECK(log.count("sf: placement: sf::train::GradientDescent -> cuda:0") == 1);
  CHECK(log.count("-> host") == 0);
  CHECK(log.count("no usable CUDA device") == 0);
  // The last visible device can be selected; one past it cannot.
  const int last = sf::cuda_device_count() - 1;
  sf::graph g2;
  sf::session<sf::cuda> on_last(g2, sf::cuda{last}, {.allow_growth = true});
  CHECK(on_last.device() == "cuda:" + std::to_string(last));
  const std::string msg = invalid_argument_message([&] { sf::session<sf::cuda> s2(g2, sf::cuda{last + 1}); });
  CHECK(contains(msg, "device index " + std::to_string(last + 1) + " is out of range"));
}

TEST_CASE("GPU: allow_growth takes memory as needed, within the fraction", "[placement][gpu][memory]") {
  if (!has_gpu()) return;
  sf::cuda_release_cached_memory();
  sf::graph g;
  sf::session<sf::cuda> s(g, sf::cuda{0}, {.allow_growth = true, .per_process_gpu_memory_fraction = 0.05});
  auto info = sf::cuda_memory_usage(0);
  REQUIRE(info.configured);
  CHECK(info.allow_growth);
  std::size_t free_bytes = 0, total = 0;
  REQUIRE(cudaMemGetInfo(&free_bytes, &total) == cudaSuccess);
  CHECK(info.total == total);
  CHECK(info.limit == static_cast<std::size_t>(static_cast<double>(total) * 0.05));
  CHECK(info.held == 0);  // nothing taken up front
  using mem = sf::memory<sf::cuda>;
  std::byte* p = mem::allocate<std::byte>(3 << 20);
  CHECK(sf::cuda_memory_usage(0).held == (std::size_t{3} << 20));
  // More than the fraction allows: resource_exhausted naming the request and what is available.
  const std::size_t available = info.limit - sf::cuda_memory_usage(0).held;
  const std::size_t request = info.limit;  // limit + 3 MiB in total
  try {
    mem::allocate<std::byte>(request);
    FAIL("allocating beyond per_process_gpu_memory_fraction succeeded");
  } catch (const sf::resource_exhausted& e) {
    const std::string msg = e.what();
    CHECK(contains(msg, std::to_string(request) + " bytes"));
    CHECK(contains(msg, std::to_string(available) + " bytes available"));
    CHECK(contains(msg, "per_process_gpu_memory_fraction"));
  }
  mem::deallocate(p, 3 << 20);
  CHECK(sf::cuda_release_cached_memory() == (std::size_t{3} << 20));
}

TEST_CASE("GPU: without allow_growth the pool is reserved up front, within the fraction", "[placement][gpu][memory]") {
  if (!has_gpu()) return;
  if (sf::detail::cuda_force_allow_growth()) {
    WARN("SF_FORCE_GPU_ALLOW_GROWTH is set: the reserve mode is not tested");
    return;
  }
  sf::cuda_release_cached_memory();
  std::size_t free_before = 0, total = 0;
  REQUIRE(cudaMemGetInfo(&free_before, &total) == cudaSuccess);
  {
    sf::graph g;
    sf::session<sf::cuda> s(g, sf::cuda{0}, {.per_process_gpu_memory_fraction = 0.05});
    const auto info = sf::cuda_memory_usage(0);
    CHECK_FALSE(info.allow_growth);
    CHECK(info.held > 0);  // reserved before any tensor exists
    CHECK(info.held <= info.limit);
    CHECK(info.in_use == 0);
    std::size_t free_after = 0;
    REQUIRE(cudaMemGetInfo(&free_after, &total) == cudaSuccess);
    CHECK(free_before - free_after >= info.held);
    using mem = sf::memory<sf::cuda>;
    float* a = mem::allocate<float>(1000);  // carved from the reservation: nothing new from CUDA
    float* b = mem::allocate<float>(1 << 20);
    CHECK(sf::cuda_memory_usage(0).held == info.held);
    CHECK(sf::cuda_memory_usage(0).in_use == 4096 + (std::size_t{4} << 20));
    CHECK_THROWS_AS(mem::allocate<std::byte>(info.limit + 1), sf::resource_exhausted);
    mem::deallocate(a, 1000);
    mem::deallocate(b, 1 << 20);
  }
  // Releasing returns the whole reservation (its blocks coalesced back into one region).
  CHECK(sf::cuda_release_cached_memory() > 0);
  CHECK(sf::cuda_memory_usage(0).held == 0);
}

int main(int argc, char* argv[]) {
  // No skip code here: without a GPU this test checks the errors and the host fallback.
  if (has_gpu()) std::printf("CUDA device 0: %s\n", sf::cuda_device_name(0).c_str());
  else std::printf("no CUDA device (%s): testing errors and soft placement\n", sf::cuda_unavailable_reason().c_str());
  return Catch::Session().run(argc, argv);
}
