// SPDX-License-Identifier: MIT
/// \file
/// \brief Data parallelism over MPI, measured (benchmarks/RESULTS.md, "Data-parallel training").
///
///   bench_dist train --model mlp|lenet5 [--batch B] [--steps N] [--overlap 0|1] [--bucket BYTES]
///       Training throughput: N steps (after 10 untimed) at the global batch B, split between
///       the ranks (one rank: a plain session, no hook). Samples/s over all ranks, and the share
///       of the step spent in the all-reduce after the backward pass. Compare
///         OMP_NUM_THREADS=1 mpirun -np 2 bench_dist train --model lenet5
///         OMP_NUM_THREADS=2 bench_dist train --model lenet5          (one rank, two threads)
///   bench_dist allreduce --model mlp|lenet5 [--reps N]
///       The library's all-reduce of the model's gradients (mpi_data_parallel::on_gradients:
///       pack, MPI_Iallreduce per bucket, wait, unpack and divide) against one bare
///       MPI_Allreduce of the same bytes, in place; the median of N timed repetitions each.
/// Inputs are synthetic (throughput does not depend on the values).
#include <staticflow/staticflow.hpp>  // first: the host kernels

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "staticflow/dist/mpi.hpp"
#include "staticflow/nn/conv.hpp"

namespace sf = staticflow;
namespace nn = staticflow::nn;

