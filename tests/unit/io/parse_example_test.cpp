// SPDX-License-Identifier: MIT
/// \file
/// \brief Tests of staticflow/io/parse_example.hpp: schemas to tensors, defaults, sparse and
/// sequence features, and records that do not fit, named by record and feature.

#include "staticflow/io/parse_example.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

namespace sf = staticflow;
namespace io = staticflow::io;
using Catch::Matchers::Contains;

namespace {

std::vector<std::string> mnist_like(int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) {
    std::vector<float> px(4);
    for (int k = 0; k < 4; ++k) px[k] = static_cast<float>(10 * i + k);
    io::example ex;
    ex.add("pixels", io::float_list(px)).add("label", io::int64_list{i % 10});
    ex.add("ids", io::int64_list(std::vector<std::int64_t>(static_cast<std::size_t>(i), 7)));
    ex.add("name", io::bytes_list{"r" + std::to_string(i)});
    out.push_back(ex.encode());
  }
  return out;
}

}  // namespace

TEST_CASE("parse_example turns fixed-length features into batch tensors", "[io][parse_example]") {
  const auto records = mnist_like(3);
  auto [pixels, label, name] = io::parse_example(records, io::fixed_len_feature<float, sf::shape<2, 2>>{"pixels"},
                                                 io::fixed_len_feature<std::int64_t>{"label"},
                                                 io::fixed_len_feature<std::string>{"name"});
  static_assert(std::is_same_v<decltype(pixels), sf::tensor<float, sf::shape<sf::dyn, 2, 2>>>);
  static_assert(std::is_same_v<decltype(label), sf::tensor<std::int64_t, sf::shape<sf::dyn>>>);
  REQUIRE(pixels.dim(0) == 3);
  CHECK(pixels(2, 1, 0) == 22.0f);
  CHECK(label(1) == 1);
  CHECK(name == std::vector<std::string>{"r0", "r1", "r2"});
}

TEST_CASE("var_len_feature returns values with [record, position] indices", "[io][parse_example]") {
  const auto records = mnist_like(3);  // ids: 0, 1 and 2 values
  auto [ids] = io::parse_example(records, io::var_len_feature<std::int64_t>{"ids"});
  CHECK(ids.values == std::vector<std::int64_t>{7, 7, 7});
  CHECK(ids.indices == std::vector<std::array<std::int64_t, 2>>{{1, 0}, {2, 0}, {2, 1}});
  CHECK(ids.dense_shape == std::array<std::int64_t, 2>{3, 2});
}

TEST_CASE("fixed_len_sequence_feature pads to the longest record", "[io][parse_example]") {
  const auto records = mnist_like(3);
  auto [ids, px] = io::parse_example(records, io::fixed_len_sequence_feature<std::int64_t>{"ids", -1},
                                     io::fixed_len_sequence_feature<float, sf::shape<2>>{"pixels"});
  static_assert(std::is_same_v<decltype(ids), sf::tensor<std::int64_t, sf::shape<sf::dyn, sf::dyn>>>);
  REQUIRE(ids.dim(0) == 3);
  REQUIRE(ids.dim(1) == 2);
  CHECK(ids(0, 0) == -1);
  CHECK(ids(1, 0) == 7);
  CHECK(ids(1, 1) == -1);
  CHECK(px.dim(1) == 2);
  CHECK(px(1, 1, 1) == 13.0f);
  // A count that is not a multiple of the step shape.
  auto bad = [&] { (void)io::parse_example(records, io::fixed_len_sequence_feature<float, sf::shape<3>>{"pixels"}); };
  CHECK_THROWS_WITH(bad(), Contains("record 0: feature 'pixels' has 4 values, not a multiple of 3"));
}

TEST_CASE("defaults fill missing features; without one the record and feature are named", "[io][parse_example]") {
  const auto records = mnist_like(2);
  auto [w] = io::parse_example(records, io::fixed_len_feature<float, sf::shape<2>>{"weight", {{0.5f, 1.5f}}});
  CHECK(w(1, 1) == 1.5f);
  CHECK_THROWS_WITH(io::parse_example(records, io::fixed_len_feature<float>{"weight"}),
                    Contains("staticflow::io::parse_example: record 0: feature 'weight' is missing and its "
                             "fixed_len_feature has no default_value"));
  CHECK_THROWS_WITH(io::parse_example(records, io::fixed_len_feature<float, sf::shape<2>>{"weight", {{1.0f}}}),
                    Contains("feature 'weight': default_value has 1 values, the shape [2] needs 2"));
}

