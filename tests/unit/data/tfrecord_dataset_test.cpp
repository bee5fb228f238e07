// SPDX-License-Identifier: MIT
// tfrecord_dataset: records of one file and of shards in order, each compression, through
// interleave and parse_example into feedable batches, and the reader's errors surfacing from
// the pipeline with the file named.
#include <catch2/catch.hpp>
#include "temp_dir.hpp"
#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <tuple>
#include <vector>
#include "staticflow/data/pipeline.hpp"
#include "staticflow/data/pipeline/tfrecord.hpp"
#include "staticflow/data/mnist_tfrecord.hpp"
#include "staticflow/io/example.hpp"
#include "staticflow/io/parse_example.hpp"

namespace sf = staticflow;
namespace sd = staticflow::data;
namespace io = staticflow::io;
namespace fs = std::filesystem;
using Catch::Matchers::Contains;

namespace {

using sf_test::temp_dir;

template <class D>
std::vector<typename D::element_type> collect(const D& ds) {
  std::vector<typename D::element_type> out;
  for (auto&& e : ds) out.push_back(std::move(e));
  return out;
}

std::string record(int i) { return "record-" + std::to_string(i); }

}  // namespace

TEST_CASE("tfrecord_dataset: one file, empty records, several files in turn", "[data][tfrecord]") {
  temp_dir dir;
  {
    io::tfrecord_writer a(dir / "a");
    a.write(record(0));
    a.write("");  // a zero-length record is a record
    a.write(record(1));
    io::tfrecord_writer empty(dir / "empty");  // an empty file holds none
    io::tfrecord_writer b(dir / "b");
    b.write(record(2));
  }
  CHECK(collect(sd::tfrecord_dataset((dir / "a").string())) == std::vector<std::string>{record(0), "", record(1)});
  CHECK(collect(sd::tfrecord_dataset(std::vector<std::string>{(dir / "a").string(), (dir / "empty").string(),
                                                              (dir / "b").string()})) ==
        std::vector<std::string>{record(0), "", record(1), record(2)});
  // Each pass reads the files afresh.
  const sd::tfrecord_dataset ds((dir / "b").string());
  CHECK(collect(ds.repeat(2)) == std::vector<std::string>{record(2), record(2)});
}

TEST_CASE("tfrecord_dataset over compressed shards, interleaved as TF interleaves", "[data][tfrecord]") {
  if (!io::have_zlib()) return;
  temp_dir dir;
  for (const io::compression c : {io::compression::none, io::compression::gzip, io::compression::zlib}) {
    const std::string base = (dir / ("train" + std::to_string(static_cast<int>(c)))).string();
    {
      io::sharded_tfrecord_writer w(base, 3, {.compression = c});  // record i -> shard i % 3
      for (int i = 0; i < 10; ++i) w.write(record(i));
      w.close();
    }
    const auto shards = sd::list_files(base + "-*-of-00003", false);
    CHECK(collect(shards).size() == 3);
    // cycle 3, block 1 over shards {0,3,6,9}, {1,4,7}, {2,5,8} gives the records back in order.
    auto all = shards.interleave([c](std::string f) { return sd::tfrecord_dataset(std::move(f), c); }, 3);
    std::vector<std::string> expected;
    for (int i = 0; i < 10; ++i) expected.push_back(record(i));
    CHECK(collect(all) == expected);
  }
}

TEST_CASE("tfrecord_dataset -> batch -> parse_example gives tensors ready to feed", "[data][tfrecord]") {
  temp_dir dir;
  {
    io::tfrecord_writer w(dir / "ex");
    for (int i = 0; i < 5; ++i) {
      io::example ex;
      ex.add("x", io::float_list{0.5f * i, 1.0f + i}).add("label", io::int64_list{i * 10});
      w.write(ex.encode());
    }
  }
  auto batches = sd::tfrecord_dataset((dir / "ex").string()).batch(2).map([](const std::vector<std::string>& recs) {
    return io::parse_example(recs, io::fixed_len_feature<float, sf::shape<2>>{"x"},
                             io::fixed_len_feature<std::int64_t>{"label"});
  });
  const auto got = collect(batches);
  REQUIRE(got.size() == 3);  // 2 + 2 + 1
  const auto& [x, label] = got[1];
  static_assert(std::is_same_v<std::remove_cvref_t<decltype(x)>, sf::tensor<float, sf::shape<sf::dyn, 2>>>);
  REQUIRE(x.dims()[0] == 2);
  CHECK(x.data()[0] == 1.0f);  // record 2: {1.0, 3.0}
  CHECK(x.data()[1] == 3.0f);
  CHECK(x.data()[3] == 4.0f);  // record 3: {1.5, 4.0}
  CHECK(label.data()[0] == 20);
  CHECK(label.data()[1] == 30);
  CHECK(std::get<1>(got[2]).dims()[0] == 1);
}