namespace {

using mlp = nn::sequential<nn::input<784>, nn::dense<500>, nn::relu, nn::dense<10>>;  // the chapter-5 MLP
using lenet5 = nn::sequential<nn::input<28, 28, 1>,                                 //
                              nn::conv2d<6, 5, 5>, nn::relu, nn::max_pool2d<2, 2>,  //
                              nn::conv2d<16, 5, 5>, nn::relu, nn::max_pool2d<2, 2>, //
                              nn::flatten, nn::dense<120>, nn::relu, nn::dense<84>, nn::relu, nn::dense<10>>;

struct options {
  std::string mode, model = "lenet5";
  std::size_t batch = 0, steps = 200, reps = 200, bucket = std::size_t{4} << 20;
  bool overlap = true;
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

template <class Net>
int train(const sf::dist::mpi_environment& env, const options& o) {
  const std::size_t ranks = static_cast<std::size_t>(env.size());
  const std::size_t global = o.batch ? o.batch : (std::is_same_v<Net, mlp> ? 100 : 64);
  const std::size_t b = global / ranks;
  sf::graph g;
  nn::model<Net> net(g, 1);
  const auto x = sf::placeholder<float, typename Net::input_shape, "x">();
  const auto y = sf::placeholder<float, sf::shape<sf::dyn, 10>, "y">();
  const auto loss = sf::reduce_mean(sf::softmax_cross_entropy_with_logits(y, net.training(x)));
  const auto step = sf::train::adam(1e-3).minimize(loss);
  sf::session<> s(g);
  s.run(sf::global_variables_initializer());
  std::optional<sf::dist::mpi_data_parallel> sync;
  if (ranks > 1) sync.emplace(s, sf::dist::data_parallel_options{.bucket_bytes = o.bucket, .overlap = o.overlap});
  sf::tensor<float, typename Net::input_shape> xs(b);
  sf::tensor<float, sf::shape<sf::dyn, 10>> ys(b);
  for (std::size_t i = 0; i < xs.size(); ++i) xs.data()[i] = float((i * 2654435761u + std::size_t(env.rank())) % 255) / 255.f;
  for (std::size_t r = 0; r < b; ++r)
    for (std::size_t c = 0; c < 10; ++c) ys(r, c) = c == r % 10 ? 1.f : 0.f;
  for (int k = 0; k < 10; ++k) s.run(step, sf::feed(x, xs), sf::feed(y, ys));
  if (sync) sync->reset_stats();
  env.barrier();
  const auto t0 = std::chrono::steady_clock::now();
  for (std::size_t k = 0; k < o.steps; ++k) s.run(step, sf::feed(x, xs), sf::feed(y, ys));
  env.barrier();
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (env.is_chief()) {
    std::printf("%s: %zu ranks x batch %zu, %zu steps: %.0f samples/s (%.2f ms/step)", o.model.c_str(), ranks, b,
                o.steps, double(o.steps * global) / secs, 1e3 * secs / double(o.steps));
    if (sync) {
      const auto& st = sync->stats();
      std::printf("; all-reduce %zu bytes in %zu buckets/step, %.3f ms/step after the backward pass (%.1f %% of the "
                  "step), %.3f ms/step packing during it, %zu buckets overlapped",
                  st.bytes_per_step, st.buckets, 1e3 * st.seconds_after_backward / double(st.steps),
                  100 * st.seconds_after_backward / secs, 1e3 * st.seconds_during_backward / double(st.steps),
                  st.overlapped_buckets);
    }
    std::printf("\n");
  }
  return 0;
}

template <class Net>
int allreduce(const sf::dist::mpi_environment& env, const options& o) {
  sf::graph g;
  nn::model<Net> net(g, 1);
  sf::session<> s(g);
  s.run(sf::global_variables_initializer());
  sf::dist::mpi_data_parallel sync(s, {.bucket_bytes = o.bucket, .overlap = false});
  auto& st = s.effective_state();
  std::vector<const sf::variable_base*> vars;
  std::size_t bytes = 0;
  for (const auto& v : g.global_variables()) {
    vars.push_back(v.get());
    bytes += v->bytes();
    auto* p = static_cast<float*>(st.grad_slot(*v).data);
    for (std::size_t i = 0; i < v->bytes() / sizeof(float); ++i) p[i] = 1.0f;
  }
  std::vector<float> bare(bytes / sizeof(float), 1.0f);
  std::vector<double> lib, raw;
  for (std::size_t r = 0; r < o.reps + 5; ++r) {  // interleaved, the first 5 untimed
    env.barrier();
    auto t0 = std::chrono::steady_clock::now();
    sync.on_gradients(st, vars);
    const double a = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    env.barrier();
    t0 = std::chrono::steady_clock::now();
    MPI_Allreduce(MPI_IN_PLACE, bare.data(), static_cast<int>(bare.size()), MPI_FLOAT, MPI_SUM, env.comm());
    const double c = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (r >= 5) lib.push_back(a), raw.push_back(c);
  }
  // The slowest rank's median decides a step.
  const double l = env.allreduce_max(median(lib)), m = env.allreduce_max(median(raw));
  if (env.is_chief())
    std::printf("%s gradients, %zu bytes in %zu bucket(s), %d ranks, median of %zu: library %.1f us, bare "
                "MPI_Allreduce %.1f us, overhead %+.1f %%\n",
                o.model.c_str(), bytes, sync.stats().buckets, env.size(), o.reps, 1e6 * l, 1e6 * m, 100 * (l / m - 1));
  return 0;
}

int run(const sf::dist::mpi_environment& env, const options& o) {
  const bool is_mlp = o.model == "mlp";
  if (!is_mlp && o.model != "lenet5") throw sf::invalid_argument("bench_dist: --model mlp or lenet5");
  if (o.mode == "train") return is_mlp ? train<mlp>(env, o) : train<lenet5>(env, o);
  if (o.mode == "allreduce") return is_mlp ? allreduce<mlp>(env, o) : allreduce<lenet5>(env, o);
  throw sf::invalid_argument("bench_dist: the first argument is train or allreduce");
}

}  // namespace

int main(int argc, char** argv) {
  sf::dist::mpi_environment env(argc, argv);
  return env.run([&] {
    options o;
    if (argc > 1) o.mode = argv[1];
    for (int i = 2; i + 1 < argc; i += 2) {
      const std::string flag = argv[i], v = argv[i + 1];
      if (flag == "--model") o.model = v;
      else if (flag == "--batch") o.batch = std::stoul(v);
      else if (flag == "--steps") o.steps = std::stoul(v);
      else if (flag == "--reps") o.reps = std::stoul(v);
      else if (flag == "--bucket") o.bucket = std::stoul(v);
      else if (flag == "--overlap") o.overlap = v != "0";
      else throw sf::invalid_argument("bench_dist: unknown flag " + flag);
    }
    return run(env, o);
  });
}
