// SPDX-License-Identifier: MIT
/// \file
/// \brief Reads the real MNIST files (directory in $SF_MNIST_DIR) and checks them against published facts.
///
/// Fashion-MNIST is checked too when present: $SF_FASHION_MNIST_DIR, else the
/// directory Debian's dataset-fashion-mnist package installs (gzipped files).

#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <numeric>
#include <string>
#include <vector>

#include "staticflow/data/mnist.hpp"

namespace sf = staticflow;

namespace {

std::filesystem::path mnist_dir() {
  const char* dir = std::getenv("SF_MNIST_DIR");
  if (dir == nullptr || *dir == '\0') {
    FAIL("SF_MNIST_DIR is not set: point it at the MNIST directory (scripts/fetch-mnist fills data/mnist)");
  }
  return dir;
}

std::array<int, 10> histogram(const std::vector<std::uint8_t>& labels) {
  std::array<int, 10> h{};
  for (std::uint8_t l : labels) ++h.at(l);
  return h;
}

}  // namespace

TEST_CASE("MNIST splits have TensorFlow's sizes and order", "[data][mnist][integration]") {
  const auto dir = mnist_dir();
  const auto d = sf::data::read_data_sets(dir);
  CHECK(d.train.num_examples() == 55000);
  CHECK(d.validation.num_examples() == 5000);
  CHECK(d.test.num_examples() == 10000);
  CHECK(d.train.image_size() == 784);
  CHECK(d.train.num_classes() == 10);
  CHECK(d.train.images().size() == 55000u * 784u);

  // Validation is the head of the training file, train the tail.
  const auto file_labels = sf::data::read_idx(sf::data::find_mnist_file(dir, sf::data::mnist_train_labels)).bytes;
  REQUIRE(file_labels.size() == 60000);
  CHECK(d.validation.labels().front() == file_labels.front());
  CHECK(d.train.labels().front() == file_labels[5000]);
  CHECK(d.train.labels().back() == file_labels.back());
  // Well-known first digits: the first training image is a 5, the first test image a 7.
  CHECK(file_labels.front() == 5);
  CHECK(d.test.labels().front() == 7);
}

TEST_CASE("MNIST labels have the published class counts", "[data][mnist][integration]") {
  const auto d = sf::data::read_data_sets(mnist_dir());
  CHECK(histogram(d.test.labels()) == std::array<int, 10>{980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009});
  auto all_train = histogram(d.train.labels());
  const auto val = histogram(d.validation.labels());
  for (std::size_t c = 0; c < 10; ++c) all_train[c] += val[c];
  CHECK(all_train == std::array<int, 10>{5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949});
}

TEST_CASE("MNIST pixels span 0..255 with the usual mean", "[data][mnist][integration]") {
  const auto d = sf::data::read_data_sets(mnist_dir(), {.validation_size = 0});
  const auto& px = d.train.images();
  CHECK(*std::min_element(px.begin(), px.end()) == 0);
  CHECK(*std::max_element(px.begin(), px.end()) == 255);
  // The mean of all 60000 training images scaled to [0, 1] is the familiar 0.1307.
  const double sum = std::accumulate(px.begin(), px.end(), 0.0);
  CHECK(sum / 255.0 / static_cast<double>(px.size()) == Approx(0.1307).margin(1e-4));
}

TEST_CASE("one MNIST epoch of next_batch visits every training example once", "[data][mnist][integration]") {
  auto d = sf::data::read_data_sets(mnist_dir(), {.one_hot = true, .seed = 1});
  std::array<int, 10> seen{};
  float lo = 1.0f, hi = 0.0f;
  for (int k = 0; k < 550; ++k) {
    const auto b = d.train.next_batch(100);
    REQUIRE(b.images.size() == 100u * 784u);
    REQUIRE(b.labels.size() == 100u * 10u);
    for (std::int32_t l : b.label_indices) ++seen.at(static_cast<std::size_t>(l));
    for (std::size_t r = 0; r < 100; ++r) {
      CHECK(b.labels[r * 10 + static_cast<std::size_t>(b.label_indices[r])] == 1.0f);
    }
    const auto [mn, mx] = std::minmax_element(b.images.begin(), b.images.end());
    lo = std::min(lo, *mn);
    hi = std::max(hi, *mx);
  }
  CHECK(d.train.epochs_completed() == 0);  // the 550th batch ends exactly at the boundary
  CHECK(seen == histogram(d.train.labels()));
  CHECK(lo == 0.0f);
  CHECK(hi == 1.0f);
  (void)d.train.next_batch(100);
  CHECK(d.train.epochs_completed() == 1);
}

TEST_CASE("Fashion-MNIST reads through the same loader when installed", "[data][fashion][integration]") {
  const char* env = std::getenv("SF_FASHION_MNIST_DIR");
  const std::filesystem::path dir = env != nullptr && *env != '\0' ? env : sf::data::fashion_mnist_debian_dir;
  std::error_code ec;
  if (!std::filesystem::exists(dir / "t10k-labels-idx1-ubyte.gz", ec) &&
      !std::filesystem::exists(dir / "t10k-labels-idx1-ubyte", ec)) {
    WARN("Fashion-MNIST not found in " << dir << " (apt-get install dataset-fashion-mnist); skipped");
    return;
  }
  const auto d = sf::data::read_data_sets(dir);
  CHECK(d.train.num_examples() == 55000);
  CHECK(d.validation.num_examples() == 5000);
  // Fashion-MNIST is balanced: 6000 training and 1000 test images per class.
  CHECK(histogram(d.test.labels()) ==
        std::array<int, 10>{1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000});
  auto all_train = histogram(d.train.labels());
  const auto val = histogram(d.validation.labels());
  for (std::size_t c = 0; c < 10; ++c) all_train[c] += val[c];
  CHECK(all_train == std::array<int, 10>{6000, 6000, 6000, 6000, 6000, 6000, 6000, 6000, 6000, 6000});
}
