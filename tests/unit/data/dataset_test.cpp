// SPDX-License-Identifier: MIT
/// \file
/// \brief Tests of staticflow/data/dataset.hpp: the generator, TensorFlow's next_batch epoch logic, conversion.

#include "staticflow/data/dataset.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <vector>

namespace sf = staticflow;
using Catch::Matchers::Contains;

namespace {

constexpr std::size_t pixels = 2;

/// Ten examples; example i has label i and pixels {20 * i, 255 - i}, so a batch row names its example.
sf::data::dataset ten_examples(sf::data::dataset_options options = {}) {
  std::vector<std::uint8_t> images, labels;
  for (std::uint8_t i = 0; i < 10; ++i) {
    images.push_back(static_cast<std::uint8_t>(20 * i));
    images.push_back(static_cast<std::uint8_t>(255 - i));
    labels.push_back(i);
  }
  return sf::data::dataset(images, labels, pixels, options);
}

/// Checks that each row's pixels belong to its label and returns the labels (= example ids).
std::vector<int> examples_of(const sf::data::batch& b) {
  std::vector<int> ids;
  for (std::size_t r = 0; r < b.size; ++r) {
    const int id = b.label_indices[r];
    CHECK(b.images[r * pixels] == static_cast<float>(20 * id) / 255.0f);
    CHECK(b.images[r * pixels + 1] == static_cast<float>(255 - id) / 255.0f);
    ids.push_back(id);
  }
  return ids;
}

std::vector<int> sorted(std::vector<int> v) {
  std::sort(v.begin(), v.end());
  return v;
}

const std::vector<int> all_ten = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};

}  // namespace

TEST_CASE("splitmix64 reproduces published output sequences", "[data][rng]") {
  // Rosetta Code "Pseudo-random numbers/Splitmix64", seed 1234567.
  sf::data::splitmix64 a(1234567);
  CHECK(a() == 6457827717110365317ULL);
  CHECK(a() == 3203168211198807973ULL);
  CHECK(a() == 9817491932198370423ULL);
  CHECK(a() == 4593380528125082431ULL);
  CHECK(a() == 16408922859458223821ULL);
  // Apache Commons Math SplitMix64Test, seed 0x1a2b3c4d5e6f7531.
  sf::data::splitmix64 b(0x1a2b3c4d5e6f7531ULL);
  CHECK(b() == 0x4141302768c9e9d0ULL);
  CHECK(b() == 0x64df48c4eab51b1aULL);
  CHECK(b() == 0x4e723b53dbd901b3ULL);
  CHECK(b() == 0xead8394409dd6454ULL);
}

TEST_CASE("shuffle is Fisher-Yates from the back over splitmix64", "[data][rng]") {
  // Seed 1234567 outputs r0 = 6457827717110365317, r1 = 3203168211198807973.
  // i = 3: 2^64 mod 3 = 1 <= r0, j = r0 mod 3 = 0, swap v[2], v[0] -> {2, 1, 0}.
  // i = 2: 2^64 mod 2 = 0, j = r1 mod 2 = 1, swap v[1], v[1] -> unchanged.
  sf::data::splitmix64 rng(1234567);
  std::vector<int> v = {0, 1, 2};
  sf::data::shuffle(v, rng);
  CHECK(v == std::vector<int>{2, 1, 0});

  sf::data::splitmix64 r2(42);
  std::vector<int> w(100);
  for (int i = 0; i < 100; ++i) w[static_cast<std::size_t>(i)] = i;
  sf::data::shuffle(w, r2);
  std::vector<int> expect(100);
  for (int i = 0; i < 100; ++i) expect[static_cast<std::size_t>(i)] = i;
  CHECK(w != expect);
  CHECK(sorted(w) == expect);
  CHECK(r2.uniform(1) == 0);
}

TEST_CASE("next_batch without shuffling walks the examples in order across epochs", "[data][batch]") {
  auto ds = ten_examples({.one_hot = false, .shuffle = false});
  CHECK(examples_of(ds.next_batch(4)) == std::vector<int>{0, 1, 2, 3});
  CHECK(examples_of(ds.next_batch(4)) == std::vector<int>{4, 5, 6, 7});
  CHECK(ds.epochs_completed() == 0);
  // Crosses the boundary: the 2 left of epoch 0, then 2 from the start of epoch 1.
  CHECK(examples_of(ds.next_batch(4)) == std::vector<int>{8, 9, 0, 1});
  CHECK(ds.epochs_completed() == 1);
  CHECK(ds.index_in_epoch() == 2);
}

