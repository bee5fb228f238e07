// SPDX-License-Identifier: MIT
/// \file
/// \brief Data parallelism changes nothing but rounding: LeNet-5 trained for N steps on MNIST by
/// every rank at batch b (rank r takes rows [2bk + rb, 2bk + (r + 1)b) of the k-th global batch)
/// against one process at batch size b x ranks on the same rows, under `mpirun -np 2`.
///
/// Checked: every rank's variables are bit-identical to rank 0's after every step (they apply
/// the same averaged gradient to the same values); the losses (the mean over the ranks of each
/// rank's mean loss) and the variables match the single process's to a relative tolerance
/// (below); and the fused buckets with overlap (many small buckets, all-reduces started during
/// the backward pass) give bit-identical results to one bucket reduced after the pass.
///
/// **Tolerance.** The single process's gradient of the mean loss is (1 / 2b) x (a sum over 2b
/// rows); the ranks' average is ((1 / b) x (a sum over b rows) + (1 / b) x (another)) / 2. With
/// b a power of two the scalings are exact, so the only difference is the order of the float
/// sums over the batch (the GEMMs and reductions block the 2b rows differently from two sets of
/// b, and MPI adds the two halves last): a few ulps (~1e-7 relative) of each gradient per
/// step. Momentum SGD passes such differences on roughly linearly; over 30 steps the largest
/// difference measured was 2e-6 of a variable's largest magnitude (in the last layer's weights)
/// and 7e-7 of a loss, so the test allows 1e-4 of each: fifty times the rounding noise, and far
/// below what a wrong average gives (a factor of 2 in the step, or one rank's half of the batch
/// left out: differences of 1e-2 and more).
/// Adam is not used here: its first steps move each weight by about lr x sign(g), and a gradient
/// that cancels to near zero can change sign with the summation order.
#include "staticflow/staticflow.hpp"  // first: the host kernels before the headers that use them
#include <algorithm>
#include <cmath>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "mpi_check.hpp"
#include "staticflow/data/mnist.hpp"
#include "staticflow/dist/mpi.hpp"
#include "staticflow/nn/conv.hpp"

namespace sf = staticflow;
namespace nn = staticflow::nn;

using lenet5 = nn::sequential<nn::input<28, 28, 1>,                                 //
                              nn::conv2d<6, 5, 5>, nn::relu, nn::max_pool2d<2, 2>,  //
                              nn::conv2d<16, 5, 5>, nn::relu, nn::max_pool2d<2, 2>, //
                              nn::flatten, nn::dense<120>, nn::relu, nn::dense<84>, nn::relu, nn::dense<10>>;

namespace {

constexpr std::size_t steps = 30;
constexpr std::uint64_t seed = 5;
constexpr double tolerance = 1e-4;

struct trained {
  std::vector<double> losses;                   ///< per step: the mean over ranks of each rank's loss
  std::vector<std::vector<float>> variables;    ///< after the last step, in creation order
  std::vector<std::string> names;
  bool identical_every_step = true;             ///< the ranks' variables hashed equal after every step
  sf::dist::data_parallel_stats stats;
};

std::vector<std::vector<float>> values_of(sf::session<>& s) {
  std::vector<std::vector<float>> out;
  auto& st = s.effective_state();
  for (const auto& v : s.get_graph().global_variables()) {
    std::vector<float> x(v->bytes() / sizeof(float));
    st.download(x.data(), st.value_slot(*v).data, v->bytes());
    out.push_back(std::move(x));
  }
  return out;
}

/// N steps of LeNet-5 with momentum SGD; `batch` rows per step starting at row `offset` of each
/// block of `stride` rows. With `options`, data-parallel over MPI.
trained train(const sf::data::dataset& data, std::size_t batch, std::size_t offset, std::size_t stride,
              const sf::dist::mpi_environment& env, std::optional<sf::dist::data_parallel_options> options) {
  sf::graph g;
  nn::model<lenet5> net(g, seed);
  const auto x = sf::placeholder<float, lenet5::input_shape, "x">();
  const auto y = sf::placeholder<float, sf::shape<sf::dyn, 10>, "y">();
  const auto loss = sf::reduce_mean(sf::softmax_cross_entropy_with_logits(y, net.training(x)));
  const auto step = sf::train::momentum(0.05, 0.9).minimize(loss);
  sf::session<> s(g);
  s.run(sf::global_variables_initializer());
  std::optional<sf::dist::mpi_data_parallel> sync;
  if (options) sync.emplace(s, *options);

  trained out;
  sf::tensor<float, lenet5::input_shape> xs(batch);
  sf::tensor<float, sf::shape<sf::dyn, 10>> ys(batch);
  for (std::size_t k = 0; k < steps; ++k) {
    data.fill_images(k * stride + offset, batch, xs.data());
    data.fill_labels(k * stride + offset, batch, ys.data());
    double l = static_cast<float>(s.run(step, sf::feed(x, xs), sf::feed(y, ys)));
    if (sync) {
      l = env.allreduce_sum(l) / env.size();
      // Every rank's variables hash the same as rank 0's after this step's update.
      std::string bytes;
      for (const auto& v : values_of(s)) bytes.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float));
      const double h = static_cast<double>(sf::dist::detail::fnv1a(bytes) >> 12);  // exact in a double
      if (env.allreduce_max(h) != h || -env.allreduce_max(-h) != h) out.identical_every_step = false;
    }
    out.losses.push_back(l);
  }
  out.variables = values_of(s);
  for (const auto& v : g.global_variables()) out.names.push_back(v->name());
  if (sync) out.stats = sync->stats();
  return out;
}