TEST_CASE("a corrupt record fails the pipeline with the file and offset, or is skipped", "[data][tfrecord]") {
  temp_dir dir;
  std::string bytes = io::tfrecord_frame("first") + io::tfrecord_frame("second");
  bytes[21 + 12] ^= 0x01;  // a data byte of "second", which starts at byte 21
  std::ofstream(dir / "bad", std::ios::binary) << bytes;
  const std::string bad = (dir / "bad").string();
  CHECK_THROWS_MATCHES(collect(sd::tfrecord_dataset(bad)), sf::data_loss,
                       Catch::Matchers::Predicate<sf::data_loss>([&](const sf::data_loss& e) {
                         const std::string w = e.what();
                         return w.find("'" + bad + "'") != std::string::npos &&
                                w.find("record at byte 21") != std::string::npos;
                       }, "names the file and byte 21"));
  // The same error after a prefetch thread: the consumer gets it.
  CHECK_THROWS_AS(collect(sd::tfrecord_dataset(bad).prefetch(2)), sf::data_loss);
  CHECK(collect(sd::tfrecord_dataset(bad, io::tfrecord_reader_options{.skip_corrupt = true})) ==
        std::vector<std::string>{"first"});
  CHECK_THROWS_WITH(collect(sd::tfrecord_dataset((dir / "missing").string())), Contains("missing"));
}

TEST_CASE("MNIST as the seed's Examples: written to shards, read back as batches", "[data][tfrecord][mnist]") {
  temp_dir dir;
  // Five 4-pixel "images" of 3 classes; image i holds bytes {i, 2i, 255, 0}, label i % 3.
  std::vector<std::uint8_t> images, labels;
  for (std::uint8_t i = 0; i < 5; ++i) {
    images.insert(images.end(), {i, static_cast<std::uint8_t>(2 * i), 255, 0});
    labels.push_back(i % 3);
  }
  const sd::dataset set(images, labels, 4, {.one_hot = true, .num_classes = 3});
  const auto files = sd::write_mnist_tfrecord(set, (dir / "mnist").string(), 2);
  REQUIRE(files.size() == 2);
  CHECK(files[1] == (dir / "mnist-00001-of-00002").string());

  // Record 0 as the seed writes it: pixels = 4, label = 0, image_raw = the four bytes.
  const auto first = io::example::decode(io::read_tfrecord_file(files[0]).at(0));
  CHECK(first.get<io::int64_list>("pixels").value == std::vector<std::int64_t>{4});
  CHECK(first.get<io::int64_list>("label").value == std::vector<std::int64_t>{0});
  CHECK(first.get<io::bytes_list>("image_raw").value == std::vector<std::string>{std::string("\0\0\xff\0", 4)});
  CHECK(sd::count_tfrecords((dir / "mnist-*").string()) == 5);

  const auto batches = sd::mnist_tfrecord_batches<sf::shape<sf::dyn, 4>, 3>((dir / "mnist-*").string(),
                                                                            {.batch = 2, .seed = 5});
  for (int pass = 0; pass < 2; ++pass) {
    std::vector<int> seen;  // the images of this pass
    for (auto&& [x, y] : batches) {
      REQUIRE(x.dims()[0] == 2);  // 5 records: two full batches, the remainder dropped
      for (std::size_t r = 0; r < 2; ++r) {
        const int i = static_cast<int>(x.data()[r * 4] * 255.0f + 0.5f);
        CHECK(x.data()[r * 4 + 1] == static_cast<float>(2 * i) / 255.0f);
        CHECK(x.data()[r * 4 + 2] == 1.0f);
        for (std::size_t c = 0; c < 3; ++c) CHECK(y.data()[r * 3 + c] == (c == static_cast<std::size_t>(i % 3) ? 1.0f : 0.0f));
        seen.push_back(i);
      }
    }
    std::sort(seen.begin(), seen.end());
    REQUIRE(seen.size() == 4);
    CHECK(std::adjacent_find(seen.begin(), seen.end()) == seen.end());  // four different images
    CHECK(seen.back() <= 4);
  }
  // A record whose image has the wrong size is an error naming it.
  const std::vector<std::string> bad{sd::mnist_example(std::vector<std::uint8_t>(3, 0), 1).encode()};
  CHECK_THROWS_WITH((sd::decode_mnist_examples<sf::shape<sf::dyn, 4>, 3>(bad)),
                    Contains("record 0: image_raw has 3 bytes, the images have 4"));
}
