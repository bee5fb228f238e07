// SPDX-License-Identifier: MIT
/// \file
/// \brief `nn::export_header`: the generated text holds every value exactly (read back with the C
/// library's strtof), names and shapes per layer; `constant_model` computes the network on
/// constant arrays (checked against hand-worked numbers); `assign_header` and the exporter's
/// errors. The generated header compiled into a program: example_embedded_inference.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>
#include <regex>
#include <sstream>

#include <staticflow/staticflow.hpp>
#include <staticflow/nn/weights_header.hpp>

#include "../../temp_dir.hpp"

namespace sf = staticflow;
namespace nn = staticflow::nn;

namespace {

using net_t = nn::sequential<nn::input<3>, nn::dense<2>, nn::relu, nn::dense<1>>;

std::string read(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

/// The literals between "NAME[N] = {" and "};", parsed by strtof/strtod (hex floats included).
std::vector<double> array_values(const std::string& text, const std::string& name, bool is_float) {
  const auto start = text.find(name + "[");
  REQUIRE(start != std::string::npos);
  const auto open = text.find('{', start), close = text.find("};", open);
  std::vector<double> out;
  std::string item;
  std::stringstream items(text.substr(open + 1, close - open - 1));
  while (std::getline(items, item, ',')) {
    item.erase(0, item.find_first_not_of(" \n"));
    if (item.empty()) continue;
    if (item.find("quiet_NaN") != std::string::npos) out.push_back(std::nan(""));
    else if (item.find("infinity") != std::string::npos) out.push_back(item[0] == '-' ? -INFINITY : INFINITY);
    else out.push_back(is_float ? double(std::strtof(item.c_str(), nullptr)) : std::strtod(item.c_str(), nullptr));
  }
  return out;
}

}  // namespace

TEST_CASE("export_header writes every value exactly, per layer, with its shape", "[nn][weights_header]") {
  sf::graph g;
  nn::model<net_t> net(g, 5);
  sf::session sess(g);
  sess.run(sf::global_variables_initializer());
  // Values a decimal literal would round: 0.1f, 1/3, the smallest subnormal, the largest float.
  sf::tensor<float, sf::shape<3, 2>> w;
  const float values[] = {0.1f, -1.f / 3, std::numeric_limits<float>::denorm_min(), std::numeric_limits<float>::max(),
                          -0.f, 7.25f};
  std::memcpy(w.data(), values, sizeof values);
  sess.assign("net/layer_1/weights", sf::tensor_view<float, sf::shape<3, 2>, sf::host>(w));
  sf_test::temp_dir dir;
  nn::export_header(sess, net, dir / "w.hpp", {.name_space = "tiny_weights", .network = "net_t"});
  const std::string text = read(dir / "w.hpp");

  const auto got = array_values(text, "layer_1_weights", true);
  REQUIRE(got.size() == 6);
  for (std::size_t i = 0; i < 6; ++i) {
    const float f = static_cast<float>(got[i]);
    CHECK(std::memcmp(&f, &values[i], sizeof f) == 0);  // bit for bit, the sign of -0 included
  }
  CHECK(text.find("0x1.99999ap-4f") != std::string::npos);  // 0.1f, by hand: 1.6 * 2^-4 rounded to 24 bits
  // The rest as the session holds them.
  const auto w2 = sess.value<float, sf::shape<2, 1>>("net/layer_3/weights");
  const auto got2 = array_values(text, "layer_3_weights", true);
  REQUIRE(got2.size() == 2);
  CHECK(static_cast<float>(got2[0]) == w2(0, 0));
  CHECK(static_cast<float>(got2[1]) == w2(1, 0));

  CHECK(text.find("namespace tiny_weights {") != std::string::npos);
  CHECK(text.find("inline constexpr std::size_t parameter_count = 11;") != std::string::npos);
  CHECK(text.find("alignas(64) inline constexpr float layer_1_weights[6]") != std::string::npos);
  CHECK(text.find("::staticflow::tensor_view<float, ::staticflow::shape<3, 2>> weights") != std::string::npos);
  CHECK(text.find("struct layer_2 {\n};") != std::string::npos);  // relu: no parameters
  CHECK(text.find("constant_model<Net, layer_1, layer_2, layer_3>") != std::string::npos);
  CHECK(text.find(R"({"layer_3/biases", ::staticflow::dtype::float32, "[1]", layer_3_biases, sizeof layer_3_biases})") !=
        std::string::npos);
}

TEST_CASE("export_header writes non-finite values and refuses what it cannot write", "[nn][weights_header]") {
  sf::graph g;
  nn::model<net_t> net(g, 5);
  sf::session sess(g);
  sf_test::temp_dir dir;
  CHECK_THROWS_AS(nn::export_header(sess, net, dir / "w.hpp"), sf::failed_precondition);  // not initialised
  CHECK_FALSE(std::filesystem::exists(dir / "w.hpp"));
  sess.run(sf::global_variables_initializer());
  CHECK_THROWS_AS(nn::export_header(sess, net, dir / "w.hpp", {.name_space = "2bad"}), sf::invalid_argument);
  CHECK_THROWS_AS(nn::export_header(sess, net, dir / "missing" / "w.hpp"), sf::error);

  sf::tensor<float, sf::shape<1>> b;
  b.data()[0] = -std::numeric_limits<float>::infinity();
  sess.assign("net/layer_3/biases", sf::tensor_view<float, sf::shape<1>, sf::host>(b));
  nn::export_header(sess, net, dir / "w.hpp");
  CHECK(read(dir / "w.hpp").find("-std::numeric_limits<float>::infinity()") != std::string::npos);
}

namespace {

// What a generated header declares for net_t (hand-written here: W1 = [[1, -1], [2, 0], [0, 1]],
// b1 = [0.5, -4], W2 = [[2], [3]], b2 = [-1]).
alignas(64) constexpr float w1[6] = {1, -1, 2, 0, 0, 1};
alignas(64) constexpr float b1[2] = {0.5f, -4};
alignas(64) constexpr float w2[2] = {2, 3};
alignas(64) constexpr float b2[1] = {-1};
struct layer_1 {
  sf::tensor_view<float, sf::shape<3, 2>> weights = nn::constant_view<float, sf::shape<3, 2>>(w1);
  sf::tensor_view<float, sf::shape<2>> biases = nn::constant_view<float, sf::shape<2>>(b1);
};
struct layer_2 {};
struct layer_3 {
  sf::tensor_view<float, sf::shape<2, 1>> weights = nn::constant_view<float, sf::shape<2, 1>>(w2);
  sf::tensor_view<float, sf::shape<1>> biases = nn::constant_view<float, sf::shape<1>>(b2);
};

}  // namespace

TEST_CASE("constant_model computes the network on constant arrays", "[nn][weights_header]") {
  const nn::constant_model<net_t, layer_1, layer_2, layer_3> net;
  sf::tensor<float, sf::shape<sf::dyn, 3>> x(2);
  const float in[] = {1, 2, 3, -1, 0, 5};
  std::copy(std::begin(in), std::end(in), x.data());
  sf::session sess;
  const auto y = sess.run(net(x));
  // Row 1: x W1 + b1 = [1 + 4 + 0.5, -1 + 3 - 4] = [5.5, -2]; relu [5.5, 0]; 11 + 0 - 1 = 10.
  // Row 2: [-1 + 0.5, 1 + 5 - 4] = [-0.5, 2]; relu [0, 2]; 0 + 6 - 1 = 5.
  CHECK(y(0, 0) == 10.f);
  CHECK(y(1, 0) == 5.f);
}

TEST_CASE("assign_header fills a model's variables and names a mismatch", "[nn][weights_header]") {
  sf::graph g;
  nn::model<net_t> net(g);
  sf::session sess(g);
  const nn::header_tensor table[] = {{"layer_1/weights", sf::dtype::float32, "[3, 2]", w1, sizeof w1},
                                     {"layer_1/biases", sf::dtype::float32, "[2]", b1, sizeof b1},
                                     {"layer_3/weights", sf::dtype::float32, "[2, 1]", w2, sizeof w2},
                                     {"layer_3/biases", sf::dtype::float32, "[1]", b2, sizeof b2}};
  nn::assign_header(sess, net, table);
  CHECK(sess.value<float, sf::shape<3, 2>>("net/layer_1/weights")(1, 0) == 2.f);
  CHECK(sess.value<float, sf::shape<1>>("net/layer_3/biases")(0) == -1.f);

  nn::header_tensor wrong[4];
  std::copy(std::begin(table), std::end(table), wrong);
  wrong[2] = {"layer_3/weights", sf::dtype::float32, "[1, 1]", w2, sizeof(float)};
  CHECK_THROWS_WITH(nn::assign_header(sess, net, wrong),
                    Catch::Contains("net/layer_3/weights") && Catch::Contains("[2, 1]") && Catch::Contains("[1, 1]"));
  CHECK_THROWS_WITH(nn::assign_header(sess, net, std::span(table, 3)), Catch::Contains("no array for variable 'net/layer_3/biases'"));
}