/// The largest |a - b| over the largest |b| of each variable, over all variables.
double worst_relative(const std::vector<std::vector<float>>& a, const std::vector<std::vector<float>>& b,
                      std::string* where) {
  double worst = 0;
  for (std::size_t i = 0; i < b.size(); ++i) {
    double scale = 0, diff = 0;
    for (std::size_t j = 0; j < b[i].size(); ++j) {
      scale = std::max(scale, std::abs(double(b[i][j])));
      diff = std::max(diff, std::abs(double(a[i][j]) - double(b[i][j])));
    }
    const double r = diff / std::max(scale, 1e-30);
    if (r > worst) worst = r, *where = std::to_string(i);
  }
  return worst;
}

int run(sf::dist::mpi_environment& env) {
  sf_test::mpi_checks t(env);
  const auto data = sf::data::read_data_sets(sf_test::mnist_dir(), {.one_hot = true});
  const std::size_t b = 32, ranks = static_cast<std::size_t>(env.size()), global = b * ranks;
  t.note("LeNet-5, " + std::to_string(steps) + " steps: " + std::to_string(ranks) + " ranks x batch " +
         std::to_string(b) + " against 1 process x batch " + std::to_string(global));

  // One bucket of 4 MiB (LeNet-5's 177 KB of gradients) reduced after the backward pass...
  const auto fused = train(data.train, b, b * static_cast<std::size_t>(env.rank()), global, env,
                           sf::dist::data_parallel_options{.overlap = false});
  // ...and 16 KiB buckets started during the pass (from the second step on).
  const auto overlapped = train(data.train, b, b * static_cast<std::size_t>(env.rank()), global, env,
                                sf::dist::data_parallel_options{.bucket_bytes = 16 << 10, .overlap = true});
  // Every rank computes the single-process run itself (the same on each).
  const auto alone = train(data.train, global, 0, global, env, std::nullopt);

  t.check(fused.identical_every_step, "the ranks' variables are bit-identical after every step (one bucket)");
  t.check(overlapped.identical_every_step, "the ranks' variables are bit-identical after every step (overlap)");
  t.check(fused.stats.buckets == 1, "LeNet-5's gradients fit one 4 MiB bucket (got " +
                                        std::to_string(fused.stats.buckets) + ")");
  t.check(fused.stats.bytes_per_step == 44426 * sizeof(float), "44426 floats reduced per step");
  // 16 KiB buckets: the 120 x 256 and 84 x 120 weights alone, the rest packed (5 in all).
  t.check(overlapped.stats.buckets >= 4, "16 KiB buckets: several (got " + std::to_string(overlapped.stats.buckets) + ")");
  t.check(overlapped.stats.overlapped_buckets > 0,
          "some buckets started during the backward pass (" + std::to_string(overlapped.stats.overlapped_buckets) + ")");
  t.check(fused.stats.overlapped_buckets == 0, "overlap = false starts nothing during the pass");

  // The full bytes of every rank's variables against rank 0's.
  std::string mine;
  for (const auto& v : overlapped.variables) mine.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float));
  std::string zero = sf::dist::detail::broadcast_string(mine, 0, env.comm());
  t.check(zero == mine, "rank " + std::to_string(env.rank()) + "'s variables are bit-identical to rank 0's");

  // Bucketing and overlap change nothing: MPI adds the same two numbers for each element.
  bool same = fused.losses == overlapped.losses;
  for (std::size_t i = 0; i < fused.variables.size(); ++i) same = same && fused.variables[i] == overlapped.variables[i];
  t.check(same, "one bucket after the pass and 16 KiB buckets during it give bit-identical results");

  // Against the single process at the global batch.
  double worst_loss = 0;
  for (std::size_t k = 0; k < steps; ++k) {
    const double r = std::abs(fused.losses[k] - alone.losses[k]) / std::abs(alone.losses[k]);
    worst_loss = std::max(worst_loss, r);
  }
  std::string where;
  const double worst_var = worst_relative(fused.variables, alone.variables, &where);
  char line[256];
  std::snprintf(line, sizeof line, "largest relative difference to the single process: loss %.3g, variables %.3g (%s)",
                worst_loss, worst_var, where.empty() ? "-" : alone.names[std::stoul(where)].c_str());
  t.note(line);
  std::snprintf(line, sizeof line, "loss at step 1: %.6f, at step %zu: %.6f (single process %.6f, %.6f)",
                fused.losses.front(), steps, fused.losses.back(), alone.losses.front(), alone.losses.back());
  t.note(line);
  t.check(worst_loss <= tolerance, "losses within " + std::to_string(tolerance) + " of the single process's");
  t.check(worst_var <= tolerance, "variables within " + std::to_string(tolerance) + " of the single process's");
  t.check(alone.losses.back() < alone.losses.front(), "the loss falls");
  return t.verdict();
}

}  // namespace

int main(int argc, char** argv) {
  sf::dist::mpi_environment env(argc, argv);
  return env.run([&] { return run(env); });
}
