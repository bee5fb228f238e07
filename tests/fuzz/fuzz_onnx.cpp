// SPDX-License-Identifier: MIT
/// \file
/// \brief libFuzzer target: the ONNX model reader (io/onnx.hpp) and, on what it accepts, the
/// weight matching of `sf::onnx::load_weights` (io/onnx_weights.hpp: initializers by first read,
/// the graph walked back from each dense layer, layouts converted) against LeNet-5's variables,
/// then the model written again and read back.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "staticflow/io/onnx.hpp"
#include "staticflow/io/onnx_weights.hpp"

namespace sf = staticflow;
namespace ox = staticflow::io::onnx;

namespace {

/// examples/mnist_lenet5's variables, as sf::onnx::load_weights would describe them.
const std::vector<sf::onnx::weight_target>& lenet5_targets() {
  static const std::vector<sf::onnx::weight_target> t{
      {"layer_1/filter", "layer_1 (Conv2D)", false, {5, 5, 1, 6}, {}},
      {"layer_1/biases", "layer_1 (Conv2D)", false, {6}, {}},
      {"layer_4/filter", "layer_4 (Conv2D)", false, {5, 5, 6, 16}, {}},
      {"layer_4/biases", "layer_4 (Conv2D)", false, {16}, {}},
      {"layer_8/weights", "layer_8 (Dense)", false, {256, 120}, {4, 4, 16}},
      {"layer_8/biases", "layer_8 (Dense)", false, {120}, {4, 4, 16}},
      {"layer_10/weights", "layer_10 (Dense)", true, {120, 84}, {}},
      {"layer_10/biases", "layer_10 (Dense)", true, {84}, {}},
      {"layer_12/weights", "layer_12 (Dense)", false, {84, 10}, {}},
      {"layer_12/biases", "layer_12 (Dense)", false, {10}, {}},
  };
  return t;
}

/// The same matching against the model's own weights, one target per weight: conversions run
/// on whatever shapes the input has.
std::vector<sf::onnx::weight_target> own_targets(const ox::model_proto& m) {
  std::vector<sf::onnx::weight_target> t;
  for (const auto& s : sf::onnx::detail::weight_sources(m.graph)) {
    std::vector<std::int64_t> dims = s.tensor->dims;
    using layout = sf::onnx::detail::weight_source::layout;
    if (s.how == layout::oihw) dims = {dims[2], dims[3], dims[1], dims[0]};
    else if (s.how == layout::transposed) dims = {dims[1], dims[0]};
    t.push_back({s.tensor->name, "layer", t.size() % 2 == 1, dims, {}});
    if (dims.size() == 2 && dims[0] % 4 == 0) t.back().flattened_from = {2, 2, dims[0] / 4};
  }
  return t;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ox::model_proto m;
  try {
    m = ox::parse(std::as_bytes(std::span(data, size)), "fuzz.onnx");
  } catch (const sf::error&) {
    return 0;
  }
  for (const auto order : {sf::onnx::flatten_order::automatic, sf::onnx::flatten_order::nchw}) {
    try {
      (void)sf::onnx::detail::plan_weights(m, lenet5_targets(), {order});
    } catch (const sf::invalid_argument&) {
    }
    try {
      (void)sf::onnx::detail::plan_weights(m, own_targets(m), {order});
    } catch (const sf::invalid_argument&) {
    }
  }
  // What the reader accepted, the writer writes and the reader reads again.
  const ox::model_proto again = ox::parse(m.serialize(), "rewritten");
  if (again.graph.nodes.size() != m.graph.nodes.size() || again.graph.initializers.size() != m.graph.initializers.size())
    __builtin_trap();
  return 0;
}
