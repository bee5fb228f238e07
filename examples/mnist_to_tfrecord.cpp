// SPDX-License-Identifier: MIT
/// \file
/// \brief The seed's chapter 7.1 program: MNIST's training images written as TFRecord files of
/// tf.train.Example (features `pixels`, `label`, `image_raw`), read back by the trainers'
/// `--tfrecord GLOB` and by TensorFlow.
///
/// Usage: mnist_to_tfrecord --out FILE [--data-dir data/mnist] [--split train|validation|test]
///                          [--shards N] [--compression none|gzip|zlib]
/// With N shards the files are FILE-0000i-of-0000N (record i to shard i % N).
#include <staticflow/staticflow.hpp>
#include <staticflow/data.hpp>
#include <staticflow/io.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

namespace sf = staticflow;

namespace {

struct options {
  std::string data_dir = "data/mnist", out, split = "train", compression = "none";
  std::size_t shards = 1;
};

options parse(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      std::puts("usage: mnist_to_tfrecord --out FILE [--data-dir DIR] [--split train|validation|test] [--shards N] "
                "[--compression none|gzip|zlib]");
      std::exit(0);
    }
    if (i + 1 >= argc) throw sf::invalid_argument("mnist_to_tfrecord: flag " + flag + " needs a value");
    const std::string v = argv[++i];
    try {
      if (flag == "--out") o.out = v;
      else if (flag == "--data-dir") o.data_dir = v;
      else if (flag == "--split") o.split = v;
      else if (flag == "--shards") o.shards = std::stoul(v);
      else if (flag == "--compression") o.compression = v;
      else throw sf::invalid_argument("mnist_to_tfrecord: unknown flag " + flag + " (try --help)");
    } catch (const std::logic_error&) {
      throw sf::invalid_argument("mnist_to_tfrecord: bad value '" + v + "' for " + flag);
    }
  }
  if (o.out.empty()) throw sf::invalid_argument("mnist_to_tfrecord: --out FILE is required (try --help)");
  if (o.shards == 0) throw sf::invalid_argument("mnist_to_tfrecord: --shards must be positive");
  if (o.split != "train" && o.split != "validation" && o.split != "test")
    throw sf::invalid_argument("mnist_to_tfrecord: --split must be train, validation or test");
  return o;
}

int run(const options& o) {
  const sf::io::compression c = sf::io::compression_from_string(o.compression);
  const auto data = sf::data::read_data_sets(o.data_dir);
  const sf::data::dataset& set = o.split == "train" ? data.train : o.split == "validation" ? data.validation : data.test;
  if (const auto dir = std::filesystem::path(o.out).parent_path(); !dir.empty()) std::filesystem::create_directories(dir);
  const auto start = std::chrono::steady_clock::now();
  const auto files = sf::data::write_mnist_tfrecord(set, o.out, o.shards, {.compression = c});
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::uintmax_t bytes = 0;
  for (const auto& f : files) bytes += std::filesystem::file_size(f);
  std::printf("wrote %zu %s examples to %zu file%s (%s, %.1f MB) in %.2f s\n", set.num_examples(), o.split.c_str(),
              files.size(), files.size() == 1 ? "" : "s", o.compression.c_str(), double(bytes) / 1e6, secs);
  for (const auto& f : files) std::printf("  %s\n", f.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(parse(argc, argv));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
}
