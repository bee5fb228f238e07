// SPDX-License-Identifier: MIT
/// \file
/// \brief The classifier trainer stops on a NaN instead of training on: after the step whose
/// loss is not finite, or, with device_config::check_numerics, inside that step before any
/// update, naming the op.

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "staticflow/staticflow.hpp"

namespace sf = staticflow;
namespace nn = staticflow::nn;
using Catch::Matchers::Contains;

namespace {
using net_t = nn::sequential<nn::input<2, 2, 1>, nn::flatten, nn::dense<2>>;
const std::vector<std::uint8_t> images = {0, 255, 10, 20, 30, 40, 50, 60, 255, 0, 0, 7};
// A learning rate so large that the updates send the weights past float's range.
constexpr float huge_rate = std::numeric_limits<float>::max();
}  // namespace

TEST_CASE("classifier::fit stops at the first step whose loss is not finite", "[nn][check_numerics]") {
  sf::data::dataset set(images, {1, 0, 1}, 4, {.one_hot = true, .num_classes = 2});
  sf::graph g;
  nn::classifier<net_t, sf::train::gradient_descent> clf(sf::train::gradient_descent(huge_rate), 1, g);
  CHECK_THROWS_WITH(clf.fit(set, {.epochs = 50, .batch = 3, .progress = false}),
                    Contains("sf::nn::classifier::fit: the loss is") && Contains("training stopped"));
}

TEST_CASE("classifier with check_numerics: the step that makes a NaN throws naming the op, no update",
          "[nn][check_numerics]") {
  sf::data::dataset set(images, {1, 0, 1}, 4, {.one_hot = true, .num_classes = 2});
  sf::graph g;
  sf::device_config config;
  config.check_numerics = true;
  nn::classifier<net_t, sf::train::gradient_descent> clf(sf::train::gradient_descent(huge_rate), 1, g, config);
  std::string message;
  try {
    clf.fit(set, {.epochs = 50, .batch = 3, .progress = false});
  } catch (const sf::invalid_argument& e) {
    message = e.what();
  }
  INFO(message);
  CHECK_THAT(message, Contains("sf::check_numerics: the output of sf::") && Contains("NaN at flat index"));
  // The weights the failing step would have updated are all still finite.
  const auto w = clf.get_session().value(std::get<1>(clf.network().parameters()).weights);
  for (std::size_t i = 0; i < w.size(); ++i) CHECK(std::isfinite(w.data()[i]));
}
