// SPDX-License-Identifier: MIT
/// \file
/// \brief Transfer learning (seed 6.5): LeNet-5's feature extractor, trained on MNIST digits
/// 0-4, reused for digits 5-9 learnt from a few labelled examples. Three ways are timed and
/// evaluated on every test image of 5-9:
///  - a new head on the frozen extractor (the extractor runs forward every step, no backward);
///  - the same head trained on bottlenecks: the extractor's outputs computed once per example and
///    cached on disk (a second run reads them back);
///  - the whole network trained from scratch on the same examples.
///
/// Usage: transfer_learning [--data-dir data/mnist] [--work-dir runs/transfer] [--examples 300]
///                          [--base-epochs 2] [--epochs 40] [--batch 32] [--seed 1]
/// The base network is trained once and kept in WORK/base (delete it to train it again).
#include <staticflow/staticflow.hpp>
#include <staticflow/data/pipeline.hpp>  // from_tensor_slices for the bottlenecks

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

namespace sf = staticflow;
namespace nn = staticflow::nn;

// Layers 0-6 are the convolutional feature extractor ([?, 256] out); layers 7-11 classify.
template <template <class> class Wrap, std::size_t Classes>
using lenet5 = nn::sequential<nn::input<28, 28, 1>,                                          //
                              Wrap<nn::conv2d<6, 5, 5>>, nn::relu, nn::max_pool2d<2, 2>,     //
                              Wrap<nn::conv2d<16, 5, 5>>, nn::relu, nn::max_pool2d<2, 2>,    //
                              nn::flatten,                                                   //
                              nn::dense<120>, nn::relu, nn::dense<84>, nn::relu, nn::dense<Classes>>;
template <class L>
using as_is = L;
constexpr std::size_t extractor_layers = 7;

using base_net = lenet5<as_is, 5>;           // digits 0-4
using transfer_net = lenet5<nn::frozen, 5>;  // digits 5-9 on the frozen extractor
using scratch_net = base_net;                // digits 5-9, every layer trained
// The same head as a network of its own, trained on the cached bottlenecks.
using head_net = nn::sequential<nn::input<256>, nn::dense<120>, nn::relu, nn::dense<84>, nn::relu, nn::dense<5>>;
static_assert(std::is_same_v<transfer_net::shape_at<extractor_layers>, head_net::input_shape>);
static_assert(transfer_net::parameter_count - transfer_net::frozen_parameter_count == head_net::parameter_count);

namespace {

struct options {
  std::string data_dir = "data/mnist", work_dir = "runs/transfer";
  std::size_t examples = 300, base_epochs = 2, epochs = 40, batch = 32;
  std::uint64_t seed = 1;
};

options parse(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      std::puts("usage: transfer_learning [--data-dir DIR] [--work-dir DIR] [--examples N] [--base-epochs N] "
                "[--epochs N] [--batch N] [--seed S]");
      std::exit(0);
    }
    if (i + 1 >= argc) throw sf::invalid_argument("transfer_learning: flag " + flag + " needs a value");
    const std::string v = argv[++i];
    try {
      if (flag == "--data-dir") o.data_dir = v;
      else if (flag == "--work-dir") o.work_dir = v;
      else if (flag == "--examples") o.examples = std::stoul(v);
      else if (flag == "--base-epochs") o.base_epochs = std::stoul(v);
      else if (flag == "--epochs") o.epochs = std::stoul(v);
      else if (flag == "--batch") o.batch = std::stoul(v);
      else if (flag == "--seed") o.seed = std::stoull(v);
      else throw sf::invalid_argument("transfer_learning: unknown flag " + flag + " (try --help)");
    } catch (const std::logic_error&) {
      throw sf::invalid_argument("transfer_learning: bad value '" + v + "' for " + flag);
    }
  }
  if (o.examples == 0 || o.epochs == 0 || o.batch == 0 || o.base_epochs == 0)
    throw sf::invalid_argument("transfer_learning: --examples, --epochs, --base-epochs and --batch must be positive");
  return o;
}

/// The examples of `set` whose digit lies in [first, first + 5), relabelled 0-4; at most `limit`.
sf::data::dataset digits(const sf::data::dataset& set, int first, std::size_t limit, std::uint64_t seed) {
  std::vector<std::uint8_t> images, labels;
  const std::size_t size = set.image_size();
  for (std::size_t i = 0; i < set.num_examples() && labels.size() < limit; ++i) {
    const int d = set.labels()[i] - first;
    if (d < 0 || d >= 5) continue;
    images.insert(images.end(), set.images().begin() + i * size, set.images().begin() + (i + 1) * size);
    labels.push_back(static_cast<std::uint8_t>(d));
  }
  return {std::move(images), std::move(labels), size, {.one_hot = true, .seed = seed, .num_classes = 5}};
}

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

nn::fit_options fitting(const options& o, std::size_t epochs) {
  nn::fit_options f;
  f.epochs = epochs, f.batch = o.batch, f.progress = false;
  return f;
}