TEST_CASE("wrong kinds and wrong counts are invalid_argument naming record and feature", "[io][parse_example]") {
  const auto records = mnist_like(4);
  CHECK_THROWS_AS(io::parse_example(records, io::fixed_len_feature<float>{"label"}), sf::invalid_argument);
  CHECK_THROWS_WITH(io::parse_example(records, io::fixed_len_feature<float>{"label"}),
                    Contains("record 0: feature 'label' is a int64_list, the schema asks for float_list"));
  CHECK_THROWS_WITH(io::parse_example(records, io::fixed_len_feature<float, sf::shape<5>>{"pixels"}),
                    Contains("record 0: feature 'pixels' has 4 values, the schema needs 5 (fixed_len_feature of shape [5])"));
  CHECK_THROWS_WITH(io::parse_example(records, io::fixed_len_feature<float, sf::shape<3>>{"pixels"}),
                    Contains("has 4 values, the schema needs 3"));
  CHECK_THROWS_WITH(io::parse_example(records, io::fixed_len_feature<std::int64_t>{"ids"}),
                    Contains("record 0: feature 'ids' has 0 values, the schema needs 1"));
}

TEST_CASE("malformed records are data_loss naming the record and the offset", "[io][parse_example]") {
  auto records = mnist_like(3);
  records[2].resize(records[2].size() - 3);
  CHECK_THROWS_AS(io::parse_example(records, io::fixed_len_feature<std::int64_t>{"label"}), sf::data_loss);
  CHECK_THROWS_WITH(io::parse_example(records, io::fixed_len_feature<std::int64_t>{"label"}),
                    Contains("staticflow::io::parse_example: record 2: tf.train.Example: at byte 0: field 1: length"));
}

TEST_CASE("parse_single_example drops the batch axis", "[io][parse_example]") {
  const auto records = mnist_like(3);
  auto [px, label, ids] = io::parse_single_example(records[2], io::fixed_len_feature<float, sf::shape<4>>{"pixels"},
                                                   io::fixed_len_feature<std::int64_t>{"label"},
                                                   io::var_len_feature<std::int64_t>{"ids"});
  static_assert(std::is_same_v<decltype(px), sf::tensor<float, sf::shape<4>>>);
  CHECK(px(3) == 23.0f);
  CHECK(label() == 2);
  CHECK(ids == std::vector<std::int64_t>{7, 7});
}

TEST_CASE("unpacked lists parse like packed ones", "[io][parse_example]") {
  namespace proto = staticflow::io::proto;
  proto::writer list;
  list.float32(1, 1.0f), list.float32(1, 2.0f);
  proto::writer w;
  w.message(1, [&](proto::writer& fs) {
    fs.message(1, [&](proto::writer& e) {
      e.bytes(1, "x");
      e.message(2, [&](proto::writer& f) { f.bytes(2, list.str()); });
    });
  });
  const std::vector<std::string> records{w.str()};
  auto [x] = io::parse_example(records, io::fixed_len_feature<float, sf::shape<2>>{"x"});
  CHECK(x(0, 1) == 2.0f);
}

TEST_CASE("decode_raw reads little-endian values", "[io][parse_example]") {
  const std::string raw("\x01\x00\x00\x00\xff\xff\xff\xff", 8);
  CHECK(io::decode_raw<std::int32_t>(raw) == std::vector<std::int32_t>{1, -1});
  CHECK(io::decode_raw<std::uint8_t>(raw).size() == 8);
  CHECK_THROWS_WITH(io::decode_raw<double>(std::string_view(raw).substr(0, 7)),
                    Contains("7 bytes are not a whole number of 8-byte values"));
}

