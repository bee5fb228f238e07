// SPDX-License-Identifier: MIT
/// \file
/// \brief Tests of staticflow/data/pipeline.hpp without threads: sources, stages, iteration,
/// argument errors, values worked by hand; and data/split.hpp.

#include <catch2/catch.hpp>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <ranges>
#include <string>
#include <tuple>
#include <vector>

#include "staticflow/data/pipeline.hpp"
#include "staticflow/data/split.hpp"

namespace sf = staticflow;
namespace sd = staticflow::data;
using Catch::Matchers::Contains;

namespace {

template <class D>
auto collect(const D& ds) {
  std::vector<typename D::element_type> out;
  for (auto&& e : ds) out.push_back(std::move(e));
  return out;
}

using ints = std::vector<std::int64_t>;

sf::tensor<float, sf::shape<sf::dyn, 2>> rows_of_pairs(std::size_t n) {  // row i = {10 i, 10 i + 1}
  sf::tensor<float, sf::shape<sf::dyn, 2>> t(n);
  for (std::size_t i = 0; i < n; ++i) t.data()[2 * i] = 10.0f * i, t.data()[2 * i + 1] = 10.0f * i + 1;
  return t;
}

}  // namespace

TEST_CASE("range and iteration", "[data][pipeline]") {
  static_assert(std::ranges::input_range<sd::range_dataset>);
  static_assert(sd::pipeline_dataset<decltype(sd::range(3).map([](std::int64_t x) { return x; }))>);
  CHECK(collect(sd::range(5)) == ints{0, 1, 2, 3, 4});
  CHECK(collect(sd::range(2, 11, 3)) == ints{2, 5, 8});
  CHECK(collect(sd::range(5, 0, -2)) == ints{5, 3, 1});
  CHECK(collect(sd::range(0)).empty());
  CHECK_THROWS_WITH(sd::range(0, 5, 0), Contains("range: step must be non-zero"));

  auto it = sd::range(2).make_one_shot_iterator();
  CHECK(it.get_next() == 0);
  CHECK(it.get_next() == 1);
  CHECK_THROWS_AS(it.get_next(), sf::out_of_range);
  // Each pass starts afresh.
  const auto ds = sd::range(3);
  CHECK(collect(ds) == collect(ds));
}

TEST_CASE("from_tensor_slices: tensors, vectors, tuples", "[data][pipeline]") {
  sf::tensor<std::int32_t, sf::shape<sf::dyn>> labels(3);
  for (int i = 0; i < 3; ++i) labels.data()[i] = 7 * i;
  auto ds = sd::from_tensor_slices(rows_of_pairs(3), labels);
  static_assert(std::is_same_v<decltype(ds)::element_type,
                               std::tuple<sf::tensor<float, sf::shape<2>>, std::int32_t>>);
  int i = 0;
  for (auto&& [x, y] : ds) {
    CHECK(x(0) == 10.0f * i);
    CHECK(x(1) == 10.0f * i + 1);
    CHECK(y == 7 * i);
    ++i;
  }
  CHECK(i == 3);
  CHECK(collect(sd::from_tensor_slices(std::vector<std::string>{"a", "b"})) == std::vector<std::string>{"a", "b"});
  CHECK_THROWS_WITH(sd::from_tensor_slices(rows_of_pairs(3), std::vector<int>{1, 2}),
                    Contains("from_tensor_slices: argument 1 has first extent 2 but argument 0 has 3"));
  CHECK(collect(sd::from_tensors(std::int64_t{4}).repeat(3)) == ints{4, 4, 4});
}

TEST_CASE("map, filter, take, skip, repeat counts", "[data][pipeline]") {
  CHECK(collect(sd::range(5).map([](std::int64_t x) { return x * x; })) == ints{0, 1, 4, 9, 16});
  CHECK(collect(sd::range(10).filter([](std::int64_t x) { return x % 3 == 0; })) == ints{0, 3, 6, 9});
  CHECK(collect(sd::range(10).take(3)) == ints{0, 1, 2});
  CHECK(collect(sd::range(3).take(-1)) == ints{0, 1, 2});
  CHECK(collect(sd::range(3).take(0)).empty());
  CHECK(collect(sd::range(5).skip(3)) == ints{3, 4});
  CHECK(collect(sd::range(5).skip(9)).empty());
  CHECK(collect(sd::range(5).skip(-1)).empty());
  CHECK(collect(sd::range(2).repeat(3)) == ints{0, 1, 0, 1, 0, 1});
  CHECK(collect(sd::range(2).repeat(0)).empty());
  CHECK(collect(sd::range(2).repeat().take(5)) == ints{0, 1, 0, 1, 0});
  CHECK(collect(sd::range(0).repeat()).empty());  // an empty pass ends an endless repeat
  CHECK(collect(sd::range(10).skip(2).take(3).repeat(2)) == ints{2, 3, 4, 2, 3, 4});
  // A tuple element reaches the function as its components.
  auto sums = sd::zip(sd::range(3), sd::range(10, 13)).map([](std::int64_t a, std::int64_t b) { return a + b; });
  CHECK(collect(sums) == ints{10, 12, 14});
  CHECK_THROWS_WITH(sd::range(3).take(-2), Contains("take: count must be -1 (all) or >= 0, got -2"));
  CHECK_THROWS_WITH(sd::range(3).skip(-5), Contains("skip: count"));
  CHECK_THROWS_WITH(sd::range(3).repeat(-3), Contains("repeat: count"));
  CHECK_THROWS_WITH(sd::range(3).map([](std::int64_t x) { return x; }, 0), Contains("map: num_parallel_calls"));
}

