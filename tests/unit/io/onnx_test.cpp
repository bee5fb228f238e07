// SPDX-License-Identifier: MIT
/// \file
/// \brief Tests of staticflow/io/onnx.hpp: a model written and read back field by field, tensors
/// in each of the fields ONNX allows for their values (bytes built with the protobuf writer as
/// other producers write them), and each malformed input named with what is wrong and where.
/// (ONNX's own reader of the files: tests/interop/check_onnx.sh.)

#include "staticflow/io/onnx.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "temp_dir.hpp"

namespace sf = staticflow;
namespace ox = staticflow::io::onnx;
namespace proto = staticflow::io::proto;
using Catch::Matchers::Contains;

namespace {

template <class E, class F>
std::string message_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  FAIL("expected an exception");
  return {};
}

ox::model_proto sample_model() {
  ox::model_proto m;
  m.ir_version = 7;
  m.opsets = {{"", 13}, {"ai.onnx.ml", 2}};
  m.producer_name = "test";
  m.producer_version = "1.0";
  m.model_version = 3;
  m.doc_string = "a model";
  m.graph.name = "g";
  m.graph.initializers.push_back(ox::tensor_proto::of<float>("w", {2, 3}, std::vector<float>{1, 2, 3, 4, 5, 6}));
  m.graph.initializers.push_back(ox::tensor_proto::of<std::int64_t>("shape", {2}, std::vector<std::int64_t>{-1, 6}));
  m.graph.initializers.push_back(ox::tensor_proto::of<float>("scalar", {}, std::vector<float>{0.5f}));
  ox::node_proto n;
  n.inputs = {"x", "w", ""};
  n.outputs = {"y"};
  n.name = "gemm";
  n.op_type = "Gemm";
  n.attributes = {ox::attribute_proto::integer("transB", 1), ox::attribute_proto::real("alpha", 0.25f),
                  ox::attribute_proto::string("auto_pad", "SAME_UPPER"),
                  ox::attribute_proto::integers("perm", {0, 3, -1, 2}),
                  ox::attribute_proto::tensor("value", ox::tensor_proto::of<float>("", {1}, std::vector<float>{7}))};
  ox::attribute_proto floats;
  floats.name = "scales", floats.type = ox::attribute_type::floats, floats.floats = {1.5f, -2.0f};
  n.attributes.push_back(floats);
  m.graph.nodes.push_back(n);
  m.graph.inputs.push_back({"x", ox::data_type::float32, true, {{-1, "batch"}, {3, ""}}});
  m.graph.outputs.push_back({"y", ox::data_type::float32, true, {{-1, ""}, {2, ""}}});
  m.graph.value_infos.push_back({"z", ox::data_type::int64, false, {}});
  return m;
}

/// A TensorProto's bytes as another producer might write them: `fields(w)` after name and dims.
template <class F>
std::string tensor_bytes(const std::vector<std::int64_t>& dims, int type, F&& fields) {
  proto::writer w;
  for (const auto d : dims) w.int64(1, d);
  w.int64(2, type);
  w.bytes(8, "t");
  fields(w);
  return w.take();
}

/// A model whose graph holds one initializer with these bytes.
std::string model_with_tensor(const std::string& tensor) {
  proto::writer w;
  w.int64(1, 7);
  w.message(7, [&](auto& g) { g.bytes(5, tensor); });
  return w.take();
}

}  // namespace