TEST_CASE("next_batch follows TensorFlow's epoch bookkeeping with shuffling", "[data][batch]") {
  auto ds = ten_examples({.one_hot = false, .shuffle = true, .seed = 7});
  const std::vector<std::size_t> epochs = {0, 0, 1, 1, 1, 2};
  const std::vector<std::size_t> index = {4, 8, 2, 6, 10, 4};
  std::vector<std::vector<int>> batches;
  for (std::size_t k = 0; k < 6; ++k) {
    batches.push_back(examples_of(ds.next_batch(4)));
    CHECK(ds.epochs_completed() == epochs[k]);
    CHECK(ds.index_in_epoch() == index[k]);
  }
  // Epoch 0 = batches 0, 1 and the first 2 rows of batch 2; epoch 1 = the rest of batch 2, batches 3, 4.
  std::vector<int> epoch0 = batches[0], epoch1(batches[2].begin() + 2, batches[2].end());
  epoch0.insert(epoch0.end(), batches[1].begin(), batches[1].end());
  epoch0.insert(epoch0.end(), batches[2].begin(), batches[2].begin() + 2);
  epoch1.insert(epoch1.end(), batches[3].begin(), batches[3].end());
  epoch1.insert(epoch1.end(), batches[4].begin(), batches[4].end());
  CHECK(sorted(epoch0) == all_ten);
  CHECK(sorted(epoch1) == all_ten);
  // The first epoch was shuffled and the second reshuffled.
  CHECK(epoch0 != all_ten);
  CHECK(epoch1 != epoch0);
  // Batch 4 ended exactly at the boundary, so batch 5 starts epoch 2 with no leftover rows.
  const auto last = sorted(batches[5]);
  CHECK(std::adjacent_find(last.begin(), last.end()) == last.end());
}

TEST_CASE("next_batch is deterministic for a seed", "[data][batch]") {
  auto a = ten_examples({.seed = 3});
  auto b = ten_examples({.seed = 3});
  auto c = ten_examples({.seed = 4});
  std::vector<int> seq_a, seq_b, seq_c;
  for (int k = 0; k < 7; ++k) {
    for (int id : a.next_batch(3).label_indices) seq_a.push_back(id);
    for (int id : b.next_batch(3).label_indices) seq_b.push_back(id);
    for (int id : c.next_batch(3).label_indices) seq_c.push_back(id);
  }
  CHECK(seq_a == seq_b);
  CHECK(seq_a != seq_c);
}

TEST_CASE("next_batch one-hot labels and the allocation-free form", "[data][batch]") {
  auto ds = ten_examples({.one_hot = true, .shuffle = false});
  REQUIRE(ds.label_size() == 10);
  const auto b = ds.next_batch(3);
  REQUIRE(b.labels.size() == 30);
  for (std::size_t r = 0; r < 3; ++r) {
    for (std::size_t c = 0; c < 10; ++c) CHECK(b.labels[r * 10 + c] == (c == r ? 1.0f : 0.0f));
  }

  // Same seed, same options: the buffer form yields the same rows as the vector form.
  auto x = ten_examples({.one_hot = true, .seed = 11});
  auto y = ten_examples({.one_hot = true, .seed = 11});
  std::vector<float> images(4 * pixels), labels(4 * 10);
  for (int k = 0; k < 4; ++k) {
    const auto expect = x.next_batch(4);
    y.next_batch(4, images.data(), labels.data());
    CHECK(images == expect.images);
    CHECK(labels == expect.labels);
  }

  auto z = ten_examples({.one_hot = false, .shuffle = false});
  float idx_labels[3];
  float idx_images[3 * pixels];
  z.next_batch(3, idx_images, idx_labels);
  CHECK(idx_labels[0] == 0.0f);
  CHECK(idx_labels[2] == 2.0f);
  CHECK(z.label_size() == 1);
}

TEST_CASE("pixels are scaled to [0, 1]", "[data][batch]") {
  sf::data::dataset ds({0, 51, 255, 128}, {1}, 4, {.shuffle = false});
  const auto b = ds.next_batch(1);
  CHECK(b.images[0] == 0.0f);
  CHECK(b.images[1] == 0.2f);  // 51 / 255 = 1 / 5
  CHECK(b.images[2] == 1.0f);
  CHECK(b.images[3] == Approx(128.0 / 255.0).epsilon(1e-7));
  CHECK(b.labels == std::vector<float>{1.0f});
}