TEST_CASE("zip stops at the shortest", "[data][pipeline]") {
  auto z = collect(sd::range(3).zip(sd::range(10, 20), sd::from_tensor_slices(std::vector<char>{'a', 'b', 'c', 'd'})));
  REQUIRE(z.size() == 3);
  CHECK(z[2] == std::tuple<std::int64_t, std::int64_t, char>{2, 12, 'c'});
}

TEST_CASE("batch: remainder, drop_remainder, tuples, tensors", "[data][pipeline]") {
  auto b = collect(sd::range(7).batch(3));
  REQUIRE(b.size() == 3);
  static_assert(std::is_same_v<decltype(b)::value_type, sf::tensor<std::int64_t, sf::shape<sf::dyn>>>);
  CHECK(b[0].dim(0) == 3);
  CHECK(b[2].dim(0) == 1);
  CHECK(b[2](0) == 6);
  CHECK(collect(sd::range(7).batch(3, true)).size() == 2);
  CHECK(collect(sd::range(6).batch(3, true)).size() == 2);
  CHECK(collect(sd::range(0).batch(3)).empty());

  auto pairs = collect(sd::from_tensor_slices(rows_of_pairs(5), std::vector<std::string>{"a", "b", "c", "d", "e"}).batch(2));
  REQUIRE(pairs.size() == 3);
  auto& [x, names] = pairs[1];
  static_assert(std::is_same_v<std::remove_cvref_t<decltype(x)>, sf::tensor<float, sf::shape<sf::dyn, 2>>>);
  CHECK(x.dims() == sf::index_array<2>{2, 2});
  CHECK(x(1, 0) == 30.0f);
  CHECK(names == std::vector<std::string>{"c", "d"});

  CHECK_THROWS_WITH(sd::range(3).batch(0), Contains("batch: batch_size must be positive, got 0"));
  // Ragged elements cannot be stacked: the message names the element.
  auto ragged = sd::range(1, 3).map([](std::int64_t n) { return sf::tensor<float, sf::shape<sf::dyn>>(n); }).batch(2);
  CHECK_THROWS_WITH(collect(ragged), Contains("element 1 has extents [2] but element 0 has [1]"));
}

TEST_CASE("shuffle: identity, permutation, TF's buffer worked by hand", "[data][pipeline]") {
  CHECK(collect(sd::range(10).shuffle(1, 3)) == collect(sd::range(10)));
  auto p = collect(sd::range(10).shuffle(100, 3));
  CHECK(p != collect(sd::range(10)));
  std::sort(p.begin(), p.end());
  CHECK(p == collect(sd::range(10)));

  // range(5).shuffle(3, seed 7). The draws of splitmix64(7), checked here:
  sd::splitmix64 rng(7);
  CHECK(rng.uniform(3) == 0);
  CHECK(rng.uniform(3) == 0);
  CHECK(rng.uniform(3) == 0);
  CHECK(rng.uniform(2) == 1);
  CHECK(rng.uniform(1) == 0);
  // buffer [0 1 2] draw 0 -> emit 0, last into slot 0: [2 1]; top up [2 1 3] draw 0 -> 2: [3 1];
  // [3 1 4] draw 0 -> 3: [4 1]; input done, [4 1] draw 1 -> 1: [4]; draw 0 -> 4.
  CHECK(collect(sd::range(5).shuffle(3, 7)) == ints{0, 2, 3, 1, 4});

  const auto reshuffled = sd::range(20).shuffle(20, 5);
  const auto first = collect(reshuffled), second = collect(reshuffled);
  CHECK(first != second);
  const auto fixed = sd::range(20).shuffle(20, 5, false);
  CHECK(collect(fixed) == collect(fixed));
  CHECK(collect(fixed) == first);  // pass 0 draws from splitmix64(seed) either way
  auto two_epochs = collect(sd::range(6).shuffle(6, 1).repeat(2));
  CHECK(std::vector(two_epochs.begin(), two_epochs.begin() + 6) != std::vector(two_epochs.begin() + 6, two_epochs.end()));
  CHECK_THROWS_WITH(sd::range(3).shuffle(0), Contains("shuffle: buffer_size must be positive, got 0"));
}

