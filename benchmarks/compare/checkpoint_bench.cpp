// SPDX-License-Identifier: MIT
/// \file
/// \brief Checkpoint save and restore speed, staticflow's side of benchmarks/compare/run_checkpoint
/// (checkpoint_torch.py is PyTorch's): the variables of LeNet-5 (44426 floats) and of the
/// chapter-5 MLP (397510 floats), and 100 tensors of [512, 512] floats (100 MiB), saved with
/// `train::saver` (with and without fsync: torch.save does not fsync) and restored into the
/// session. Prints `SET save_fsync|save|restore SECONDS MB` lines, each the median of REPS runs.
///
///   compare_checkpoint DIR REPS
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include <staticflow/staticflow.hpp>

namespace sf = staticflow;

namespace {

template <class S>
void add(sf::graph& g, const std::string& name, std::uint64_t seed) {
  g.variable<float, S>(name, sf::init::random_normal(0.1, 0.0, seed));
}

void lenet5(sf::graph& g) {
  add<sf::shape<5, 5, 1, 6>>(g, "conv1/weights", 1), add<sf::shape<6>>(g, "conv1/biases", 2);
  add<sf::shape<5, 5, 6, 16>>(g, "conv2/weights", 3), add<sf::shape<16>>(g, "conv2/biases", 4);
  add<sf::shape<256, 120>>(g, "fc1/weights", 5), add<sf::shape<120>>(g, "fc1/biases", 6);
  add<sf::shape<120, 84>>(g, "fc2/weights", 7), add<sf::shape<84>>(g, "fc2/biases", 8);
  add<sf::shape<84, 10>>(g, "fc3/weights", 9), add<sf::shape<10>>(g, "fc3/biases", 10);
}
void mlp(sf::graph& g) {
  add<sf::shape<784, 500>>(g, "layer1/weights", 1), add<sf::shape<500>>(g, "layer1/biases", 2);
  add<sf::shape<500, 10>>(g, "layer2/weights", 3), add<sf::shape<10>>(g, "layer2/biases", 4);
}
void big(sf::graph& g) {
  for (int i = 0; i < 100; ++i) add<sf::shape<512, 512>>(g, "tensor_" + std::to_string(i), 100 + i);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

template <class F>
double time_median(int reps, F&& f) {
  std::vector<double> t;
  for (int r = 0; r < reps; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    t.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  return median(t);
}

void run(const char* set, void (*build)(sf::graph&), const std::filesystem::path& dir, int reps) {
  sf::graph g;
  build(g);
  sf::session<> s(g);
  s.run(sf::global_variables_initializer());
  double mb = 0;
  for (const auto& v : g.global_variables()) mb += double(v->bytes()) / 1e6;
  const std::string prefix = (dir / set).string();
  sf::train::saver synced({.max_to_keep = 1}), unsynced({.max_to_keep = 1, .sync = false});
  synced.save(s, prefix), unsynced.save(s, prefix);  // warm: files exist, page cache hot
  std::printf("%s save_fsync %.6f %.3f\n", set, time_median(reps, [&] { synced.save(s, prefix); }), mb);
  std::printf("%s save %.6f %.3f\n", set, time_median(reps, [&] { unsynced.save(s, prefix); }), mb);
  sf::train::saver restorer;
  restorer.restore(s, prefix);
  std::printf("%s restore %.6f %.3f\n", set, time_median(reps, [&] { restorer.restore(s, prefix); }), mb);
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s DIR REPS\n", argv[0]);
    return 2;
  }
  const std::filesystem::path dir = argv[1];
  std::filesystem::create_directories(dir);
  const int reps = std::stoi(argv[2]);
  run("lenet5", lenet5, dir, reps);
  run("mlp", mlp, dir, reps);
  run("big100", big, dir, std::max(3, reps / 10));
}