TEST_CASE("parse_single_sequence_example on hand-assembled bytes", "[io][parse][sequence]") {
  // SequenceExample { context { feature { key: "n" value { int64_list { value: [2] } } } }
  //                   feature_lists { feature_list { key: "x" value { feature { float_list { value: [1] } }
  //                                                                  feature { float_list { value: [2] } } } } } }
  const unsigned char raw[] = {
      0x0a, 0x0c, 0x0a, 0x0a, 0x0a, 0x01, 'n', 0x12, 0x05, 0x1a, 0x03, 0x0a, 0x01, 0x02,  // context
      0x12, 0x1b, 0x0a, 0x19, 0x0a, 0x01, 'x', 0x12, 0x14,                               // feature_lists, entry "x"
      0x0a, 0x08, 0x12, 0x06, 0x0a, 0x04, 0x00, 0x00, 0x80, 0x3f,                        // step 0: 1.0f
      0x0a, 0x08, 0x12, 0x06, 0x0a, 0x04, 0x00, 0x00, 0x00, 0x40};                       // step 1: 2.0f
  const std::string_view record(reinterpret_cast<const char*>(raw), sizeof raw);
  auto [context, lists] = io::parse_single_sequence_example(
      record, std::tuple{io::fixed_len_feature<std::int64_t>{"n"}},
      std::tuple{io::fixed_len_sequence_feature<float>{"x"}, io::fixed_len_sequence_feature<float>{"absent"}});
  auto [n] = context;
  auto [x, absent] = lists;
  CHECK(n() == 2);
  static_assert(std::is_same_v<decltype(x), sf::tensor<float, sf::shape<sf::dyn>>>);
  REQUIRE(x.dim(0) == 2);
  CHECK(x(0) == 1.f);
  CHECK(x(1) == 2.f);
  CHECK(absent.dim(0) == 0);  // a missing list: no steps
}

TEST_CASE("parse_single_sequence_example: steps of a shape, ragged steps, context defaults", "[io][parse][sequence]") {
  io::sequence_example s;
  s.add_context("id", io::bytes_list{"clip-7"});
  for (int t = 0; t < 3; ++t) s.add_step("frames", io::float_list{float(t), float(t) + 0.5f});
  s.add_step("tokens", io::int64_list{4}).add_step("tokens", io::int64_list{}).add_step("tokens", io::int64_list{5, 6, 7});
  auto [context, lists] = io::parse_single_sequence_example(
      s.encode(),
      std::tuple{io::fixed_len_feature<std::string>{"id"}, io::fixed_len_feature<std::int64_t>{"label", {{-1}}},
                 io::var_len_feature<float>{"weights"}},
      std::tuple{io::fixed_len_sequence_feature<float, sf::shape<2>>{"frames"}, io::var_len_feature<std::int64_t>{"tokens"}});
  auto [id, label, weights] = context;
  auto [frames, tokens] = lists;
  CHECK(id == std::vector<std::string>{"clip-7"});
  CHECK(label() == -1);
  CHECK(weights.empty());
  REQUIRE(frames.dim(0) == 3);
  for (std::size_t t = 0; t < 3; ++t) CHECK((frames(t, 0) == float(t) && frames(t, 1) == float(t) + 0.5f));
  CHECK(tokens.values == std::vector<std::int64_t>{4, 5, 6, 7});
  CHECK(tokens.indices == std::vector<std::array<std::int64_t, 2>>{{0, 0}, {2, 0}, {2, 1}, {2, 2}});
  CHECK(tokens.dense_shape == std::array<std::int64_t, 2>{3, 3});
}

TEST_CASE("sequence records that do not fit the schema name the feature and the step", "[io][parse][sequence]") {
  io::sequence_example s;
  s.add_step("frames", io::float_list{1, 2}).add_step("frames", io::float_list{3});
  const auto seq = std::tuple{io::fixed_len_sequence_feature<float, sf::shape<2>>{"frames"}};
  CHECK_THROWS_WITH(io::parse_single_sequence_example(s.encode(), std::tuple{}, seq),
                    Contains("parse_single_sequence_example") && Contains("feature 'frames'") && Contains("step 1 has 1 value") &&
                        Contains("needs 2"));
  io::sequence_example k;
  k.add_step("frames", io::int64_list{1, 2});
  CHECK_THROWS_WITH(io::parse_single_sequence_example(k.encode(), std::tuple{}, seq),
                    Contains("feature 'frames'") && Contains("int64_list"));
  // A required context feature that is missing.
  CHECK_THROWS_WITH(io::parse_single_sequence_example(k.encode(), std::tuple{io::fixed_len_feature<float>{"rate"}}, std::tuple{}),
                    Contains("feature 'rate'") && Contains("missing"));
  // Truncated bytes are data_loss.
  std::string bytes = s.encode();
  bytes.resize(bytes.size() - 3);
  CHECK_THROWS_AS(io::parse_single_sequence_example(bytes, std::tuple{}, seq), sf::data_loss);
}