TEST_CASE("interleave: TF's documented example and cycle 2, block 1", "[data][pipeline]") {
  // tf.data.Dataset.interleave's docstring: range(1, 6).interleave(lambda x:
  // from_tensors(x).repeat(6), cycle_length=2, block_length=4).
  auto tf = sd::range(1, 6).interleave([](std::int64_t x) { return sd::from_tensors(x).repeat(6); }, 2, 4);
  CHECK(collect(tf) == ints{1, 1, 1, 1, 2, 2, 2, 2, 1, 1, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 3, 3, 4, 4, 5, 5, 5, 5, 5, 5});
  // x repeated x times, cycle 2, block 1. A slot notices that its dataset has ended only on its
  // turn, and that turn emits nothing. Turns (slot: what happens):
  // 0: open 1, emit 1 | 1: open 2, emit 2 | 0: "1" ended | 1: emit 2 | 0: open 3, emit 3 |
  // 1: "2" ended | 0: emit 3 | 1: open 4, emit 4 | 0: emit 3 | 1: emit 4 | 0: "3" ended |
  // 1: emit 4 | 0: open 5, emit 5 | 1: emit 4 | 0: emit 5 | 1: "4" ended | 0: emit 5 |
  // 1: input done | 0: emit 5 | 1: (empty) | 0: emit 5 | 1: (empty) | 0: "5" ended: the end.
  auto small = sd::range(1, 6).interleave([](std::int64_t x) { return sd::from_tensors(x).repeat(x); }, 2, 1);
  CHECK(collect(small) == ints{1, 2, 2, 3, 3, 4, 3, 4, 4, 5, 4, 5, 5, 5, 5});
  CHECK_THROWS_WITH(sd::range(3).interleave([](std::int64_t) { return sd::range(1); }, 0),
                    Contains("interleave: cycle_length must be positive"));
}

TEST_CASE("list_files and text_line_dataset over shards", "[data][pipeline]") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / "staticflow_pipeline_test";
  fs::remove_all(dir);
  fs::create_directories(dir / "sub");
  for (int s = 0; s < 3; ++s) {
    std::ofstream(dir / ("shard-" + std::to_string(s) + ".txt"), std::ios::binary)
        << "s" << s << "a\r\ns" << s << "b\ns" << s << "c";  // \r\n, \n, and no final newline
  }
  std::ofstream(dir / "other.csv") << "x\n";
  const std::string pattern = (dir / "shard-*.txt").string();
  auto names = collect(sd::list_files(pattern, false));
  REQUIRE(names.size() == 3);
  CHECK(names[0] == (dir / "shard-0.txt").string());
  CHECK(collect(sd::list_files((dir / "shard-[02].txt").string(), false)).size() == 2);
  std::ofstream(dir / "sub" / "x.txt") << "x\n";
  CHECK(collect(sd::list_files((dir / "s?b" / "*.txt").string(), false)) ==
        std::vector<std::string>{(dir / "sub" / "x.txt").string()});  // wildcards in a folder name
  auto shuffled = collect(sd::list_files(pattern, true, 11));
  std::sort(shuffled.begin(), shuffled.end());
  CHECK(shuffled == names);
  CHECK_THROWS_WITH(sd::list_files((dir / "*.none").string()), Contains("No files matched pattern"));

  auto lines = sd::list_files(pattern, false).interleave([](std::string f) { return sd::text_line_dataset(f); }, 2);
  CHECK(collect(lines) ==
        std::vector<std::string>{"s0a", "s1a", "s0b", "s1b", "s0c", "s1c", "s2a", "s2b", "s2c"});
  CHECK_THROWS_AS(collect(sd::text_line_dataset((dir / "missing").string())), sf::not_found);
  fs::remove_all(dir);
}

TEST_CASE("shuffle_together and split", "[data][split]") {
  const auto x = rows_of_pairs(10);
  std::vector<int> y(10);
  std::iota(y.begin(), y.end(), 0);
  auto [xs, ys] = sd::shuffle_together(4, x, y);
  CHECK(ys != y);
  for (std::size_t i = 0; i < 10; ++i) CHECK(xs(i, 0) == 10.0f * static_cast<float>(ys[i]));  // rows stay paired
  CHECK(ys == sd::gather_rows(y, sd::permutation(10, 4)));

  CHECK(sd::split_sizes(10, {80, 10, 10}) == std::array<std::size_t, 3>{8, 1, 1});
  CHECK(sd::split_sizes(7, {50, 25, 25}) == std::array<std::size_t, 3>{3, 1, 3});
  auto parts = sd::split({60, 20, 20}, 9, x, y);
  CHECK(std::get<1>(parts.train).size() == 6);
  CHECK(std::get<0>(parts.validation).dim(0) == 2);
  std::vector<int> all = std::get<1>(parts.train);
  for (int v : std::get<1>(parts.validation)) all.push_back(v);
  for (int v : std::get<1>(parts.test)) all.push_back(v);
  CHECK(all == sd::gather_rows(y, sd::permutation(10, 9)));
  CHECK_THROWS_WITH(sd::split({60, 20, 10}, 9, y), Contains("must be >= 0 and sum to 100"));
  CHECK_THROWS_WITH(sd::shuffle_together(1, x, std::vector<int>(3)), Contains("argument 1 has first extent 3"));
}