/// Trains the base network on digits 0-4 unless WORK/base holds it; returns its checkpoint.
std::string base_checkpoint(const options& o, sf::data::dataset& train04, const sf::data::dataset& test04) {
  const std::string dir = o.work_dir + "/base";
  sf::graph g;
  nn::classifier<base_net, sf::train::adam> base(sf::train::adam(0.002), o.seed, g);
  if (const auto last = sf::train::latest_checkpoint(dir)) {
    sf::train::saver().restore(base.get_session(), *last);
    std::printf("base network (digits 0-4): restored from %s, test accuracy %.4f\n", last->c_str(),
                base.evaluate(test04));
    return *last;
  }
  const auto start = std::chrono::steady_clock::now();
  base.fit(train04, fitting(o, o.base_epochs));
  std::printf("base network (digits 0-4): %zu examples, %zu epochs in %.1f s, test accuracy %.4f\n",
              train04.num_examples(), o.base_epochs, seconds_since(start), base.evaluate(test04));
  std::filesystem::create_directories(dir);
  return sf::train::saver().save(base.get_session(), dir + "/model.ckpt");
}

struct result {
  double seconds, accuracy;
};

/// A new head on the frozen extractor restored from `base`.
result head_on_frozen(const options& o, const std::string& base, sf::data::dataset& train, const sf::data::dataset& test) {
  sf::graph g;
  nn::classifier<transfer_net, sf::train::adam> net(sf::train::adam(0.01), o.seed + 1, g);
  sf::train::saver(net.network().variables(0, extractor_layers)).restore(net.get_session(), base);
  const auto start = std::chrono::steady_clock::now();
  net.fit(train, fitting(o, o.epochs));
  return {seconds_since(start), net.evaluate(test)};
}

/// The same head trained on cached bottlenecks; `second` says whether the caches existed.
result head_on_bottlenecks(const options& o, const std::string& base, const sf::data::dataset& train,
                           const sf::data::dataset& test, bool& cached) {
  const auto start = std::chrono::steady_clock::now();
  sf::graph g;
  nn::model<transfer_net> extractor(g, 0);
  sf::session<> sess(g);
  sf::train::saver(extractor.variables(0, extractor_layers)).restore(sess, base);
  const std::string dir = o.work_dir + "/bottlenecks";
  auto train_b = nn::cache_bottlenecks<extractor_layers>(sess, extractor, train, dir + "/train");
  auto test_b = nn::cache_bottlenecks<extractor_layers>(sess, extractor, test, dir + "/test");
  cached = train_b.from_cache && test_b.from_cache;

  sf::graph hg;
  nn::classifier<head_net, sf::train::adam> head(sf::train::adam(0.01), o.seed + 1, hg);
  const auto batches = sf::data::from_tensor_slices(train_b.features, train_b.labels)
                           .shuffle(static_cast<std::int64_t>(train.num_examples()), o.seed)
                           .batch(static_cast<std::int64_t>(o.batch), true);
  head.fit(batches, fitting(o, o.epochs));
  return {seconds_since(start), head.evaluate(test_b.features, test_b.labels)};
}

result from_scratch(const options& o, sf::data::dataset& train, const sf::data::dataset& test) {
  sf::graph g;
  nn::classifier<scratch_net, sf::train::adam> net(sf::train::adam(0.002), o.seed + 1, g);
  const auto start = std::chrono::steady_clock::now();
  net.fit(train, fitting(o, o.epochs));
  return {seconds_since(start), net.evaluate(test)};
}

int run(const options& o) {
  const auto mnist = sf::data::read_data_sets(o.data_dir, {.seed = o.seed});
  auto train04 = digits(mnist.train, 0, SIZE_MAX, o.seed);
  const auto test04 = digits(mnist.test, 0, SIZE_MAX, o.seed);
  const std::string base = base_checkpoint(o, train04, test04);

  auto train59 = digits(mnist.train, 5, o.examples, o.seed);
  const auto test59 = digits(mnist.test, 5, SIZE_MAX, o.seed);
  std::printf("new task (digits 5-9): %zu labelled examples, %zu epochs of batches of %zu; %zu test images\n",
              train59.num_examples(), o.epochs, o.batch, test59.num_examples());
  const result frozen = head_on_frozen(o, base, train59, test59);
  bool cached = false;
  const result bottleneck = head_on_bottlenecks(o, base, train59, test59, cached);
  const result again = head_on_bottlenecks(o, base, train59, test59, cached);
  const result scratch = from_scratch(o, train59, test59);

  std::printf("\n%-44s %10s %14s\n", "digits 5-9", "seconds", "test accuracy");
  std::printf("%-44s %10.2f %14.4f\n", "new head on the frozen extractor", frozen.seconds, frozen.accuracy);
  std::printf("%-44s %10.2f %14.4f\n", "new head on bottlenecks (computed, cached)", bottleneck.seconds,
              bottleneck.accuracy);
  std::printf("%-44s %10.2f %14.4f\n", cached ? "new head on bottlenecks (read from the cache)"
                                              : "new head on bottlenecks (cache not used!)",
              again.seconds, again.accuracy);
  std::printf("%-44s %10.2f %14.4f\n", "whole network from scratch", scratch.seconds, scratch.accuracy);
  return cached ? 0 : 1;
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