TEST_CASE("a model written and read back has every field it had", "[io][onnx]") {
  const ox::model_proto m = sample_model();
  const ox::model_proto r = ox::parse(m.serialize());
  CHECK(r.ir_version == 7);
  REQUIRE(r.opsets.size() == 2);
  CHECK(r.opset_version() == 13);
  CHECK(r.opsets[1].domain == "ai.onnx.ml");
  CHECK(r.producer_name == "test");
  CHECK(r.producer_version == "1.0");
  CHECK(r.model_version == 3);
  CHECK(r.doc_string == "a model");
  CHECK(r.graph.name == "g");
  REQUIRE(r.graph.initializers.size() == 3);
  CHECK(r.graph.initializer("w")->dims == std::vector<std::int64_t>{2, 3});
  CHECK(r.graph.initializer("w")->values<float>() == std::vector<float>{1, 2, 3, 4, 5, 6});
  CHECK(r.graph.initializer("shape")->values<std::int64_t>() == std::vector<std::int64_t>{-1, 6});
  CHECK(r.graph.initializer("scalar")->dims.empty());
  CHECK(r.graph.initializer("scalar")->values<float>() == std::vector<float>{0.5f});
  CHECK(r.graph.initializer("missing") == nullptr);
  REQUIRE(r.graph.nodes.size() == 1);
  const ox::node_proto& n = r.graph.nodes[0];
  CHECK(n.inputs == std::vector<std::string>{"x", "w", ""});
  CHECK(n.outputs == std::vector<std::string>{"y"});
  CHECK(n.name == "gemm");
  CHECK(n.op_type == "Gemm");
  CHECK(n.int_attribute("transB", 0) == 1);
  CHECK(n.int_attribute("transA", 0) == 0);
  CHECK(n.attribute("alpha")->f == 0.25f);
  CHECK(n.attribute("auto_pad")->s == "SAME_UPPER");
  CHECK(n.attribute("perm")->ints == std::vector<std::int64_t>{0, 3, -1, 2});
  CHECK(n.attribute("perm")->type == ox::attribute_type::ints);
  CHECK(n.attribute("value")->t.at(0).values<float>() == std::vector<float>{7});
  CHECK(n.attribute("scales")->floats == std::vector<float>{1.5f, -2.0f});
  REQUIRE(r.graph.inputs.size() == 1);
  CHECK(r.graph.inputs[0].dims[0].param == "batch");
  CHECK(r.graph.inputs[0].dims[1].value == 3);
  CHECK(r.graph.outputs[0].dims[0].value == -1);
  CHECK(r.graph.outputs[0].dims[0].param.empty());
  CHECK(r.graph.value_infos[0].type == ox::data_type::int64);
  CHECK_FALSE(r.graph.value_infos[0].has_shape);
  CHECK(r.serialize() == m.serialize());
}

TEST_CASE("tensor values are read from each field ONNX allows for them", "[io][onnx]") {
  const auto read = [](const std::string& t) { return ox::parse(model_with_tensor(t)).graph.initializers.at(0); };
  SECTION("float_data, packed and one value per field") {
    auto t = read(tensor_bytes({2}, 1, [](auto& w) { w.template packed_fixed<float>(4, std::vector<float>{1.5f, -2}); }));
    CHECK(t.values<float>() == std::vector<float>{1.5f, -2});
    t = read(tensor_bytes({2}, 1, [](auto& w) { w.float32(4, 3), w.float32(4, 4); }));
    CHECK(t.values<float>() == std::vector<float>{3, 4});
  }
  SECTION("int64_data, int32_data for narrower types, double_data, uint64_data, string_data") {
    CHECK(read(tensor_bytes({3}, 7, [](auto& w) { w.template packed_varints<std::int64_t>(7, std::vector<std::int64_t>{-1, 0, 1LL << 40}); }))
              .values<std::int64_t>() == std::vector<std::int64_t>{-1, 0, 1LL << 40});
    CHECK(read(tensor_bytes({2}, 6, [](auto& w) { w.int64(5, -7), w.int64(5, 9); })).values<std::int32_t>() ==
          std::vector<std::int32_t>{-7, 9});
    CHECK(read(tensor_bytes({2}, 2, [](auto& w) { w.template packed_varints<std::int32_t>(5, std::vector<std::int32_t>{255, 3}); }))
              .values<std::uint8_t>() == std::vector<std::uint8_t>{255, 3});
    CHECK(read(tensor_bytes({2}, 9, [](auto& w) { w.int64(5, 1), w.int64(5, 0); })).values<bool>() ==
          std::vector<bool>{true, false});
    CHECK(read(tensor_bytes({1}, 11, [](auto& w) { w.float64(10, 0.125); })).values<double>() == std::vector<double>{0.125});
    CHECK(read(tensor_bytes({1}, 13, [](auto& w) { w.uint64(11, 1ULL << 63); })).values<std::uint64_t>() ==
          std::vector<std::uint64_t>{1ULL << 63});
    const auto s = read(tensor_bytes({2}, 8, [](auto& w) { w.bytes(6, "a"), w.bytes(6, "bc"); }));
    CHECK(s.strings == std::vector<std::string>{"a", "bc"});
  }
  SECTION("dims packed, and an empty tensor") {
    const auto t = read(tensor_bytes({}, 1, [](auto& w) {
      w.template packed_varints<std::int64_t>(1, std::vector<std::int64_t>{2, 0});
    }));
    CHECK(t.dims == std::vector<std::int64_t>{2, 0});
    CHECK(t.raw.empty());
  }
  SECTION("a tensor of the wrong type asked for") {
    const auto t = read(tensor_bytes({1}, 1, [](auto& w) { w.float32(4, 1); }));
    CHECK_THAT(message_of<sf::invalid_argument>([&] { (void)t.values<double>(); }),
               Contains("tensor 't' holds FLOAT, not DOUBLE"));
  }
}

