// SPDX-License-Identifier: MIT
/// \file
/// \brief Index labels (read_data_sets without {.one_hot = true}) fed to sf::nn::classifier: the
/// error names the option that fixes it, and one-hot labels of the same data train.
#include "staticflow/staticflow.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <vector>

namespace sf = staticflow;
namespace nn = staticflow::nn;
using Catch::Matchers::Contains;

namespace {

using net = nn::sequential<nn::input<4>, nn::dense<10>>;

sf::data::dataset tiny(bool one_hot) {
  std::vector<std::uint8_t> pixels(8 * 4), labels(8);
  for (std::size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<std::uint8_t>(i * 7);
  for (std::size_t i = 0; i < labels.size(); ++i) labels[i] = static_cast<std::uint8_t>(i % 10);
  return sf::data::dataset(std::move(pixels), std::move(labels), 4, {.one_hot = one_hot, .seed = 1});
}

}  // namespace

TEST_CASE("classifier::fit on index labels suggests {.one_hot = true}", "[data][nn]") {
  sf::graph g;
  nn::classifier<net, sf::train::gradient_descent> trainer(sf::train::gradient_descent(0.1), 1, g);
  auto index_labels = tiny(false);
  CHECK_THROWS_MATCHES(trainer.fit(index_labels, {.epochs = 1, .batch = 4, .progress = false}), sf::invalid_argument,
                       Catch::Matchers::Message(
                           "sf::nn::classifier::fit: the dataset has 4 values per example and 10 index labels; the "
                           "network takes 4 and 10 one-hot (load it with sf::data::read_data_sets(dir, "
                           "{.one_hot = true}))"));
  CHECK_THROWS_WITH(trainer.evaluate(index_labels), Contains("{.one_hot = true}"));

  auto one_hot = tiny(true);
  CHECK_NOTHROW(trainer.fit(one_hot, {.epochs = 1, .batch = 4, .progress = false}));
  const double accuracy = trainer.evaluate(one_hot);
  CHECK(accuracy >= 0.0);
  CHECK(accuracy <= 1.0);
}