TEST_CASE("fill_images and fill_labels read the original order in chunks", "[data][batch]") {
  auto ds = ten_examples({.one_hot = true, .seed = 5});
  (void)ds.next_batch(7);  // shuffling must not affect fill_*
  std::vector<float> images(3 * pixels), labels(3 * 10);
  std::vector<std::int32_t> ids(3);
  ds.fill_images(6, 3, images.data());
  ds.fill_labels(6, 3, labels.data());
  ds.fill_label_indices(6, 3, ids.data());
  CHECK(ids == std::vector<std::int32_t>{6, 7, 8});
  CHECK(images[0] == 120.0f / 255.0f);
  CHECK(images[5] == 247.0f / 255.0f);
  CHECK(labels[6] == 1.0f);
  CHECK(labels[10 + 7] == 1.0f);
  CHECK(std::count(labels.begin(), labels.end(), 1.0f) == 3);
  ds.fill_images(10, 0, images.data());  // an empty range at the end is fine
  CHECK_THROWS_MATCHES(ds.fill_images(8, 3, images.data()), sf::out_of_range,
                       Catch::Matchers::Message("staticflow::data::dataset::fill_images: examples [8, 8 + 3) pass "
                                                "num_examples() = 10"));
  CHECK_THROWS_AS(ds.fill_labels(11, 0, labels.data()), sf::out_of_range);
}

TEST_CASE("dataset rejects bad batch sizes and inconsistent construction", "[data][batch]") {
  auto ds = ten_examples();
  CHECK_THROWS_MATCHES(ds.next_batch(0), sf::invalid_argument,
                       Catch::Matchers::Message(
                           "staticflow::data::dataset::next_batch: batch size 0 must be in [1, num_examples() = 10]"));
  CHECK_THROWS_AS(ds.next_batch(11), sf::invalid_argument);
  CHECK_NOTHROW(ds.next_batch(10));
  float buf[20];
  CHECK_THROWS_AS(ds.next_batch(1, nullptr, buf), sf::invalid_argument);
  CHECK_THROWS_AS(sf::data::dataset().next_batch(1), sf::invalid_argument);

  CHECK_THROWS_WITH(sf::data::dataset({1, 2, 3}, {0, 1}, 2), Contains("3 pixel bytes are not 2 labels"));
  CHECK_THROWS_WITH(sf::data::dataset({1, 2}, {0, 10}, 1), Contains("label 10 at index 1 is not in [0, 10)"));
  CHECK_THROWS_AS(sf::data::dataset({1}, {0}, 0), sf::invalid_argument);
}

TEST_CASE("shard takes every count-th example, equal shards, the remainder left out", "[data][shard]") {
  const auto all = ten_examples({.shuffle = false});
  const auto s0 = all.shard(0, 3), s1 = all.shard(1, 3), s2 = all.shard(2, 3);
  CHECK(s0.num_examples() == 3);
  CHECK(s1.num_examples() == 3);
  CHECK(s2.num_examples() == 3);  // example 9 (10 = 3 * 3 + 1) is in no shard
  CHECK(s0.labels() == std::vector<std::uint8_t>{0, 3, 6});
  CHECK(s1.labels() == std::vector<std::uint8_t>{1, 4, 7});
  CHECK(s2.labels() == std::vector<std::uint8_t>{2, 5, 8});
  auto copy = all.shard(1, 3);
  CHECK(examples_of(copy.next_batch(3)) == std::vector<int>{1, 4, 7});  // pixels travel with labels
  // shard(0, 1) is the data set itself, shuffled the same way.
  auto a = ten_examples({.seed = 9}), b = a.shard(0, 1);
  CHECK(examples_of(a.next_batch(10)) == examples_of(b.next_batch(10)));
  // Other shards draw their own orders: seed + index.
  CHECK(ten_examples({.seed = 4}).shard(1, 2).options().seed == 5);
  CHECK_THROWS_WITH(all.shard(3, 3), Contains("shard 3 of 3"));
  CHECK_THROWS_WITH(all.shard(0, 0), Contains("shard 0 of 0"));
  CHECK_THROWS_WITH(all.shard(0, 11), Contains("of 10 examples"));
}