TEST_CASE("a malformed model says what is wrong and at which byte", "[io][onnx]") {
  const auto error = [](const std::string& bytes) {
    return message_of<sf::data_loss>([&] { (void)ox::parse(bytes, "model.onnx"); });
  };
  // The initializer's message starts at byte 8: ir_version (2 bytes), the graph's tag and length (3),
  // the initializer's tag and length (3).
  SECTION("raw_data shorter than the extents say") {
    const std::string t = tensor_bytes({6, 1, 5, 5}, 1, [](auto& w) { w.bytes(9, std::string(596, '\0')); });
    CHECK(error(model_with_tensor(t)) ==
          "model.onnx: at byte 8: initializer 't': raw_data holds 596 bytes but extents [6, 1, 5, 5] of FLOAT need 600");
  }
  SECTION("float_data with one value too few") {
    const std::string t = tensor_bytes({3}, 1, [](auto& w) { w.float32(4, 1), w.float32(4, 2); });
    CHECK_THAT(error(model_with_tensor(t)), Contains("initializer 't': float_data holds 2 values but extents [3] of FLOAT need 3"));
  }
  SECTION("extents whose product overflows are refused before anything is sized from them") {
    const std::string t = tensor_bytes({1LL << 40, 1LL << 40}, 1, [](auto& w) { w.bytes(9, "abcd"); });
    CHECK_THAT(error(model_with_tensor(t)), Contains("extents [1099511627776, 1099511627776] hold more elements"));
    const std::string huge = tensor_bytes({1LL << 30, 1LL << 20}, 1, [](auto& w) { w.bytes(9, "abcd"); });
    CHECK_THAT(error(model_with_tensor(huge)), Contains("raw_data holds 4 bytes but extents [1073741824, 1048576]"));
  }
  SECTION("a negative extent, an unknown data type, a packed float field of odd length") {
    CHECK_THAT(error(model_with_tensor(tensor_bytes({-2}, 1, [](auto&) {}))), Contains("extent -2 is negative"));
    CHECK_THAT(error(model_with_tensor(tensor_bytes({1}, 99, [](auto&) {}))), Contains("unknown data_type 99"));
    CHECK_THAT(error(model_with_tensor(tensor_bytes({1}, 1, [](auto& w) { w.bytes(4, "abcde"); }))),
               Contains("packed float_data holds 5 bytes, not a multiple of 4"));
  }
  SECTION("a file that is not a model") {
    CHECK(error("") == "model.onnx: at byte 0: the model has no graph (ModelProto field 7): not an ONNX model");
    CHECK_THAT(error("\x08\x07"), Contains("no graph"));
    CHECK_THAT(error("\x3a\x05\x0a"), Contains("model.onnx: at byte 0: field 7: length 5 runs past the end"));
    CHECK_THAT(error("PK\x03\x04"), Contains("model.onnx: at byte"));
  }
  SECTION("every truncation of a valid model inside its graph fails with data_loss, never worse") {
    const std::string bytes = sample_model().serialize();
    const auto graph_end = bytes.size() - 20;  // the opset imports come after the graph
    for (std::size_t n = 1; n < graph_end; ++n) {
      INFO("first " << n << " bytes");
      CHECK_THROWS_AS(ox::parse(bytes.substr(0, n)), sf::data_loss);
    }
  }
  SECTION("data in external files and in segments are refused by name") {
    const std::string ext = tensor_bytes({1}, 1, [](auto& w) { w.int64(14, 1); });
    CHECK_THAT(message_of<sf::unimplemented>([&] { (void)ox::parse(model_with_tensor(ext)); }),
               Contains("initializer 't' keeps its data in an external file"));
    const std::string seg = tensor_bytes({1}, 1, [](auto& w) { w.message(3, [](auto& s) { s.int64(1, 0); }); });
    CHECK_THAT(error(model_with_tensor(seg)), Contains("initializer 't' is stored in segments"));
  }
}

TEST_CASE("models are written to files and read back, errors naming the path", "[io][onnx]") {
  sf_test::temp_dir dir;
  const auto path = dir / "m.onnx";
  sample_model().write(path);
  CHECK(ox::read(path).graph.initializer("w")->values<float>().size() == 6);
  const std::string bytes = sample_model().serialize();
  {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    std::fwrite(bytes.data(), 1, 40, f);
    std::fclose(f);
  }
  CHECK_THAT(message_of<sf::data_loss>([&] { (void)ox::read(path); }), Contains("ONNX model '" + path.string() + "': at byte"));
  CHECK_THAT(message_of<sf::not_found>([&] { (void)ox::read(dir / "none.onnx"); }), Contains("none.onnx"));
}
