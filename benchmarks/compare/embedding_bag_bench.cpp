// SPDX-License-Identifier: MIT
/// \file
/// \brief An embedding bag trained with sparse Adagrad (issue 23): a [vocabulary, 64] float table,
/// batches of 4096 bags of 20 ids each, mean combiner (sf::embedding_lookup_sparse), loss
/// 0.5 * sum(bag^2), forward + row-sparse backward + sparse Adagrad per step. Prints one line
/// per vocabulary for benchmarks/compare/run_embedding_bag, which pairs it with
/// embedding_bag.py (torch.nn.EmbeddingBag(mode="mean", sparse=True) + torch.optim.Adagrad) on
/// the same ids: both draw them with splitmix64 from the same seeds.
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <staticflow/staticflow.hpp>

#include "bench_support.hpp"

namespace sf = staticflow;

namespace {

constexpr std::size_t dim = 64;

/// splitmix64 (Steele, Lea and Flood): the ids' generator, the same in embedding_bag.py.
std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

struct bag_batch {
  sf::tensor<std::int64_t, sf::shape<sf::dyn, 2>, sf::host> indices;
  sf::tensor<std::int64_t, sf::shape<sf::dyn>, sf::host> ids;
};

/// Batch `b`: bag r holds ids splitmix64(seed = b * 2^32 + r, 20 draws) % range (the
/// vocabulary, or fewer rows to touch the same rows as a smaller table).
bag_batch make_batch(std::size_t b, std::size_t batch, std::size_t per_bag, std::size_t range) {
  bag_batch out{sf::tensor<std::int64_t, sf::shape<sf::dyn, 2>, sf::host>(sf::dims_t<sf::shape<sf::dyn, 2>>{{batch * per_bag, 2}}),
                sf::tensor<std::int64_t, sf::shape<sf::dyn>, sf::host>(sf::dims_t<sf::shape<sf::dyn>>{{batch * per_bag}})};
  for (std::size_t r = 0; r < batch; ++r) {
    std::uint64_t state = (static_cast<std::uint64_t>(b) << 32) + r;
    for (std::size_t k = 0; k < per_bag; ++k) {
      const std::size_t e = r * per_bag + k;
      out.indices.data()[2 * e] = static_cast<std::int64_t>(r);
      out.indices.data()[2 * e + 1] = static_cast<std::int64_t>(k);
      out.ids.data()[e] = static_cast<std::int64_t>(splitmix64(state) % range);
    }
  }
  return out;
}

template <std::size_t Vocab>
void run(const bench::options& o, std::size_t batch, std::size_t per_bag, std::size_t distinct, std::size_t range = Vocab) {
  sf::graph g;
  auto guard = g.as_default();
  auto table = sf::variable<float, sf::shape<Vocab, dim>>("table", sf::init::random_normal(1.0, 1));
  auto ind = sf::placeholder<std::int64_t, sf::shape<sf::dyn, 2>, "indices">();
  auto ids = sf::placeholder<std::int64_t, sf::shape<sf::dyn>, "ids">();
  const auto sp = sf::make_sparse_tensor(ind, ids, {static_cast<std::int64_t>(batch), static_cast<std::int64_t>(per_bag)});
  auto bag = sf::embedding_lookup_sparse(table, sp, sf::combiner::mean);                      // [4096, 64]
  auto loss = sf::reduce_sum(sf::square(bag)) * 0.5f;
  auto step_op = sf::train::adagrad(0.1, 0.1).minimize(loss);
  sf::session<sf::host> sess(g);
  sess.run(sf::global_variables_initializer());

  std::vector<bag_batch> batches;
  for (std::size_t b = 0; b < distinct; ++b) batches.push_back(make_batch(b, batch, per_bag, range));
  float last_loss = 0;
  auto train = [&](long step) {
    const auto& b = batches[static_cast<std::size_t>(step) % distinct];
    last_loss = sess.run(step_op, sf::feed(ind, b.indices), sf::feed(ids, b.ids));
  };
  long step = 0;
  for (; step < o.warmup; ++step) train(step);
  const double step_us = bench::median_us_per_step(o.window, o.windows, step, train);
  std::printf("staticflow vocab=%zu id_range=%zu batch=%zu ids_per_bag=%zu steps_per_s=%.2f step_us=%.1f peak_mib=%.1f "
              "loss=%.4f\n",
              Vocab, range, batch, per_bag, 1e6 / step_us, step_us, bench::peak_mib(), static_cast<double>(last_loss));
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    std::string vocab = "both";
    std::vector<char*> rest{argv[0]};
    for (int i = 1; i < argc; ++i) {
      if (std::strcmp(argv[i], "--vocab") == 0 && i + 1 < argc) vocab = argv[++i];
      else rest.push_back(argv[i]);
    }
    const auto o = bench::parse(static_cast<int>(rest.size()), rest.data(), {.warmup = 5, .window = 10, .windows = 5});
    if (vocab == "1m" || vocab == "both") run<1000000>(o, 4096, 20, 8);
    if (vocab == "10k" || vocab == "both") run<10000>(o, 4096, 20, 8);
    // The 1M table with ids from its first 10K rows: the 10K table's working set. A step that
    // costs what the 10K table's does shows the time follows the rows touched (and where they
    // lie in the memory hierarchy), not the vocabulary.
    if (vocab == "both") run<1000000>(o, 4096, 20, 8, 10000);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "compare_embedding_bag: %s\n", e.what());
    return 1;
  }
}
